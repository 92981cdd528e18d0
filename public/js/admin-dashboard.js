// Admin dashboard: draws each canvas.chart from its data-labels / data-datasets (the table below holds the same numbers).
(function () {
  if (typeof window.Chart === 'undefined') return;
  var colours = ['#1f4e79', '#d9822b'];
  var charts = document.querySelectorAll('canvas.chart[data-datasets]');
  Array.prototype.forEach.call(charts, function (canvas) {
    var labels = JSON.parse(canvas.getAttribute('data-labels') || '[]');
    var datasets = JSON.parse(canvas.getAttribute('data-datasets') || '[]').map(function (d, i) {
      return { label: d.label, data: d.data, type: d.type, yAxisID: d.axis || 'y', backgroundColor: colours[i % 2], borderColor: colours[i % 2], tension: 0.2 };
    });
    var scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    if (datasets.some(function (d) { return d.yAxisID === 'y1'; })) scales.y1 = { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: { precision: 0 } };
    new window.Chart(canvas, { data: { labels: labels, datasets: datasets }, options: { responsive: true, animation: false, scales: scales } });
  });
})();

// Admin dashboard, license statistics and billing dashboard: draws each canvas.chart from its data-labels / data-datasets
// (the table below holds the same numbers). Lines are drawn over bars (Chart.js draws the highest `order` first), each on
// its own axis; with data-stacked="true" the bars are stacked (a dataset's `stack` names its group).
(function () {
  if (typeof window.Chart === 'undefined') return;
  var colours = ['#1f4e79', '#d9822b', '#0d6b5e', '#7a3e9d', '#b3261e', '#5c6f7c'];
  var charts = document.querySelectorAll('canvas.chart[data-datasets]');
  Array.prototype.forEach.call(charts, function (canvas) {
    var labels = JSON.parse(canvas.getAttribute('data-labels') || '[]');
    var datasets = JSON.parse(canvas.getAttribute('data-datasets') || '[]').map(function (d, i) {
      var colour = colours[i % colours.length];
      var line = d.type === 'line';
      return {
        label: d.label, data: d.data, type: d.type, yAxisID: d.axis || 'y', order: line ? 0 : 1, stack: d.stack,
        backgroundColor: colour, borderColor: colour, borderWidth: line ? 3 : 0, pointRadius: line ? 2 : 0, tension: 0.2,
      };
    });
    var scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    if (canvas.getAttribute('data-stacked') === 'true') {
      scales.x = { stacked: true };
      scales.y.stacked = true;
    }
    if (datasets.some(function (d) { return d.yAxisID === 'y1'; })) scales.y1 = { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: { precision: 0 } };
    new window.Chart(canvas, { data: { labels: labels, datasets: datasets }, options: { responsive: true, maintainAspectRatio: false, animation: false, scales: scales } });
  });
})();

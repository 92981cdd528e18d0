// Partner dashboard: draws the units chart from the canvas's data-series (the table beside it holds the same numbers),
// in the partner area's colour (the --area custom property of site.css).
(function () {
  var canvas = document.getElementById('units-chart');
  if (!canvas || typeof window.Chart === 'undefined') return;
  var series = JSON.parse(canvas.getAttribute('data-series') || '[]');
  var colour = getComputedStyle(canvas).getPropertyValue('--area').trim() || '#1f4e79';
  new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: series.map(function (s) { return s.month; }),
      datasets: [{ label: canvas.getAttribute('data-label'), data: series.map(function (s) { return s.units; }), backgroundColor: colour }],
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  });
})();

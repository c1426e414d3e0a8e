/* Draws the Plotly charts of a page: each <div data-plotly> names the JSON data block holding its
   figure and config (fatura.web.charts.plotly_div), so no page needs an inline script under the
   Content-Security-Policy. Runs on load and after every htmx swap; a chart is drawn once. */
(function () {
  "use strict";
  function draw(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll("[data-plotly]:not([data-drawn])").forEach(function (div) {
      div.setAttribute("data-drawn", "1");
      var data = document.getElementById(div.getAttribute("data-plotly"));
      if (!data) return;
      var spec = JSON.parse(data.textContent);
      window.Plotly.newPlot(div, spec.figure.data || [], spec.figure.layout || {}, spec.config || {});
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.target); });
})();

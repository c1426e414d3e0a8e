/* Fiscal dashboard. "Baixar PNG": the same image as the chart's camera button, reachable from
   the keyboard. */
document.addEventListener("click", function (evt) {
  var button = evt.target.closest ? evt.target.closest("[data-png]") : null;
  if (!button || !window.Plotly) return;
  var chart = document.getElementById(button.getAttribute("data-png"));
  if (chart) window.Plotly.downloadImage(chart, {format: "png", filename: button.getAttribute("data-filename"), width: 1200, height: 500, scale: 1});
});
/* Charts drawn while the page was still being laid out take the final width of their card. */
window.addEventListener("load", function () {
  if (!window.Plotly) return;
  document.querySelectorAll(".js-plotly-plot").forEach(function (chart) { window.Plotly.Plots.resize(chart); });
});

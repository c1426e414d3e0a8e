  /* A click on a week of the chart opens its invoices below the table (a group's bar: that
     group's invoices), the same as the week's link in the table. */
  (function () {
    function bind() {
      var figure = document.getElementById("forecast-figure");
      var chart = figure ? figure.querySelector(".plotly-graph-div") : null;
      if (!figure || !chart || chart.dataset.bound) return;
      if (!chart.on) { window.setTimeout(bind, 100); return; }
      chart.dataset.bound = "1";
      var keys = JSON.parse(figure.dataset.keys || "[]");
      chart.on("plotly_click", function (data) {
        var points = data.points || [];
        var point = points.filter(function (p) { return p.curveNumber < keys.length; })[0] || points[0];
        if (!point || !window.htmx) return;
        var url = figure.dataset.weekUrl.replace(/\/0\/$/, "/" + point.pointIndex + "/") + "?grupo=" + encodeURIComponent(figure.dataset.group);
        if (point.curveNumber < keys.length) url += "&chave=" + encodeURIComponent(keys[point.curveNumber]);
        window.htmx.ajax("GET", url, {target: "#forecast-week", swap: "innerHTML"}).then(function () {
          var panel = document.getElementById("forecast-week");
          if (panel) panel.scrollIntoView({behavior: "smooth", block: "start"});
        });
      });
    }
    document.addEventListener("DOMContentLoaded", bind);
    document.addEventListener("htmx:afterSettle", bind);
  })();

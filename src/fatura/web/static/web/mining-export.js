/* Mineração: PNG downloads made in the browser (no server round trip for the image).

   - Plotly charts: they follow the width of their box; a button with data-plotly-png="<div id>" and data-filename saves the same PNG
     as the chart's camera button (Plotly.downloadImage, scale 2).
   - Process map: a button with data-svg-png="<SVG download URL>" and data-filename fetches the
     SVG, draws it on a canvas (white background) and saves the canvas as PNG.

   The buttons start hidden and are shown here, so a browser without JavaScript only sees the
   links that work without it (CSV, SVG). */
(function () {
  "use strict";

  var MAX_SIDE = 16000; // Chromium's canvas limit is 16384 px a side
  var MAX_AREA = 120000000; // ... and about 268 M px in all; stay well below

  function save(blob, filename) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  function say(button, text) {
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (status) status.textContent = text;
  }

  function english() {
    return document.documentElement.lang === "en";
  }

  // A chart drawn while the page is still arriving takes the width its box had then (in a
  // two-column grid, the whole row until the second card arrives): redraw it when its box
  // changes size, which also happens once right away.
  if (window.Plotly && window.ResizeObserver) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.target.offsetWidth) window.Plotly.Plots.resize(entry.target);
      });
    });
    document.querySelectorAll(".js-plotly-plot").forEach(function (chart) {
      observer.observe(chart);
    });
  }

  document.querySelectorAll("[data-plotly-png]").forEach(function (button) {
    if (!window.Plotly) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var chart = document.getElementById(button.getAttribute("data-plotly-png"));
      if (!chart) return;
      window.Plotly.downloadImage(chart, {
        format: "png",
        filename: button.getAttribute("data-filename") || "grafico",
        scale: 2,
      });
    });
  });

  function svgSize(text) {
    var root = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    var width = parseFloat(root.getAttribute("width"));
    var height = parseFloat(root.getAttribute("height"));
    if (!(width > 0 && height > 0)) {
      var box = (root.getAttribute("viewBox") || "").split(/[\s,]+/).map(parseFloat);
      width = box[2];
      height = box[3];
    }
    return { width: width || 800, height: height || 600 };
  }

  function svgToPng(text, done, failed) {
    var size = svgSize(text);
    var scale = Math.min(
      2,
      MAX_SIDE / Math.max(size.width, size.height),
      Math.sqrt(MAX_AREA / (size.width * size.height))
    );
    var url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml;charset=utf-8" }));
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(size.width * scale);
      canvas.height = Math.round(size.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob(function (blob) {
        if (blob) done(blob);
        else failed();
      }, "image/png");
    };
    image.onerror = function () {
      URL.revokeObjectURL(url);
      failed();
    };
    image.src = url;
  }

  document.querySelectorAll("[data-svg-png]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var filename = button.getAttribute("data-filename") || "mapa.png";
      var failed = function () {
        button.disabled = false;
        say(button, english() ? "Could not make the PNG; download the SVG instead."
          : "Não foi possível gerar o PNG; baixe o SVG.");
      };
      button.disabled = true;
      say(button, english() ? "Making the PNG…" : "Gerando o PNG…");
      fetch(button.getAttribute("data-svg-png"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (text) {
          svgToPng(text, function (blob) {
            save(blob, filename);
            button.disabled = false;
            say(button, english() ? "PNG downloaded." : "PNG baixado.");
          }, failed);
        })
        .catch(failed);
    });
  });
})();

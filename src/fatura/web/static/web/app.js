/* Fatura pages: small behaviours on top of htmx. Everything works without this file except
   the upload progress bar and closing the inline finalize form. */
(function () {
  "use strict";

  // Upload progress of the volume file (htmx reports the XHR's upload progress).
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = evt.target.closest ? evt.target.closest("form") : null;
    var bar = form ? form.querySelector("progress") : null;
    if (!bar || !evt.detail.total) return;
    var percent = Math.round((evt.detail.loaded / evt.detail.total) * 100);
    var box = bar.closest(".upload-progress");
    if (box) box.hidden = false;
    bar.value = percent;
    bar.textContent = percent + "%";
    var text = form.querySelector("#upload-progress-text");
    if (text) text.textContent = percent + "%";
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.id === "volume-import-form") {
      var bar = elt.querySelector("progress");
      if (bar) { bar.value = 0; bar.closest(".upload-progress").hidden = false; }
    }
    // One finalize form at a time: opening one closes the others.
    if (elt && elt.hasAttribute && elt.hasAttribute("data-finalize-open")) {
      document.querySelectorAll(".finalize-slot").forEach(function (slot) {
        if (slot.querySelector("form")) slot.innerHTML = "";
      });
    }
  });

  // A range input shows its value in the <output> named by data-range-output (the map's sliders).
  document.addEventListener("input", function (evt) {
    var name = evt.target.getAttribute ? evt.target.getAttribute("data-range-output") : null;
    var out = name ? document.getElementById(name) : null;
    if (out) out.value = evt.target.value + "%";
  });

  // Put the keyboard focus on the first field of a form htmx just showed.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.classList && target.classList.contains("finalize-slot")) {
      var first = target.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });

  // "Cancelar" buttons: remove the element named by data-dismiss, focus back on the row.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest ? evt.target.closest("[data-dismiss]") : null;
    if (!button) return;
    var box = document.querySelector(button.getAttribute("data-dismiss"));
    if (!box) return;
    var row = box.closest("tbody");
    box.remove();
    var opener = row ? row.querySelector("[data-finalize-open]") : null;
    if (opener) opener.focus();
  });

  // A server or network error on an htmx request: say so instead of doing nothing.
  function showError(message) {
    var toast = document.getElementById("request-error");
    if (!toast) return;
    toast.textContent = message;
    toast.hidden = false;
    window.setTimeout(function () { toast.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function () {
    showError(document.documentElement.lang === "en"
      ? "Something went wrong on the server. Please try again."
      : "Algo deu errado no servidor. Tente de novo.");
  });
  document.addEventListener("htmx:sendError", function () {
    showError(document.documentElement.lang === "en"
      ? "No connection to the server. Check your network and try again."
      : "Sem conexão com o servidor. Verifique a rede e tente de novo.");
  });
})();

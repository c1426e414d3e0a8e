/* Copy buttons ([data-copy] = the id of the field to copy): the clipboard when the browser
   allows it, else the field's text selected for Ctrl+C; the result is announced. */
(function () {
  "use strict";
  function announce(text) {
    var status = document.getElementById("copy-status");
    if (status) status.textContent = text;
  }
  document.addEventListener("click", function (evt) {
    if (!evt.target.closest) return;
    var button = evt.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var done = document.documentElement.lang === "en" ? "Copied." : "Copiado.";
    var manual = document.documentElement.lang === "en"
      ? "Selected: press Ctrl+C to copy." : "Selecionado: tecle Ctrl+C para copiar.";
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { announce(done); },
        function () { field.focus(); field.select(); announce(manual); }
      );
    } else {
      field.focus();
      field.select();
      announce(manual);
    }
  });
})();

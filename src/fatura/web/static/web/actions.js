/* Keyboard flow of the inline action forms: focus the first field when a form opens, the
   result or the first invalid field after a post, back to the button on Cancel or Escape. */
(function () {
  "use strict";
  var opener = null;
  function focusFirst(root, selector) {
    var el = root && root.querySelector(selector);
    if (el) { el.focus(); return true; }
    return false;
  }
  function backToOpener() {
    window.setTimeout(function () {
      var el = opener && document.getElementById(opener);
      if (el) el.focus();
    }, 0);
  }
  document.addEventListener("click", function (evt) {
    if (!evt.target.closest) return;
    var open = evt.target.closest("[data-action-open]");
    if (open) opener = open.id;
    if (evt.target.closest("[data-dismiss]")) backToOpener();
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape" || !evt.target.closest) return;
    var box = evt.target.closest("[data-dismissible]");
    if (!box) return;
    box.remove();
    backToOpener();
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var target = evt.target;  // the swapped-in element (outerHTML) or the panel (innerHTML)
    if (!target) return;
    if (target.hasAttribute && target.hasAttribute("data-action-panel")) {
      focusFirst(target, "[aria-invalid=true], input:not([type=hidden]), select, textarea, button[type=submit]");
      return;
    }
    if (target.hasAttribute && target.hasAttribute("data-action-box")) {
      if (target.hasAttribute("tabindex")) { target.focus(); return; }
      focusFirst(target, "[aria-invalid=true]") || focusFirst(target, "button[type=submit]");
      return;
    }
    var result = document.getElementById("action-result");
    if (result && !result.hasAttribute("data-seen")) {
      result.setAttribute("data-seen", "1");
      result.focus();
    }
  });
})();

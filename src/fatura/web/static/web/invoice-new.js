/* New invoice page: the recurrence fields follow the kind; lines added from the template row,
   renumbered, removed. */
  (function () {
    "use strict";
    var rows = document.getElementById("line-rows");
    var template = document.getElementById("line-template");
    var kind = document.getElementById("id_kind");
    var recurrence = document.getElementById("recurrence-fieldset");
    function toggleRecurrence() { recurrence.hidden = kind.value !== "recurring"; }
    kind.addEventListener("change", toggleRecurrence);
    toggleRecurrence();
    function renumber() {
      Array.prototype.forEach.call(rows.querySelectorAll("tr"), function (tr, i) {
        var n = String(i + 1);
        tr.querySelectorAll("[data-n]").forEach(function (el) {
          ["id", "for", "aria-describedby"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) el.setAttribute(attr, value.replace(/line-(\d+|__n__)-/g, "line-" + n + "-"));
          });
          if (el.hasAttribute("data-label")) el.textContent = el.getAttribute("data-label").replace("__n__", n);
        });
      });
    }
    document.getElementById("line-add").addEventListener("click", function () {
      rows.insertAdjacentHTML("beforeend", template.innerHTML);
      renumber();
      var inputs = rows.querySelectorAll("tr:last-child input");
      if (inputs.length) inputs[0].focus();
    });
    rows.addEventListener("click", function (evt) {
      var button = evt.target.closest("[data-line-remove]");
      if (!button) return;
      var tr = button.closest("tr");
      var next = tr.nextElementSibling || tr.previousElementSibling;
      if (rows.querySelectorAll("tr").length === 1) {
        tr.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        tr.querySelector("input").focus();
        return;
      }
      tr.remove();
      renumber();
      if (next) next.querySelector("input").focus();
    });
  })();

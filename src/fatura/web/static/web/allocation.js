/* "Pay the oldest first" and the live summary of an allocation table, in integer cents (never
   floats): amounts are typed the pt-BR way, 1.234,56. Loaded by
   templates/web/receivables/_allocation_script.html after its form. */
(function () {
  "use strict";
  var script = document.currentScript;  // data-form-id, data-amount-id (blank: no amount field)
  var form = document.getElementById(script.getAttribute("data-form-id"));
  var amountId = script.getAttribute("data-amount-id") || "";
  var lang = document.documentElement.lang;
  function cents(text) {
    var t = String(text || "").replace(/\s|R\$/g, "");
    if (t.indexOf(",") >= 0) t = t.replace(/\./g, "").replace(",", ".");
    if (!/^\d+(\.\d{0,2})?$/.test(t)) return null;
    var parts = t.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }
  function text(c) {
    var s = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return s + "," + String(c % 100).padStart(2, "0");
  }
  function input(c) { return String(Math.floor(c / 100)) + "," + String(c % 100).padStart(2, "0"); }
  function available() {
    var field = document.getElementById(amountId);
    if (field) return cents(field.value);
    return parseInt(form.getAttribute("data-available-cents") || "0", 10);
  }
  function summary() {
    var out = document.getElementById("allocation-summary");
    if (!out) return;
    var total = 0, bad = false;
    form.querySelectorAll("[data-alloc]").forEach(function (el) {
      if (!el.value.trim()) return;
      var c = cents(el.value);
      if (c === null) bad = true; else total += c;
    });
    var have = available();
    if (bad || have === null) { out.textContent = ""; return; }
    var left = have - total;
    out.textContent = (lang === "en" ? "Applied: R$ " : "A aplicar: R$ ") + text(total) + " · " +
      (left >= 0 ? (lang === "en" ? "left as credit: R$ " : "fica como crédito: R$ ") + text(left)
                 : (lang === "en" ? "exceeds the payment by R$ " : "passa do valor recebido em R$ ") + text(-left));
  }
  form.addEventListener("input", summary);
  document.body.addEventListener("htmx:afterSettle", summary);
  var button = document.getElementById("pay-oldest-first");
  if (button) button.addEventListener("click", function () {
    var left = available();
    if (left === null) { var f = document.getElementById(amountId); if (f) f.focus(); return; }
    form.querySelectorAll("tr[data-balance-cents]").forEach(function (tr) {
      var el = tr.querySelector("[data-alloc]");
      var take = Math.min(left, parseInt(tr.getAttribute("data-balance-cents"), 10));
      el.value = take > 0 ? input(take) : "";
      left -= Math.max(take, 0);
    });
    summary();
  });
  summary();
})();

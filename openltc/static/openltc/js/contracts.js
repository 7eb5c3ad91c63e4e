/* Contracts editor: totals follow the lines and milestones as they are typed (computed by the
   server), and a newly added row gets the focus. No inline scripts: CSP forbids them. */
(function () {
  "use strict";

  function refreshTotals(form) {
    if (!window.htmx || !form) return;
    var target = document.getElementById("ct-totals");
    if (!target) return;
    var values = new FormData(form);
    values.set("op", "preview");
    var params = {};
    values.forEach(function (value, key) { if (typeof value === "string") params[key] = value; });
    window.htmx.ajax("POST", form.getAttribute("hx-post") || window.location.pathname, {
      target: target, swap: "innerHTML", values: params, source: form
    });
  }

  function bind(root) {
    var form = (root || document).querySelector ? (root || document).querySelector("#contract-editor") : null;
    if (!form || form.dataset.ctBound) return;
    form.dataset.ctBound = "1";
    var timer = null;
    form.addEventListener("change", function (event) {
      if (!event.target.closest("[data-row]")) return;
      clearTimeout(timer);
      timer = setTimeout(function () { refreshTotals(form); }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    bind(document);
    var target = event.detail && event.detail.target;
    if (target && target.id === "contract-editor") {
      var rows = document.querySelectorAll("#contract-editor [data-row]");
      var last = rows.length ? rows[rows.length - 1] : null;
      var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
      var submitter = trigger && trigger.submitter;
      if (submitter && /^add_/.test(submitter.value || "")) {
        var section = submitter.value === "add_line" ? "lines-h" : "ms-h";
        var table = document.getElementById(section).parentNode.querySelectorAll("[data-row]");
        last = table.length ? table[table.length - 1] : last;
        var input = last && last.querySelector("input, select");
        if (input) input.focus();
      }
    }
  });
})();

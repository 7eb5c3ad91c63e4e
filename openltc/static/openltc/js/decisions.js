// Decisions: show the condition rows only for "approved with conditions" and the revisit date
// only for a deferral; print button on the minutes page. No inline script (CSP).
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("[data-decision-form]");
    if (form && !form.dataset.bound) {
      form.dataset.bound = "1";
      var outcome = form.querySelector("[name=outcome]");
      var conditions = form.querySelector("[data-conditions]");
      var revisit = form.querySelector("[name=revisit_on]");
      var revisitField = revisit ? revisit.closest(".field") : null;
      var sync = function () {
        var value = outcome ? outcome.value : "";
        if (conditions) { conditions.hidden = value !== "approved_with_conditions"; }
        if (revisitField) { revisitField.hidden = value !== "deferred"; }
      };
      if (outcome) { outcome.addEventListener("change", sync); }
      sync();
    }
    var print = document.querySelector("[data-print]");
    if (print && !print.dataset.bound) {
      print.dataset.bound = "1";
      print.addEventListener("click", function () { window.print(); });
    }
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();

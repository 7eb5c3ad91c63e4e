// Leads list: a header checkbox that selects every row for a bulk action.
(function () {
  "use strict";
  function init(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      if (box.dataset.bound) { return; }
      box.dataset.bound = "1";
      box.addEventListener("change", function () {
        var form = box.closest("form");
        form.querySelectorAll('input[name="' + box.getAttribute("data-select-all") + '"]').forEach(function (el) {
          el.checked = box.checked;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (ev) { if (ev.target && ev.target.querySelectorAll) { init(ev.target); } });
})();

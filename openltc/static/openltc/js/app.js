// OpenLTC page behaviour. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  function init(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    root.querySelectorAll("[data-nav-toggle]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var nav = document.getElementById(btn.getAttribute("aria-controls"));
        var open = nav.classList.toggle("open");
        btn.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("submit", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (ev) { if (ev.target && ev.target.querySelectorAll) { init(ev.target); } });
  if (window.htmx) { window.htmx.config.includeIndicatorStyles = false; }
  window.OpenLTC = window.OpenLTC || {};
  window.OpenLTC.init = init;
})();

// OpenLTC page behaviour. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // Binds behaviour once per element: htmx fires htmx:load for the whole body at start-up too.
  function once(el, key) {
    if (el.dataset["bound" + key]) { return false; }
    el.dataset["bound" + key] = "1";
    return true;
  }
  function init(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      if (!once(el, "Autosubmit")) { return; }
      el.addEventListener("change", function () { el.form.submit(); });
    });
    root.querySelectorAll("[data-nav-toggle]").forEach(function (btn) {
      if (!once(btn, "Toggle")) { return; }
      btn.addEventListener("click", function () {
        var nav = document.getElementById(btn.getAttribute("aria-controls"));
        var open = nav.classList.toggle("open");
        btn.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (!once(el, "Confirm")) { return; }
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

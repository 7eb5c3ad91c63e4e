// Opportunities: on the opportunity form, offer only the contacts of the chosen customer.
// The contact-to-customer map travels as JSON (json_script), never as inline script.
(function () {
  "use strict";
  function init() {
    var dataEl = document.getElementById("opp-contact-customers");
    var customer = document.getElementById("id_customer");
    var contact = document.getElementById("id_contact");
    if (!dataEl || !customer || !contact) { return; }
    var owners = JSON.parse(dataEl.textContent || "{}");
    function filter() {
      var chosen = customer.value;
      Array.prototype.forEach.call(contact.options, function (opt) {
        if (!opt.value) { return; }
        var match = !chosen || owners[opt.value] === chosen;
        opt.hidden = !match;
        opt.disabled = !match;
        if (!match && opt.selected) { contact.value = ""; }
      });
    }
    customer.addEventListener("change", filter);
    filter();
  }
  document.addEventListener("DOMContentLoaded", init);
})();

// 代客下单: pickup needs no address, so its fields hide while pickup is chosen. Everything
// else on the page is plain forms: a keyboard-wedge scanner's Enter submits the scan field.
(function () {
  "use strict";
  var form = document.querySelector(".take-place");
  if (!form) return;
  var address = form.querySelector("[data-address]");
  function sync() {
    var pickup = form.querySelector("[name=fulfilment][value=pickup]");
    address.hidden = Boolean(pickup && pickup.checked);
  }
  form.addEventListener("change", sync);
  sync();
})();

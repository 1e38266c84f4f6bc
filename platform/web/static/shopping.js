/* Storefront shopping: small enhancements of pages that work as plain HTML forms.
   Prices are never computed here: the checkout asks the server for its summary again. */
(function () {
  "use strict";

  // Quantity steppers whose buttons only change the number (the product page).
  document.querySelectorAll("[data-stepper]").forEach(function (stepper) {
    var input = stepper.querySelector("input[type=number]");
    stepper.querySelectorAll("button[data-step]").forEach(function (button) {
      button.addEventListener("click", function () {
        var min = parseInt(input.min || "1", 10);
        var max = parseInt(input.max || "999", 10);
        var next = (parseInt(input.value, 10) || min) + parseInt(button.getAttribute("data-step"), 10);
        input.value = String(Math.min(max, Math.max(min, next)));
      });
    });
  });

  // Cart lines: a typed quantity applies by itself, once, through the form's default
  // button (step 0), whether it was committed by Enter or by leaving the field.
  document.querySelectorAll("[data-autosubmit-stepper]").forEach(function (form) {
    var input = form.querySelector("input[name=quantity]");
    var apply = form.querySelector("[data-default-submit]");
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
    });
    input.addEventListener("change", function () { if (!sent) form.requestSubmit(apply); });
  });

  // Product page: the price and stock shown are the chosen variant's.
  var choice = document.querySelector("[data-variant-choice]");
  if (choice) {
    choice.addEventListener("change", function (event) {
      var input = event.target;
      var price = document.querySelector("[data-picker-price]");
      var stock = document.querySelector("[data-picker-stock] .badge");
      if (price) price.textContent = input.getAttribute("data-price");
      if (stock) stock.textContent = input.getAttribute("data-stock");
    });
  }

  // Address: province → city → district <select>s. Choosing one refills the next from
  // /regions/<code> (GB/T 2260) and empties the one after; without JavaScript the form's
  // update button does it on the server.
  var chain = ["province", "city", "district"];
  chain.slice(0, 2).forEach(function (level, index) {
    var select = document.querySelector('[data-region-select="' + level + '"]');
    var next = document.querySelector('[data-region-select="' + chain[index + 1] + '"]');
    if (!select || !next) return;
    select.addEventListener("change", function () {
      var after = index === 0 ? document.querySelector('[data-region-select="district"]') : null;
      [next, after].forEach(function (list) {
        if (list) list.replaceChildren(list.options[0]);
      });
      var chosen = select.options[select.selectedIndex];
      var code = chosen && chosen.getAttribute("data-code");
      if (!code) return;
      fetch("/regions/" + code, { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) {
          data.items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.name;
            option.textContent = item.label;
            option.setAttribute("data-code", item.code);
            next.appendChild(option);
          });
        })
        .catch(function () { /* offline: the update button still works */ });
    });
  });

  // Checkout: re-price (shipping options, discounts, totals) when the address, the
  // shipping choice or the coupon changes, by posting the form as the "Update" button does
  // and swapping in the server's regions.
  var checkout = document.querySelector("form[data-checkout]");
  if (checkout) {
    var timer = null;
    var pending = null;
    var placing = false;
    var refresh = function () {
      if (placing) return; // the order is being placed: its answer is the next page
      var data = new FormData(checkout);
      data.set("action", "update");
      if (pending) pending.abort();
      pending = new AbortController();
      checkout.classList.add("is-updating");
      // getAttribute: `checkout.action` is the button named "action" (form named access)
      fetch(checkout.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin",
                               headers: { "Accept": "text/html" }, signal: pending.signal })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html");
          checkout.querySelectorAll("[data-region]").forEach(function (region) {
            var name = region.getAttribute("data-region");
            var next = fresh.querySelector('[data-region="' + name + '"]');
            if (next) region.replaceWith(next);
          });
        })
        .catch(function () { /* aborted or offline: the Place order answer is authoritative */ })
        .finally(function () { checkout.classList.remove("is-updating"); });
    };
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
    };
    checkout.addEventListener("change", function (event) {
      var name = event.target.name || "";
      if (name.indexOf("address.") === 0 || name === "shipping_method" || name === "coupon_code") later();
    });
    checkout.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.value === "update") {
        event.preventDefault();
        refresh();
        return;
      }
      if (placing) { event.preventDefault(); return; } // one order per click, whatever the mouse does
      placing = true;
      // A field left for the button fires its change just before: no re-pricing POST may
      // follow the order's (nor one still on its way be swapped in).
      clearTimeout(timer);
      if (pending) pending.abort();
      if (submitter) submitter.classList.add("is-busy");
    });
    window.addEventListener("pageshow", function (event) { // back to this page from the next
      if (!event.persisted) return;
      placing = false;
      checkout.querySelectorAll(".is-busy").forEach(function (b) { b.classList.remove("is-busy"); });
    });
  }

  // Payment page: follow the order until it is paid, then show it.
  var pay = document.querySelector("[data-pay]");
  if (pay) {
    var url = pay.getAttribute("data-status-url");
    var target = pay.getAttribute("data-order-url");
    var tries = 0;
    var poll = function () {
      tries += 1;
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (order) {
          if (order && (order.paid || order.status !== "pending_payment")) {
            window.location.assign(target);
          } else if (tries < 300) {
            setTimeout(poll, tries < 20 ? 3000 : 6000);
          }
        })
        .catch(function () { if (tries < 300) setTimeout(poll, 6000); });
    };
    setTimeout(poll, 3000);
  }

  // Order page: times in the shopper's own time zone; the bookmark link selects itself.
  // Cards: Stripe.js mounts its Payment Element on the PaymentIntent's client secret and
  // confirms it (3-D Secure included); the order becomes paid by Stripe's webhook, which
  // the polling above notices. Stripe.js is loaded only on this page, only for cards.
  var card = document.querySelector("[data-stripe-card]");
  if (card && window.Stripe && card.dataset.publishableKey) {
    var stripe = window.Stripe(card.dataset.publishableKey);
    var elements = stripe.elements({ clientSecret: card.dataset.clientSecret });
    var mount = card.querySelector("[data-stripe-element]");
    elements.create("payment").mount(mount);
    var form = card.querySelector("form");
    var message = card.querySelector("[data-stripe-message]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelector("button").disabled = true;
      stripe.confirmPayment({ elements: elements, confirmParams: {
        return_url: new URL(card.dataset.returnUrl, window.location.href).href } })
        .then(function (result) {
          if (result.error) { message.textContent = result.error.message; }
          form.querySelector("button").disabled = false;
        });
    });
  }

  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) el.textContent = when.toLocaleString(document.documentElement.lang || undefined,
      { dateStyle: "medium", timeStyle: "short" });
  });
  document.querySelectorAll("[data-order-link]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  // Countdowns (flash sales): HH:MM:SS to data-until, ticking each second; the server
  // rendered the first value, so a page without scripts still says how long is left.
  var countdowns = document.querySelectorAll("[data-countdown][data-until]");
  function tick() {
    var now = Date.now();
    countdowns.forEach(function (el) {
      var left = Math.max(0, Math.floor((new Date(el.dataset.until) - now) / 1000));
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      el.textContent = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) +
        ":" + pad(left % 60);
    });
  }
  if (countdowns.length) { tick(); window.setInterval(tick, 1000); }
})();

/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // Console: open and close the navigation drawer on small screens.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (event.target.closest("[data-print]")) window.print();  // no inline onclick: CSP
    if (toggle) {
      event.preventDefault();
      var open = document.body.classList.toggle("nav-open");
      document.querySelectorAll("[data-nav-toggle]").forEach(function (el) {
        el.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") document.body.classList.remove("nav-open");
  });

  // Signup: suggest an address from a shop name written in Latin letters.
  var name = document.querySelector("[data-shop-name]");
  var slug = document.querySelector("[data-slug]");
  if (name && slug) {
    var edited = slug.value !== "";
    slug.addEventListener("input", function () { edited = slug.value !== ""; });
    name.addEventListener("input", function () {
      if (edited) return;
      var suggestion = name.value.normalize("NFKD").toLowerCase()
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
      slug.value = suggestion.length >= 3 ? suggestion : "";
    });
    slug.addEventListener("blur", function () { slug.value = slug.value.trim().toLowerCase(); });
  }

  // Selects that apply at once (the storefront's sort order).
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Product page: pick the big picture from the thumbnails.
  document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
    var main = gallery.querySelector("[data-gallery-main]");
    // A product video comes first; a picture's thumb hides (and pauses) it, its own shows it.
    var video = gallery.querySelector("[data-gallery-video]");
    var picture = gallery.querySelector("[data-gallery-picture]");
    function activate(button) {
      gallery.querySelectorAll("[data-gallery-thumb], [data-gallery-show-video]").forEach(
        function (b) { b.classList.toggle("is-active", b === button); });
    }
    function showVideo(shown) {
      if (!video || !picture) return;
      video.hidden = !shown;
      picture.hidden = shown;
      if (!shown) video.pause();
    }
    gallery.querySelectorAll("[data-gallery-show-video]").forEach(function (button) {
      button.addEventListener("click", function () { showVideo(true); activate(button); });
    });
    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (button) {
      button.addEventListener("click", function () {
        showVideo(false);
        if (!main) return;
        main.removeAttribute("srcset");  // else the first picture's srcset keeps winning
        var source = main.parentNode.querySelector("source");  // and its WebP source
        if (source) source.remove();
        main.src = button.getAttribute("data-gallery-thumb");
        activate(button);
      });
    });
  });
})();

/* Console product editor, receiving, and the storefront's variant picker. */
(function () {
  "use strict";

  // Editor: add a spec row or a variant row.
  document.querySelectorAll("[data-repeat-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.getAttribute("data-repeat-add");
      var list = document.querySelector('[data-repeat="' + kind + '"]');
      var template = document.querySelector('[data-repeat-template="' + kind + '"]');
      var row;
      if (template) {
        var next = 0;
        list.querySelectorAll("input[name]").forEach(function (input) {
          var m = /^v-(\d+)-/.exec(input.name);
          if (m) next = Math.max(next, parseInt(m[1], 10) + 1);
        });
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replace(/__i__/g, String(next));
        row = holder.firstElementChild;
      } else {
        var rows = list.querySelectorAll("[data-repeat-row]");
        row = rows[rows.length - 1].cloneNode(true);
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
      list.appendChild(row);
      var first = row.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    });
  });

  // Editor: show the chosen pictures before uploading them.
  document.querySelectorAll("[data-preview]").forEach(function (input) {
    var target = document.querySelector(input.getAttribute("data-preview"));
    input.addEventListener("change", function () {
      target.innerHTML = "";
      Array.prototype.forEach.call(input.files || [], function (file) {
        if (!/^image\//.test(file.type)) return;
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.alt = "";
        img.src = URL.createObjectURL(file);
        li.appendChild(img);
        target.appendChild(li);
      });
    });
  });

  // Forms that ask first (delete a product).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Receiving: after a scan the code input is empty and focused for the next one.
  var code = document.getElementById("f-barcode");
  if (code && document.querySelector("[data-scan-result]")) {
    code.value = "";
    code.focus();
  }

  // Storefront: pick a variant by its options; the price and stock follow.
  document.querySelectorAll("[data-variant-picker]").forEach(function (picker) {
    var data = JSON.parse(picker.querySelector("[data-picker-data]").textContent || "[]");
    var text = picker.querySelector("[data-picker-text]");
    var box = picker.closest(".stack") || document;
    var price = box.querySelector("[data-picker-price]");
    var stock = box.querySelector("[data-picker-stock]");
    var chosen = picker.querySelector("[data-picker-chosen]");
    var list = box.querySelector("[data-variant-list]");
    picker.hidden = false;
    if (list) list.hidden = true;

    function selection() {
      var picked = {};
      picker.querySelectorAll("input[data-option]:checked").forEach(function (input) {
        picked[input.getAttribute("data-option")] = input.value;
      });
      return picked;
    }
    function matches(variant, picked) {
      return Object.keys(picked).every(function (k) { return variant.options[k] === picked[k]; });
    }
    function badge(cls, label) {
      var span = document.createElement("span");
      span.className = "badge " + cls;
      span.textContent = label;
      stock.replaceChildren(span);
    }
    function update() {
      var picked = selection();
      // A value is selectable when some variant with it (and the other choices) is in stock.
      picker.querySelectorAll("input[data-option]").forEach(function (input) {
        var name = input.getAttribute("data-option");
        var trial = Object.assign({}, picked);
        trial[name] = input.value;
        var ok = data.some(function (v) { return matches(v, trial) && v.available > 0; });
        input.disabled = !ok;
        input.closest(".option-value").classList.toggle("is-sold-out", !ok);
      });
      var names = picker.querySelectorAll("fieldset").length;
      if (Object.keys(picked).length < names) {
        chosen.textContent = text.getAttribute("data-choose");
        return;
      }
      var variant = data.filter(function (v) { return matches(v, picked); })[0];
      if (!variant) return;
      price.textContent = variant.price;
      if (variant.available > 0) {
        badge("badge-success badge-dot", text.getAttribute("data-available").replace("%(n)s", variant.available));
      } else {
        badge("badge-danger", text.getAttribute("data-sold-out"));
      }
      chosen.textContent = "SKU " + variant.sku;
      picker.setAttribute("data-variant-id", variant.id);
    }
    picker.addEventListener("change", update);
    // Pre-select the first value in stock of each option.
    picker.querySelectorAll("fieldset").forEach(function (group) {
      var first = group.querySelector("input[data-option]:not([disabled])");
      if (first) first.checked = true;
    });
    update();
  });

  // A photo picker shown as a button (the browser's own file field speaks its own
  // language): say how many photos were chosen.
  document.querySelectorAll("[data-photo-input]").forEach(function (input) {
    var count = input.parentNode.querySelector("[data-photo-count]");
    input.addEventListener("change", function () {
      count.textContent = input.files.length ? input.dataset.chosen.replace("#", input.files.length) : "";
    });
  });
})();

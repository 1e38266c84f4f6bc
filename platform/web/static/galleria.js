/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // Console: open and close the navigation drawer on small screens.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
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
    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (button) {
      button.addEventListener("click", function () {
        main.src = button.getAttribute("data-gallery-thumb");
        gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (b) {
          b.classList.toggle("is-active", b === button);
        });
      });
    });
  });
})();

// The promotion form (/console/p/marketing-promotions/…): only the part for the chosen kind
// shows. Progressive: without this script every part shows, and the server reads only the
// chosen kind's part anyway. A part's `data-part` names it; products go with timed and
// quantity deals.
(() => {
  const form = document.querySelector("[data-promotion-form]");
  if (!form) return;
  const kind = form.querySelector("select[name=kind]");
  const uses = {timed: ["products", "timed"], quantity: ["products", "quantity"],
                tiers: ["tiers"]};
  const show = () => {
    const wanted = uses[kind.value] || Object.keys(uses).concat("products");
    for (const part of form.querySelectorAll("[data-part]")) {
      part.hidden = !wanted.includes(part.dataset.part);
      part.style.display = part.hidden ? "none" : "";  // a .stack's display beats [hidden]
    }
  };
  kind.addEventListener("change", show);
  show();
})();

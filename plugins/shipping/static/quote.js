// The quote tester (/console/p/shipping-quote): asks GET /plugins/shipping/quote and shows
// every method's fee, delivery days, or why it is not offered.
(() => {
  const form = document.querySelector("[data-shipping-quote]");
  const table = document.getElementById("shipping-quote-result");
  const cell = (row, text, cls) => {
    const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; };
  const detail = (part) => part.distance_km !== undefined ? `${part.distance_km} km`
    : part.template !== undefined ? `${part.template} × ${part.units}${part.free ? " ✓" : ""}`
    : [part.address, part.hours].filter(Boolean).join(" · ");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const items = data.get("items").split("\n").map((l) => l.trim()).filter(Boolean)
      .map((l) => l.split(/\s+/).map(Number))
      .map(([p, q, price, g]) => ({product_id: p, quantity: q, unit_price: price || 0,
                                   weight_grams: g || 0}));
    const query = new URLSearchParams({province: data.get("province"), city: data.get("city"),
      district: data.get("district"), items: JSON.stringify(items)});
    const response = await fetch("/plugins/shipping/quote?" + query);
    const body = await response.json();
    const tbody = table.tBodies[0]; tbody.replaceChildren(); table.hidden = false;
    if (!response.ok) { cell(tbody.insertRow(), body.detail || String(response.status));
      return; }
    for (const option of body.options) {
      const row = tbody.insertRow();
      row.dataset.code = option.code;
      cell(row, option.name);
      cell(row, option.fee === null ? "—" : (option.fee / 100).toFixed(2), "num");
      cell(row, option.eta ? option.eta.join("–") : "—");
      cell(row, option.refused || option.parts.map(detail).join("; "));
    }
  });
})();

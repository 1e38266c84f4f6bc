/* Console product editor: variants from an option editor (规格项 and their values as chips)
   instead of typing 名称=值. The editor writes the same form the page posts without it: one
   row per combination, its options as "name=value; name=value". A row that exists keeps
   its id (stock, orders); a combination that goes away leaves its saved variant off sale,
   never deleted. Without JavaScript the rows stay plain inputs. */
(function () {
  "use strict";
  var editor = document.querySelector("[data-option-editor]");
  if (!editor) return;
  var list = document.querySelector('[data-repeat="variant"]');
  var addRow = document.querySelector('[data-repeat-add="variant"]');
  var optionTemplate = document.querySelector("[data-option-template]");
  var holder = editor.querySelector("[data-option-list]");
  var options = [];  // [{name, values: []}]
  var text = editor.dataset;

  function parse(value) {
    var pairs = [];
    (value || "").split(/[;；]/).forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0) pairs.push([part.slice(0, at).trim(), part.slice(at + 1).trim()]);
    });
    return pairs;
  }

  function rows() { return Array.prototype.slice.call(list.querySelectorAll("[data-repeat-row]")); }
  function field(row, name) { return row.querySelector('input[name$="-' + name + '"]'); }
  function isSaved(row) { var id = row.querySelector('input[name$="-id"]'); return id && id.value; }

  // Seed from the rows as saved: option names in order, each value once.
  rows().forEach(function (row) {
    var pairs = parse(field(row, "options").value);
    row._values = [];
    pairs.forEach(function (pair) {
      var index = options.findIndex(function (o) { return o.name === pair[0]; });
      if (index < 0) { options.push({ name: pair[0], values: [] }); index = options.length - 1; }
      if (options[index].values.indexOf(pair[1]) < 0) options[index].values.push(pair[1]);
      row._values[index] = pair[1];
    });
  });
  rows().forEach(function (row) {
    for (var i = 0; i < options.length; i++) if (row._values[i] === undefined) row._values[i] = null;
  });

  function combinations() {
    var used = options.filter(function (o) { return o.name && o.values.length; });
    if (!used.length) return [];
    var result = [[]];
    options.forEach(function (o, i) {
      if (!(o.name && o.values.length)) {
        result = result.map(function (c) { c = c.slice(); c[i] = null; return c; });
        return;
      }
      var next = [];
      result.forEach(function (c) {
        o.values.forEach(function (v) { var d = c.slice(); d[i] = v; next.push(d); });
      });
      result = next;
    });
    return result;
  }

  function matches(row, combo) {
    return combo.every(function (v, i) { return row._values[i] === v || row._values[i] === null; });
  }

  function suggestSku() {
    var first = rows().map(function (r) { return field(r, "sku").value; }).filter(Boolean)[0];
    var base = first ? first.replace(/-[^-]*$/, "") || first : "SKU";
    var taken = {};
    rows().forEach(function (r) { taken[field(r, "sku").value] = true; });
    for (var n = 1; ; n++) if (!taken[base + "-" + n]) return base + "-" + n;
  }

  function label(combo) {
    return combo.map(function (v, i) { return v === null ? null : options[i].name + "=" + v; })
      .filter(Boolean).join("; ");
  }

  function known(row) {  // a row added by hand: its values from its typed options
    if (row._values) return row;
    var pairs = parse(field(row, "options").value);
    row._values = options.map(function (o) {
      var pair = pairs.find(function (p) { return p[0] === o.name; });
      return pair ? pair[1] : null;
    });
    return row;
  }

  function regenerate() {
    rows().forEach(known);
    var combos = combinations();
    if (!combos.length) return;
    var free = rows();
    var ordered = [];
    combos.forEach(function (combo) {
      var row = free.find(function (r) { return matches(r, combo); });
      if (row) {
        free.splice(free.indexOf(row), 1);
      } else {
        addRow.click();
        var all = rows();
        row = all[all.length - 1];
        row.querySelector('input[name$="-active"]').checked = true;
      }
      // A new row (or the page's blank one) gets a SKU to start from; saved ones keep theirs.
      if (!field(row, "sku").value) field(row, "sku").value = suggestSku();
      row._values = combo.slice();
      row.classList.remove("is-stale");
      ordered.push(row);
    });
    ordered.forEach(function (row) {
      list.appendChild(row);
      var input = field(row, "options");
      input.value = label(row._values);
      input.readOnly = true;
      row.classList.add("is-generated");
    });
    free.forEach(function (row) {  // combinations that went away
      if (isSaved(row)) {
        row.querySelector('input[name$="-active"]').checked = false;
        row.classList.add("is-stale");
        list.appendChild(row);
      } else {
        row.remove();
      }
    });
  }

  function chip(o, value) {
    var item = document.createElement("span");
    item.className = "chip option-chip";
    item.textContent = value;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", text.removeValue.replace("{value}", value));
    remove.textContent = "×";
    remove.addEventListener("click", function () {
      o.values.splice(o.values.indexOf(value), 1);
      render();
      regenerate();
    });
    item.appendChild(remove);
    return item;
  }

  function render() {
    holder.innerHTML = "";
    options.forEach(function (o, index) {
      var node = optionTemplate.content.firstElementChild.cloneNode(true);
      node.querySelectorAll("[data-id]").forEach(function (el) {
        el.id = el.getAttribute("data-id") + "-" + index;
      });
      node.querySelectorAll("[data-for]").forEach(function (el) {
        el.htmlFor = el.getAttribute("data-for") + "-" + index;
      });
      var name = node.querySelector("[data-option-name]");
      name.value = o.name;
      name.addEventListener("change", function () {
        var wanted = name.value.trim();
        var clash = options.some(function (other) { return other !== o && other.name === wanted; });
        name.setCustomValidity(clash ? text.nameTwice : "");
        if (clash) { name.reportValidity(); return; }
        o.name = wanted;
        regenerate();
      });
      var chips = node.querySelector("[data-option-chips]");
      o.values.forEach(function (value) { chips.appendChild(chip(o, value)); });
      var input = node.querySelector("[data-option-value]");
      function addValue() {
        var value = input.value.trim().replace(/[=;；]/g, "");
        input.value = "";
        if (!value || o.values.indexOf(value) >= 0) return;
        o.values.push(value);
        render();
        regenerate();
        holder.querySelectorAll("[data-option-value]")[index].focus();
      }
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.isComposing) { event.preventDefault(); addValue(); }
      });
      node.querySelector("[data-option-value-add]").addEventListener("click", addValue);
      node.querySelector("[data-option-remove]").addEventListener("click", function () {
        options.splice(index, 1);
        rows().forEach(function (row) { row._values.splice(index, 1); });
        render();
        regenerate();
      });
      holder.appendChild(node);
    });
    editor.querySelector("[data-option-add]").disabled = options.length >= 3;
  }

  editor.querySelector("[data-option-add]").addEventListener("click", function () {
    options.push({ name: "", values: [] });
    rows().forEach(function (row) { row._values.push(null); });
    render();
    var names = holder.querySelectorAll("[data-option-name]");
    names[names.length - 1].focus();
  });

  editor.hidden = false;
  document.querySelectorAll("[data-options-hint]").forEach(function (el) { el.hidden = true; });
  if (options.length) {
    rows().forEach(function (row) {
      field(row, "options").readOnly = true;
      row.classList.add("is-generated");
    });
  }
  render();
})();

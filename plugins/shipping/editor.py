"""The console's shipping editors: templates (with region rules, free shipping, excluded
regions, products), same-city delivery, pickup points.

Console routes (`opt={"console": True}`: signed-in staff only; saving needs an owner or an
admin). Each editor turns its form into the JSON document its setting holds, checks the
whole document with the same code that reads it for checkout (`config.py`, `local.py`),
and stores it with `update_plugin_settings` — or shows the form again with every problem.
Money is typed in yuan (`8.00`) and kept in fen.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import (
    DomainError,
    Forbidden,
    Shop,
    plugin_settings,
    product_names,
    shop_scope,
    update_plugin_settings,
)
from galleria_plugins.shipping import regions
from galleria_plugins.shipping.config import check_templates
from galleria_plugins.shipping.local import (
    MAX_PICKUP_POINTS,
    MAX_SLOTS,
    check_pickup_points,
    check_same_city,
)
from galleria_plugins.shipping.methods import PLUGIN

CONSOLE = {"console": True, "area": "fulfilment"}
BASE = "/plugins/shipping"
FREE_ROWS, BAND_ROWS = 3, 5
MANAGERS = ("owner", "admin")
CODES_RE = re.compile(r"[0-9]{6}")


class FormProblems(list):
    def add(self, field: str, message: str) -> None:
        self.append(f"{field}: {message}")


def yuan(text: str, field: str, problems: FormProblems) -> int | None:
    """`8`, `8.5`, `8.50` → 850 fen; empty → None."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.add(field, "an amount in yuan, such as 8.00")
        return None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        problems.add(field, "an amount in yuan with at most 2 decimals")
        return None
    return int(value * 100)


def whole(text: str, field: str, problems: FormProblems) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        problems.add(field, "a whole number")
        return None
    return int(text)


def fen_text(value: Any) -> str:
    return f"{value / 100:.2f}" if isinstance(value, int) else ""


def _codes(form: Any, prefix: str) -> list[str]:
    picked = [str(v) for v in form.getall(f"{prefix}_province", [])]
    cities = [str(v) for v in form.getall(f"{prefix}_city", [])]
    more = CODES_RE.findall(str(form.get(f"{prefix}_more") or ""))
    return list(dict.fromkeys([*picked, *cities, *more]))


REGION_RULE_RE = re.compile(r"^region_(\d+)_")
MAX_REGION_RULES = 100


def _rule_indexes(form: Any) -> list[int]:
    """The region rules the form has, any number of them, in their order."""
    found = {int(m.group(1)) for key in form for m in [REGION_RULE_RE.match(key)] if m}
    return sorted(found)[:MAX_REGION_RULES]


def _rate(form: Any, prefix: str, problems: FormProblems) -> dict[str, Any]:
    rate = {"first": whole(str(form.get(f"{prefix}first") or ""), f"{prefix}first", problems),
            "first_fee": yuan(str(form.get(f"{prefix}first_fee") or ""),
                              f"{prefix}first_fee", problems),
            "additional": whole(str(form.get(f"{prefix}additional") or ""),
                                f"{prefix}additional", problems),
            "additional_fee": yuan(str(form.get(f"{prefix}additional_fee") or ""),
                                   f"{prefix}additional_fee", problems)}
    low = whole(str(form.get(f"{prefix}eta_min") or ""), f"{prefix}eta_min", problems)
    high = whole(str(form.get(f"{prefix}eta_max") or ""), f"{prefix}eta_max", problems)
    if low is not None and high is not None:
        rate["eta_days"] = [low, high]
    return {k: v for k, v in rate.items() if v is not None}


def template_from_form(form: Any, problems: FormProblems) -> dict[str, Any]:
    template: dict[str, Any] = {"name": str(form.get("name") or "").strip(),
                                "charge_by": str(form.get("charge_by") or "piece"),
                                **_rate(form, "", problems)}
    rules = []
    for i in _rule_indexes(form):
        codes = _codes(form, f"region_{i}")
        if codes:
            rules.append({"codes": codes, **_rate(form, f"region_{i}_", problems)})
    free = []
    for i in range(FREE_ROWS):
        rule = {"codes": _codes(form, f"free_{i}"),
                "min_amount": yuan(str(form.get(f"free_{i}_min_amount") or ""),
                                   f"free_{i}_min_amount", problems),
                "min_pieces": whole(str(form.get(f"free_{i}_min_pieces") or ""),
                                    f"free_{i}_min_pieces", problems)}
        if rule["min_amount"] is not None or rule["min_pieces"] is not None:
            free.append({k: v for k, v in rule.items() if v not in (None, [])})
    products = [int(p) for p in form.getall("products", []) if str(p).isdigit()]
    template.update(regions=rules, free=free, excluded=_codes(form, "excluded"),
                    products=list(dict.fromkeys(products)))
    return template


def _document(raw: Any) -> dict[str, Any]:
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        data = {"default": None, "templates": []}
    return data


def _may_change(console: Any) -> None:
    if console.staff["role"] not in MANAGERS:
        raise Forbidden("Only the shop's owner and admins can change shipping settings")


async def _save(shop: Shop, console: Any, name: str, document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=1)
    async with shop_scope(shop.id):
        await update_plugin_settings(shop.id, console.host, PLUGIN, {name: text},
                                     actor=console.actor)


def _provinces() -> list[dict[str, Any]]:
    """Provinces with their cities (GB/T 2260), for the province → city picker."""
    return [{"code": p.code, "name": p.name,
             "cities": [{"code": c.code, "name": c.name} for c in regions.children(p.code)]}
            for p in regions.provinces()]


# -- templates ------------------------------------------------------------------------------
async def _template_page(shop: Shop, console: Any, document: dict, index: int | None,
                         template: dict[str, Any], problems: list[str],
                         status_code: int = 200, *, product_query: str = "") -> Response:
    """The template editor: its region rules and one blank rule (any number: filling the
    blank one and pressing 添加规则 adds another), products chosen by name (a search finds
    them). Both work without JavaScript: the buttons post the form, which comes back."""
    async with shop_scope(shop.id):
        chosen = await product_names(shop.id, ids=list(template.get("products") or []),
                                     limit=500)
        found = (await product_names(shop.id, q=product_query, limit=20)
                 if product_query.strip() else [])
    picked = {p["id"] for p in chosen}
    return await console.page(
        "shipping/template_form.html", nav="shipping", status_code=status_code,
        title=console.gettext("Shipping template"), index=index, draft=template,
        is_default=document.get("default") == template.get("name") and bool(template),
        problems=problems, provinces=_provinces(), fen=fen_text,
        region_rows=len(template.get("regions") or []) + 1,
        free_rows=FREE_ROWS, describe=regions.describe, chosen_products=chosen,
        found_products=[p for p in found if p["id"] not in picked],
        product_query=product_query, searched=bool(product_query.strip()))


@get("/templates", opt=CONSOLE, include_in_schema=False)
async def edit_template(shop: Shop, console: Any, t: int | None = None) -> Response:
    async with shop_scope(shop.id):
        document = _document((await plugin_settings(shop.id, PLUGIN)).get("templates"))
    templates = document["templates"]
    template = templates[t] if t is not None and 0 <= t < len(templates) else {}
    return await _template_page(shop, console, document, t if template else None,
                                template, [])


@post("/templates", opt=CONSOLE, include_in_schema=False)
async def save_template(request: Request, shop: Shop, console: Any) -> Response:
    _may_change(console)
    form = await request.form()
    async with shop_scope(shop.id):
        document = _document((await plugin_settings(shop.id, PLUGIN)).get("templates"))
    templates = document["templates"]
    raw_index = str(form.get("index") or "")
    index = int(raw_index) if raw_index.isdigit() and int(raw_index) < len(templates) else None
    if form.get("action") == "delete" and index is not None:
        removed = templates.pop(index)
        if document.get("default") == removed.get("name"):
            document["default"] = None
        await _save(shop, console, "templates", document)
        return Redirect("/console/p/shipping?saved=templates", status_code=303)
    problems = FormProblems()
    template = template_from_form(form, problems)
    action = str(form.get("action") or "save")
    if action in ("add_rule", "find_products"):  # the form again, not saved yet
        return await _template_page(
            shop, console, document, index, template, [],
            product_query=str(form.get("product_query") or "")[:60])
    if index is None:
        templates.append(template)
    else:
        templates[index] = template
    if form.get("default") or len(templates) == 1:
        document["default"] = template["name"]
    _, found = check_templates(json.dumps(document, ensure_ascii=False))
    problems += found
    if problems:
        return await _template_page(shop, console, document, index, template, problems,
                                    422)
    try:
        await _save(shop, console, "templates", document)
    except DomainError as exc:
        return await _template_page(shop, console, document, index, template,
                                    [e.message for e in exc.errors] or [exc.detail], 422)
    return Redirect("/console/p/shipping?saved=templates", status_code=303)


# -- same-city delivery and pickup points -----------------------------------------------------
def same_city_from_form(form: Any, problems: FormProblems) -> dict[str, Any]:
    def number(name: str) -> float | None:
        text = str(form.get(name) or "").strip()
        try:
            return float(text) if text else None
        except ValueError:
            problems.add(name, "a number")
            return None

    bands = []
    for i in range(BAND_ROWS):
        km, fee = number(f"band_{i}_km"), yuan(str(form.get(f"band_{i}_fee") or ""),
                                               f"band_{i}_fee", problems)
        if km is not None or fee is not None:
            bands.append({"up_to_km": km, "fee": fee})
    slots = []
    for i in range(MAX_SLOTS):
        start, end = (str(form.get(f"slot_{i}_{k}") or "").strip() for k in ("start", "end"))
        if start or end:
            slots.append({"start": start, "end": end, "capacity": whole(
                str(form.get(f"slot_{i}_capacity") or ""), f"slot_{i}_capacity",
                problems)})
    return {"name": str(form.get("name") or "").strip(), "lat": number("lat"),
            "lng": number("lng"), "radius_km": number("radius_km"), "bands": bands,
            "slots": slots, "lead_minutes": whole(str(form.get("lead_minutes") or "0"),
                                                  "lead_minutes", problems)}


def pickup_points_from_form(form: Any, problems: FormProblems) -> list[dict[str, Any]]:
    points = []
    for i in range(MAX_PICKUP_POINTS):
        name = str(form.get(f"point_{i}_name") or "").strip()
        if not name:
            continue
        points.append({
            "name": name, "address": str(form.get(f"point_{i}_address") or "").strip(),
            "phone": str(form.get(f"point_{i}_phone") or "").strip(),
            "open": str(form.get(f"point_{i}_open") or "").strip(),
            "close": str(form.get(f"point_{i}_close") or "").strip(),
            "days": [int(d) for d in form.getall(f"point_{i}_days", []) if str(d).isdigit()],
            "fee": yuan(str(form.get(f"point_{i}_fee") or "0"), f"point_{i}_fee",
                        problems) or 0})
    return points


def _loaded(raw: Any, default: Any) -> Any:
    try:
        return json.loads(raw) if isinstance(raw, str) and raw.strip() else default
    except ValueError:
        return default


async def _local_page(console: Any, same_city: dict, points: list, problems: list[str],
                      status_code: int = 200) -> Response:
    rows = list(points) + [{}] * (MAX_PICKUP_POINTS - len(points))
    return await console.page(
        "shipping/local_form.html", nav="shipping", status_code=status_code,
        title=console.gettext("Same-city delivery and pickup points"), same_city=same_city,
        bands=(same_city.get("bands") or []) + [{}] * BAND_ROWS,
        slots=(same_city.get("slots") or []) + [{}] * MAX_SLOTS, points=rows,
        band_rows=BAND_ROWS, slot_rows=MAX_SLOTS, problems=problems, fen=fen_text)


@get("/local", opt=CONSOLE, include_in_schema=False)
async def edit_local(shop: Shop, console: Any) -> Response:
    async with shop_scope(shop.id):
        settings = await plugin_settings(shop.id, PLUGIN)
    same_city = _loaded(settings.get("same_city"), {})
    points = _loaded(settings.get("pickup_points"), [])
    return await _local_page(console, same_city if isinstance(same_city, dict) else {},
                             points if isinstance(points, list) else [], [])


@post("/local", opt=CONSOLE, include_in_schema=False)
async def save_local(request: Request, shop: Shop, console: Any) -> Response:
    _may_change(console)
    form = await request.form()
    problems = FormProblems()
    offered = bool(form.get("same_city_on"))
    same_city = same_city_from_form(form, problems)
    points = pickup_points_from_form(form, problems)
    if offered:
        problems += check_same_city(json.dumps(same_city))[1]
    problems += check_pickup_points(json.dumps(points))[1]
    if problems:
        return await _local_page(console, same_city, points, problems, 422)
    async with shop_scope(shop.id):
        try:
            await update_plugin_settings(shop.id, console.host, PLUGIN, {
                "same_city": json.dumps(same_city, ensure_ascii=False) if offered else "",
                "pickup_points": json.dumps(points, ensure_ascii=False) if points else ""},
                actor=console.actor)
        except DomainError as exc:
            return await _local_page(console, same_city, points,
                                     [e.message for e in exc.errors] or [exc.detail], 422)
    return Redirect("/console/p/shipping?saved=local", status_code=303)


EDITOR_ROUTES = [edit_template, save_template, edit_local, save_local]

__all__ = ["EDITOR_ROUTES", "pickup_points_from_form", "same_city_from_form",
           "template_from_form", "yuan"]

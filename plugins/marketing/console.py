"""Coupons in the merchant console.

- `/console/p/marketing` (a ConsolePage): the shop's coupons with their use so far;
- `/plugins/marketing/coupons/new` and `/plugins/marketing/coupons/{id}` (console routes,
  signed-in staff only): create a coupon; switch one off or on again;
- `/console/p/marketing-promotions` lists the promotions; `/plugins/marketing/promotions/new`
  and `/plugins/marketing/promotions/{id}` create and edit one (products picked by name,
  money in yuan, times in the shop's zone, each error under its field);
  `…/promotions/{id}/end` ends one now.

The pages are templates of this package (templates/marketing/) in the request's language,
through the plugin's Babel domain (locale/).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import (
    ConsolePage,
    DomainError,
    Shop,
    active_variants,
    format_minor,
    parse_major,
    shop_scope,
)
from galleria_plugins.marketing import coupons, promotions, redemption
from galleria_plugins.marketing.labels import TEXTS, percent_off_text, threshold_label

BASE = "/plugins/marketing/coupons"  # where the app mounts the routes below
CONSOLE = {"console": True, "area": "marketing"}


def _value(shop: Shop, row: dict[str, Any]) -> str:
    kind = coupons.kind_of(row)
    if kind == "percent_off":
        return f"−{row['value']}%"
    if kind == "free_shipping":
        return "0"  # the template names the kind
    if kind == "fixed_price":
        return format_minor(row["value"], shop.currency)
    return "−" + format_minor(row["value"], shop.currency)


async def coupons_context(shop: Shop) -> dict[str, Any]:
    rows = await coupons.list_coupons(shop.id)
    figures = await redemption.figures(shop.id)
    empty = {"redemptions": 0, "orders": 0, "sales": 0, "cost": 0}
    totals = {k: sum(f[k] for f in figures.values()) for k in empty}
    return {"coupons": rows, "base": BASE, "currency": shop.currency,
            "value": lambda row: _value(shop, row), "kind": coupons.kind_of,
            "figures": {row["id"]: figures.get(row["id"], empty) for row in rows},
            "totals": totals}


def _rule_text(shop: Shop, row: dict[str, Any]) -> str:
    """A promotion's rule as the merchant says it, in the shop's language."""
    rule, locale, currency = row["rule"], shop.locale, shop.currency
    if row["kind"] == "timed":
        if "price" in rule:
            return TEXTS.translate(locale, "One item for %(price)s",
                                   price=format_minor(rule["price"], currency))
        return percent_off_text(locale, rule["percent_off"])
    if row["kind"] == "quantity":
        return TEXTS.translate(locale, "Item %(nth)s at %(discount)s", nth=rule["nth"],
                               discount=percent_off_text(locale, 100 - rule["percent"]))
    return " · ".join(threshold_label(locale, currency, t["threshold"],
                                    off=t.get("amount_off", 0),
                                    percent=t.get("percent_off", 0))
                    for t in rule.get("tiers", []))


async def promotions_context(shop: Shop) -> dict[str, Any]:
    rows = await promotions.list_promotions(shop.id)
    figures = await promotions.figures(shop.id)
    empty = {"orders": 0, "sales": 0, "cost": 0}
    return {"promotions": rows, "currency": shop.currency,
            "rule": lambda row: _rule_text(shop, row),
            "figures": {row["id"]: figures.get(row["id"], empty) for row in rows},
            "totals": {k: sum(f[k] for f in figures.values()) for k in empty},
            "when": lambda moment: _shop_time(shop, moment), "base": PROMOTIONS,
            "live": lambda row: row["active"] and not (
                row["ends_at"] and row["ends_at"] <= dt.datetime.now(dt.UTC))}


def _shop_time(shop: Shop, moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    try:
        zone = zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


PAGES = [ConsolePage("marketing", "Coupons", title_zh="优惠券", icon="tag", area="marketing",
                     template="marketing/coupons.html", context=coupons_context),
         ConsolePage("marketing-promotions", "Promotions", title_zh="促销活动", icon="tag",
                     area="marketing", template="marketing/promotions.html",
                     context=promotions_context)]


async def _form(console: Any, values: dict[str, str], error: str = "",
                status_code: int = 200) -> Response:
    return await console.page("marketing/coupon_form.html", nav="marketing",
                              title=console.gettext("New coupon"), status_code=status_code,
                              base=BASE, values=values, error=error)


@get("/coupons/new", opt=CONSOLE, name="marketing:new")
async def new_coupon(shop: Shop, console: Any) -> Response:
    return await _form(console, {})


@post("/coupons", opt=CONSOLE, name="marketing:create")
async def create(request: Request, shop: Shop, console: Any) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    try:
        kind = coupons.LEGACY.get(form.get("kind", ""), form.get("kind", ""))
        value = (int(form.get("value") or 0) if kind == "percent_off"
                 else 0 if kind == "free_shipping"
                 else parse_major(form.get("value") or "0", shop.currency))
        ends = (dt.datetime.fromisoformat(form["ends"]).replace(tzinfo=dt.UTC)
                + dt.timedelta(days=1)) if form.get("ends") else None
        claimable = bool(form.get("claimable"))
        reward_only = bool(form.get("reward_only")) and not form.get("code") and not claimable
        async with shop_scope(shop.id):
            await coupons.create(shop.id, {
                "code": form.get("code") or (None if claimable or reward_only else ""),
                "reward_only": reward_only, "kind": kind,
                "value": value, "name": form.get("name", ""), "claimable": claimable,
                "min_amount": parse_major(form.get("min_subtotal") or "0", shop.currency),
                "max_discount": (parse_major(form["max_discount"], shop.currency)
                                 if form.get("max_discount") else None),
                "total_limit": int(form.get("usage_limit") or 0),
                "per_customer_limit": int(form.get("per_customer_limit") or 0),
                "ends_at": ends})
    except (ValueError, DomainError) as exc:
        problem = getattr(exc, "errors", None)
        message = ("; ".join(f"{e.field}: {e.message}" for e in problem) if problem
                   else getattr(exc, "detail", str(exc)))
        return await _form(console, form, message, status_code=422)
    return Redirect("/console/p/marketing", status_code=303)


@get("/coupons/{coupon_id:int}", opt=CONSOLE, name="marketing:coupon")
async def coupon_page(shop: Shop, console: Any, coupon_id: int) -> Response:
    async with shop_scope(shop.id):
        row = await coupons.get_coupon(shop.id, coupon_id)
    return await console.page("marketing/coupon.html", nav="marketing", title=row["code"],
                              coupon=row, value=_value(shop, row), base=BASE)


@post("/coupons/{coupon_id:int}/active", opt=CONSOLE, name="marketing:active")
async def set_active(request: Request, shop: Shop, console: Any, coupon_id: int) -> Redirect:
    form = await request.form()
    async with shop_scope(shop.id):
        await coupons.set_active(shop.id, coupon_id, bool(form.get("active")))
    return Redirect("/console/p/marketing", status_code=303)


PROMOTIONS = "/plugins/marketing/promotions"  # the promotion form's routes, mounted as above
PROMOTION_LIST = "/console/p/marketing-promotions"
TIER_ROWS = 3  # tier rows the form offers (a promotion may have up to 10 through the API)


def _zone(shop: Shop) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _local_input(shop: Shop, moment: dt.datetime | None) -> str:
    """A time as a `datetime-local` input shows it, in the shop's zone."""
    return moment.astimezone(_zone(shop)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _yuan(shop: Shop, amount: int | None) -> str:
    """Minor units as a form field shows them: `19.90` (no symbol, no thousands comma)."""
    if amount is None:
        return ""
    text = format_minor(amount, shop.currency).replace(",", "")
    return text[text.index(next(c for c in text if c.isdigit())):]


def promotion_values(shop: Shop, row: dict[str, Any]) -> dict[str, Any]:
    """A promotion as its form shows it: yuan, the shop's time, picked ids as strings."""
    rule = row["rule"]
    values: dict[str, Any] = {
        "name": row["name"], "kind": row["kind"],
        "products": [str(i) for i in rule.get("products") or []],
        "variants": [str(i) for i in rule.get("variants") or []],
        "percent_off": str(rule.get("percent_off") or ""),
        "price": _yuan(shop, rule.get("price")) if "price" in rule else "",
        "nth": str(rule.get("nth") or ""), "percent": str(rule.get("percent", "")),
        "starts_at": _local_input(shop, row["starts_at"]),
        "ends_at": _local_input(shop, row["ends_at"])}
    tiers = sorted(rule.get("tiers") or [], key=lambda t: t["threshold"])
    for i, tier in enumerate(tiers[:TIER_ROWS]):
        values[f"tier_threshold_{i}"] = _yuan(shop, tier["threshold"])
        values[f"tier_off_{i}"] = (_yuan(shop, tier["amount_off"]) if "amount_off" in tier
                                   else "")
        values[f"tier_percent_{i}"] = str(tier.get("percent_off") or "")
    return values


def _field_messages(console: Any) -> dict[str, tuple[str, str]]:
    """Each checked field of a promotion → (the form field it is under, what to do)."""
    return {
        "kind": ("kind", console.gettext("Choose a kind of promotion")),
        "rule.products": ("products", console.gettext("Choose at least one product")),
        "rule.variants": ("products", console.gettext("Choose at least one product")),
        "rule.percent_off": ("percent_off", console.gettext(
            "Give a percentage off from 1 to 99, or a sale price — one of them")),
        "rule.price": ("price", console.gettext("Type a price in yuan, such as 19.90")),
        "rule.nth": ("nth", console.gettext("From 2 to 10")),
        "rule.percent": ("percent", console.gettext("A percentage of the price from 0 to 99")),
        "rule.tiers": ("tiers", console.gettext(
            "Each tier: a threshold, and an amount off below it or a percentage off "
            "from 1 to 99")),
        "starts_at": ("starts_at", console.gettext("Pick a date and time")),
        "ends_at": ("ends_at", console.gettext("The end must be after the start")),
    }


def _read_promotion(shop: Shop, console: Any, data: Any
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """The promotion a posted form describes (rule in fen, times in UTC) and the errors
    found while reading it, by form field."""
    errors: dict[str, str] = {}
    form = {k: str(v).strip() for k, v in data.items()}
    kind = form.get("kind", "")

    def ids(name: str) -> list[int]:
        return sorted({int(v) for v in data.getall(name, []) if str(v).strip().isdigit()})

    def money(name: str, under: str) -> int | None:
        if not form.get(name):
            return None
        try:
            return parse_major(form[name], shop.currency)
        except ValueError:
            errors.setdefault(under, console.gettext("Type an amount in yuan, such as 19.90"))
            return None

    def whole(name: str) -> int | None:
        if not form.get(name):
            return None
        try:
            return int(form[name])
        except ValueError:
            errors.setdefault(name, console.gettext("Type a whole number"))
            return None

    rule: dict[str, Any] = {}
    if kind in ("timed", "quantity"):
        rule = {"products": ids("products"), "variants": ids("variants")}
    if kind == "timed":
        rule.update({k: v for k, v in (("percent_off", whole("percent_off")),
                                       ("price", money("price", "price"))) if v is not None})
    elif kind == "quantity":
        rule.update({k: v for k, v in (("nth", whole("nth")), ("percent", whole("percent")))
                     if v is not None})
    elif kind == "tiers":
        tiers = []
        for i in range(TIER_ROWS):
            threshold = money(f"tier_threshold_{i}", "tiers")
            off, percent = money(f"tier_off_{i}", "tiers"), whole(f"tier_percent_{i}")
            if threshold is None and off is None and percent is None:
                continue
            tier: dict[str, Any] = {"threshold": threshold}
            tier.update({"amount_off": off} if off is not None else {"percent_off": percent})
            tiers.append(tier)
        rule["tiers"] = tiers
    times: dict[str, dt.datetime | None] = {}
    for name in ("starts_at", "ends_at"):
        try:
            times[name] = (dt.datetime.fromisoformat(form[name]).replace(tzinfo=_zone(shop))
                           if form.get(name) else None)
        except ValueError:
            errors[name] = console.gettext("Pick a date and time")
            times[name] = None
    if times["starts_at"] and times["ends_at"] and times["ends_at"] <= times["starts_at"]:
        errors["ends_at"] = console.gettext("The end must be after the start")
    return {"kind": kind, "rule": rule, "name": form.get("name", ""), **times}, errors


async def _promotion_form(console: Any, shop: Shop, values: dict[str, Any],
                          errors: dict[str, str] | None = None, promotion_id: int | None = None,
                          status_code: int = 200) -> Response:
    async with shop_scope(shop.id):
        variants = await active_variants(shop.id)
    products = sorted({(v["product_id"], v["name"]) for v in variants}, key=lambda p: p[1])
    counts: dict[int, int] = {}
    for v in variants:
        counts[v["product_id"]] = counts.get(v["product_id"], 0) + 1
    several = {pid for pid, n in counts.items() if n > 1}  # their items can be picked too
    items = [(v["id"], f"{v['name']} · " + " · ".join(str(o) for o in v["options"].values()))
             for v in variants if v["product_id"] in several]
    title = (console.gettext("Edit promotion") if promotion_id
             else console.gettext("New promotion"))
    return await console.page(
        "marketing/promotion_form.html", nav="marketing-promotions", title=title,
        status_code=status_code, action=(f"{PROMOTIONS}/{promotion_id}" if promotion_id
                                         else PROMOTIONS),
        promotion_id=promotion_id, base=PROMOTIONS, values=values, errors=errors or {},
        products=products, items=items, tier_rows=TIER_ROWS)


async def _save_promotion(request: Request, shop: Shop, console: Any,
                          promotion_id: int | None) -> Response:
    data = await request.form()
    fields, errors = _read_promotion(shop, console, data)
    messages = _field_messages(console)
    try:
        promotions.check_rule(fields["kind"], fields["rule"])  # every field's error at once
        if not errors:
            async with shop_scope(shop.id):
                if promotion_id is None:
                    await promotions.create_promotion(shop.id, **fields)
                else:
                    await promotions.change_promotion(shop.id, promotion_id, **fields)
    except DomainError as exc:
        for problem in getattr(exc, "errors", None) or []:
            key = "rule.tiers" if problem.field.startswith("rule.tiers") else problem.field
            under, message = messages.get(key, ("form", console.gettext(
                "Check this promotion's fields")))
            errors.setdefault(under, message)
        if not errors:
            raise
    if errors:
        values = {k: str(v).strip() for k, v in data.items()}
        values.update(products=list(data.getall("products", [])),
                      variants=list(data.getall("variants", [])))
        return await _promotion_form(console, shop, values, errors, promotion_id,
                                     status_code=422)
    return Redirect(PROMOTION_LIST, status_code=303)


@get("/promotions/new", opt=CONSOLE, name="marketing:new-promotion")
async def new_promotion(shop: Shop, console: Any, kind: str = "timed") -> Response:
    return await _promotion_form(console, shop, {"kind": kind, "nth": "2", "percent": "50"})


@post("/promotions", opt=CONSOLE, name="marketing:create-promotion")
async def create_promotion(request: Request, shop: Shop, console: Any) -> Response:
    return await _save_promotion(request, shop, console, None)


@get("/promotions/{promotion_id:int}", opt=CONSOLE, name="marketing:promotion")
async def edit_promotion(shop: Shop, console: Any, promotion_id: int) -> Response:
    async with shop_scope(shop.id):
        row = await promotions.get_promotion(shop.id, promotion_id)
    return await _promotion_form(console, shop, promotion_values(shop, row),
                                 promotion_id=promotion_id)


@post("/promotions/{promotion_id:int}", opt=CONSOLE, name="marketing:save-promotion")
async def save_promotion(request: Request, shop: Shop, console: Any,
                         promotion_id: int) -> Response:
    return await _save_promotion(request, shop, console, promotion_id)


@post("/promotions/{promotion_id:int}/end", opt=CONSOLE, name="marketing:end-promotion")
async def end_promotion(shop: Shop, console: Any, promotion_id: int) -> Redirect:
    async with shop_scope(shop.id):
        await promotions.end_promotion(shop.id, promotion_id)
    return Redirect(PROMOTION_LIST, status_code=303)


ROUTES = [new_coupon, create, coupon_page, set_active, new_promotion, create_promotion,
          edit_promotion, save_promotion, end_promotion]

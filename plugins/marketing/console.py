"""Coupons in the merchant console.

- `/console/p/marketing` (a ConsolePage): the shop's coupons with their use so far;
- `/plugins/marketing/coupons/new` and `/plugins/marketing/coupons/{id}` (console routes,
  signed-in staff only): create a coupon; switch one off or on again.

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
            "when": lambda moment: _shop_time(shop, moment)}


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
        async with shop_scope(shop.id):
            await coupons.create(shop.id, {
                "code": form.get("code") or (None if claimable else ""), "kind": kind,
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


ROUTES = [new_coupon, create, coupon_page, set_active]

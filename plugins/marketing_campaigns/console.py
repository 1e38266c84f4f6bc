"""Flash sales and gifts in the merchant console, with their figures.

- `/console/p/marketing_campaigns` (a ConsolePage): the flash sales (sold, remaining,
  orders, revenue, discount cost) and the gifts (stock against safety stock, orders given);
- `/plugins/marketing_campaigns/flash-sales/new`, `…/gifts/new` (console routes): forms.
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
from galleria_plugins.marketing_campaigns import flash_sales, gifts

BASE = "/plugins/marketing_campaigns"
CONSOLE = {"console": True, "area": "marketing"}
LIST = "/console/p/marketing_campaigns"


def _zone(shop: Shop) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local(shop: Shop, value: dt.datetime) -> str:
    """A time as the shop's people read it: `2026-12-12 20:00`, in the shop's zone."""
    return value.astimezone(_zone(shop)).strftime("%Y-%m-%d %H:%M")


async def campaigns_context(shop: Shop) -> dict[str, Any]:
    sales = await flash_sales.list_sales(shop.id, limit=100)
    sale_figures = await flash_sales.figures(shop.id)
    gift_rows = await gifts.list_gifts(shop.id)
    gift_figures = await gifts.figures(shop.id)
    empty = {"orders": 0, "units": 0, "revenue": 0, "cost": 0}
    return {"sales": [{**s, "figures": sale_figures.get(s["id"], empty)} for s in sales],
            "gifts": [{**g, "figures": gift_figures.get(g["id"], empty)} for g in gift_rows],
            "base": BASE, "money": lambda amount: format_minor(amount, shop.currency),
            "local": lambda value: local(shop, value)}


PAGES = [ConsolePage("marketing_campaigns", "Flash sales and gifts", title_zh="秒杀与赠品",
                     icon="tag", area="marketing", template="marketing_campaigns/overview.html",
                     context=campaigns_context)]


def _error_text(exc: Exception) -> str:
    problem = getattr(exc, "errors", None)
    if problem:
        return "; ".join(f"{e.field}: {e.message}" for e in problem)
    return getattr(exc, "detail", None) or str(exc)


def _form_time(shop: Shop, value: str) -> str:
    """A `datetime-local` value read in the shop's zone, as RFC 3339."""
    return dt.datetime.fromisoformat(value).replace(tzinfo=_zone(shop)).isoformat()


async def _choices(shop: Shop) -> list[dict[str, Any]]:
    async with shop_scope(shop.id):
        return await active_variants(shop.id)


def _variant_label(shop: Shop, variant: dict[str, Any]) -> str:
    options = " · ".join(str(v) for v in variant["options"].values())
    return (f"{variant['name']}{' · ' + options if options else ''} ({variant['sku']}, "
            f"{format_minor(variant['price'], shop.currency)})")


async def _sale_form(console: Any, shop: Shop, values: dict[str, str], error: str = "",
                     status_code: int = 200) -> Response:
    variants = [(v["id"], _variant_label(shop, v)) for v in await _choices(shop)]
    return await console.page("marketing_campaigns/flash_sale_form.html", nav="marketing_campaigns",
                              title=console.gettext("New flash sale"), base=BASE,
                              values=values, error=error, status_code=status_code,
                              variants=variants)


@get("/flash-sales/new", opt=CONSOLE, name="campaigns:new-sale")
async def new_sale(shop: Shop, console: Any) -> Response:
    return await _sale_form(console, shop, {})


@post("/flash-sales", opt=CONSOLE, name="campaigns:create-sale")
async def create_sale(request: Request, shop: Shop, console: Any) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    try:
        fields = {"variant_id": int(form.get("variant_id") or 0),
                  "price": parse_major(form.get("price") or "0", shop.currency),
                  "quota": int(form.get("quota") or 0),
                  "per_customer_limit": int(form.get("per_customer_limit") or 0),
                  "starts_at": _form_time(shop, form.get("starts_at", "")),
                  "ends_at": _form_time(shop, form.get("ends_at", ""))}
        async with shop_scope(shop.id):
            await flash_sales.create_sale(shop.id, fields)
    except (ValueError, DomainError) as exc:
        return await _sale_form(console, shop, form, _error_text(exc), status_code=422)
    return Redirect(LIST, status_code=303)


@post("/flash-sales/{sale_id:int}/active", opt=CONSOLE, name="campaigns:sale-active")
async def sale_active(request: Request, shop: Shop, console: Any, sale_id: int) -> Redirect:
    form = await request.form()
    async with shop_scope(shop.id):
        await flash_sales.update_sale(shop.id, sale_id, {"active": bool(form.get("active"))})
    return Redirect(LIST, status_code=303)


async def _gift_form(console: Any, shop: Shop, values: dict[str, str], error: str = "",
                     status_code: int = 200) -> Response:
    found = await _choices(shop)
    variants = [(v["id"], _variant_label(shop, v)) for v in found]
    products = sorted({(v["product_id"], v["name"]) for v in found}, key=lambda p: p[1])
    return await console.page("marketing_campaigns/gift_form.html", nav="marketing_campaigns",
                              title=console.gettext("New free gift"), base=BASE,
                              values=values, error=error, status_code=status_code,
                              variants=variants, products=products)


@get("/gifts/new", opt=CONSOLE, name="campaigns:new-gift")
async def new_gift(shop: Shop, console: Any) -> Response:
    return await _gift_form(console, shop, {})


@post("/gifts", opt=CONSOLE, name="campaigns:create-gift")
async def create_gift(request: Request, shop: Shop, console: Any) -> Response:
    data = await request.form()
    form = {k: str(v).strip() for k, v in data.items()}
    try:
        ids = sorted({int(part) for part in data.getall("product_ids", []) if str(part).strip()})
        fields = {"gift_variant_id": int(form.get("gift_variant_id") or 0),
                  "trigger": {"product_ids": ids,
                              "min_amount": parse_major(form.get("min_amount") or "0",
                                                        shop.currency)},
                  "safety_stock": int(form.get("safety_stock") or 0)}
        async with shop_scope(shop.id):
            await gifts.create_gift(shop.id, fields)
    except (ValueError, DomainError) as exc:
        return await _gift_form(console, shop, form, _error_text(exc), status_code=422)
    return Redirect(LIST, status_code=303)


@post("/gifts/{gift_id:int}/active", opt=CONSOLE, name="campaigns:gift-active")
async def gift_active(request: Request, shop: Shop, console: Any, gift_id: int) -> Redirect:
    form = await request.form()
    async with shop_scope(shop.id):
        await gifts.set_active(shop.id, gift_id, bool(form.get("active")))
    return Redirect(LIST, status_code=303)


ROUTES = [new_sale, create_sale, sale_active, new_gift, create_gift, gift_active]

"""The shopper's coupon pages (routes under `/plugins/marketing/`):

- `/plugins/marketing/centre` (领券中心): the coupons to claim now, each with a 领取 button
  (`?product=<id>`: only those that apply to that product, as linked from its page);
- `/plugins/marketing/wallet` (我的 → 优惠券): the shopper's coupons, available, used and
  expired.

Pages in the shopper's language through the plugin's Babel domain; money in yuan; dates in
the shop's time zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect

from galleria.kernel import DomainError, Shop, format_minor, shop_scope
from galleria_plugins.marketing import coupons, redemption
from galleria_plugins.marketing.labels import TEXTS, percent_off_text

BASE = "/plugins/marketing"


def _local_date(shop: Shop, moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    try:
        zone = zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def describe(coupon: dict[str, Any], shop: Shop, locale: str) -> dict[str, str]:
    """The face of a coupon: `value` (big), `condition` (small), `title`, `until`."""
    kind, currency = coupons.kind_of(coupon), shop.currency
    if kind == "amount_off":
        value = format_minor(coupon["value"], currency)
    elif kind == "percent_off":
        value = percent_off_text(locale, coupon["value"])
    elif kind == "free_shipping":
        value = TEXTS.translate(locale, "Free shipping")
    else:
        value = TEXTS.translate(locale, "One item for %(price)s",
                                price=format_minor(coupon["value"], currency))
    condition = (TEXTS.translate(locale, "On orders over %(amount)s",
                                 amount=format_minor(coupon["min_subtotal"], currency))
                 if coupon["min_subtotal"] else TEXTS.translate(locale, "No minimum spend"))
    if kind == "percent_off" and coupon["max_discount"]:
        condition += TEXTS.translate(locale, ", at most %(amount)s off",
                                     amount=format_minor(coupon["max_discount"], currency))
    scope = coupon.get("scope") or {}
    where = (TEXTS.translate(locale, "Selected products") if scope.get("products")
             or scope.get("categories") else TEXTS.translate(locale, "Whole shop"))
    until = (TEXTS.translate(locale, "Valid until %(date)s",
                             date=_local_date(shop, coupon["ends_at"]))
             if coupon["ends_at"] else TEXTS.translate(locale, "No end date"))
    return {"value": value, "condition": condition, "title": coupon["name"] or where,
            "scope": where, "until": until}


def _applies_to(coupon: dict[str, Any], product_id: int) -> bool:
    scope = coupon.get("scope") or {}
    if product_id in scope.get("exclude_products", ()):
        return False
    return (not scope.get("products") and not scope.get("categories")) or (
        product_id in scope.get("products", ()) or bool(scope.get("categories")))


@get("/centre", name="marketing:centre")
async def centre(request: Request, shop: Shop, storefront: Any) -> Any:
    customer_id = await storefront.customer_id()
    product = request.query_params.get("product", "")
    async with shop_scope(shop.id):
        offered = await redemption.claimable_now(shop.id)
        mine = ({e["coupon"]["id"]: e for e in await redemption.wallet(shop.id, customer_id)}
                if customer_id else {})
    if product.isdigit():
        offered = [c for c in offered if _applies_to(c, int(product))]
    locale = storefront.locale
    cards = [{"coupon": c, "face": describe(c, shop, locale),
              "claimed": c["id"] in mine} for c in offered]
    return storefront.page("marketing/centre.html", title=storefront.gettext("Coupon centre"),
                           cards=cards, signed_in=customer_id is not None, base=BASE,
                           notice=request.query_params.get("notice", ""))


@post("/centre/{coupon_id:int}/claim", name="marketing:claim")
async def claim(shop: Shop, storefront: Any, coupon_id: int) -> Redirect:
    customer_id = await storefront.customer_id()
    if customer_id is None:
        return Redirect(f"/account/sign-in?next={BASE}/centre", status_code=303)
    try:
        async with shop_scope(shop.id):
            await redemption.claim(shop.id, coupon_id, customer_id)
    except DomainError as exc:
        notice = "limit" if isinstance(exc, redemption.ClaimLimitReached) else "gone"
        return Redirect(f"{BASE}/centre?notice={notice}", status_code=303)
    return Redirect(f"{BASE}/centre?notice=claimed", status_code=303)


@get("/wallet", name="marketing:wallet")
async def wallet(shop: Shop, storefront: Any) -> Any:
    customer_id = await storefront.customer_id()
    if customer_id is None:
        return Redirect(f"/account/sign-in?next={BASE}/wallet", status_code=303)
    async with shop_scope(shop.id):
        entries = await redemption.wallet(shop.id, customer_id)
    locale = storefront.locale
    groups: dict[str, list[dict[str, Any]]] = {"available": [], "used": [], "expired": []}
    for entry in entries:
        groups[entry["state"]].append({**entry, "face": describe(entry["coupon"], shop,
                                                                 locale)})
    return storefront.page("marketing/wallet.html", title=storefront.gettext("My coupons"),
                           groups=groups, base=BASE)


ROUTES = [centre, claim, wallet]

"""代客下单: the console page where staff take an order for a customer on the phone or at the
counter, made for a tablet.

- `GET /console/take-order` opens a fresh cart and goes to `/console/take-order/{cart}`.
- `/console/take-order/{cart}`: a scan field (a keyboard-wedge scanner types the code and
  presses Enter, which submits it; a case barcode adds its units) and a name search, the
  lines with − / + buttons, and the order form: the customer's phone and name (found, or an
  account opened for them), delivery to an address or pickup at the shop, and payment —
  cash taken now, cash on delivery, or a payment link the customer scans (WeChat Pay,
  Alipay: whatever online methods the shop's plugins offer).
- Placing goes through the storefront's `place_order` with channel `staff` and the staff
  member as the actor (the order history and the audit log name them); cash is marked paid
  at once, in the same way as the order page's "mark paid".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.checkout import carts
from galleria.kernel.checkout.details import check_address
from galleria.kernel.checkout.placement import OrderRequest, place_order
from galleria.kernel.checkout.pricing import price_cart
from galleria.kernel.checkout.staff_orders import find_sellable
from galleria.kernel.customers.counter import find_customer, find_or_open_customer
from galleria.kernel.errors import DomainError, FieldError, Problems, ValidationFailed
from galleria.kernel.inventory.service import OutOfStock
from galleria.kernel.orders import channels
from galleria.kernel.payments import gateways
from galleria.kernel.payments.service import mark_paid
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.payments import origin_of
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for, money

NOTHING_FOUND = N_("Nothing in the shop has this barcode, SKU or name")
SOLD_OUT = N_("Sold out")
SHORT = N_("%(left)d left, %(asked)d asked")
PICKUP_PLACE = N_("Pickup at the shop")
NO_PICKUP = N_("The shop has no pickup point: add one in the shipping settings")
NO_DELIVERY = N_("The shop does not deliver to this address")
FIELD_ERRORS = {
    "phone": N_("Enter the customer's phone: 6–20 digits"),
    "name": N_("Enter the customer's name"),
    "province": N_("Enter the province"), "city": N_("Enter the city"),
    "line1": N_("Enter the street and house number"),
    "payment": N_("Choose how the customer pays"),
    "cart": N_("Add at least one product"),
}
PAY_KINDS = {"now": N_("Cash, taken now"), "on_delivery": N_("Cash on delivery"),
             "link": N_("Payment link / QR code"), "later": N_("Paid later")}


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _kind(offered: gateways.Offered) -> str:
    gateway = offered.gateway
    if gateway.offline and gateway.staff_only:
        return "now"
    if gateway.pays_on_delivery:
        return "on_delivery"
    return "later" if gateway.offline else "link"


async def _methods(shop: Shop, runtime: Runtime, translate: Any) -> list[dict[str, str]]:
    return [{"code": o.code, "name": o.gateway.title, "kind": _kind(o),
             "kind_title": translate(PAY_KINDS[_kind(o)])}
            for o in await gateways.offered(shop, runtime.host, staff=True)]


def _options(options: Any) -> str:
    return " · ".join(str(v) for v in (options or {}).values())


class TakeOrderPages(Controller):
    path = "/take-order"
    guards = [require_staff]

    @get("/", name="console:take-order-new")
    async def start(self, shop: Shop) -> Redirect:
        async with db.shop_scope(shop.id):
            cart = await carts.create_cart(shop)
        return Redirect(f"/console/take-order/{cart.token}", status_code=303)

    @get("/{cart_id:str}", name="console:take-order")
    async def show(self, request: Request, shop: Shop, runtime: Runtime, cart_id: str,
                   q: str = "", added: str = "", missing: str = "",
                   short: str = "") -> Response:
        return await self._page(request, shop, runtime, cart_id[:32], q=q[:64],
                                added=added[:64], missing=missing[:64], short=short[:64])

    async def _page(self, request: Request, shop: Shop, runtime: Runtime, cart_id: str, *,
                    q: str = "", added: str = "", missing: str = "", short: str = "",
                    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            cart = await carts.get_cart(shop, cart_id)
            matches = await find_sellable(shop.id, q) if q else []
            methods = await _methods(shop, runtime, translate)
            known = None
            if form and form.get("phone"):
                known = await find_customer(shop.id, form["phone"])
        lines = [{"variant_id": v.line.variant_id, "sku": v.line.sku, "name": v.line.name,
                  "options": _options(v.line.options), "quantity": v.line.quantity,
                  "unit_text": money(v.line.unit_price, cart.currency),
                  "total_text": money(v.line.line_total, cart.currency)}
                 for v in cart.lines]
        for match in matches:
            match["price_text"] = money(match["price"], shop.currency)
            match["options_text"] = _options(match["options"])
        return await console_page(
            request, runtime, "console/take_order.html", "take_order",
            status_code=status_code, cart_id=cart.token, lines=lines,
            subtotal_text=money(cart.subtotal, cart.currency), q=q, matches=matches,
            added=added, missing=translate(NOTHING_FOUND) if missing else (
                f"{translate(SOLD_OUT)}: {short}" if short else ""),
            sold_out=translate(SOLD_OUT), methods=methods, form=form or {},
            errors=errors or {}, known=known)

    @post("/{cart_id:str}/scan", name="console:take-order-scan")
    async def scan(self, request: Request, shop: Shop, cart_id: str) -> Redirect:
        """A scanned barcode or SKU adds its variant (a case barcode its units); a name
        with several products shows them to choose from."""
        data = await request.form()
        code = str(data.get("code") or "").strip()[:64]
        cart_id = cart_id[:32]
        base = f"/console/take-order/{cart_id}"
        if not code:
            return Redirect(base, status_code=303)
        async with db.shop_scope(shop.id):
            found = await find_sellable(shop.id, code)
        if len(found) != 1:
            key = "q" if found else "missing"
            return Redirect(f"{base}?{urlencode({key: code})}", status_code=303)
        return await self._add(shop, cart_id, found[0]["variant_id"], found[0]["units"],
                               found[0]["sku"])

    @post("/{cart_id:str}/add", name="console:take-order-add")
    async def add(self, request: Request, shop: Shop, cart_id: str) -> Redirect:
        data = await request.form()
        variant = str(data.get("variant_id") or "")
        if not variant.isdigit() or len(variant) > 12:
            return Redirect(f"/console/take-order/{cart_id[:32]}", status_code=303)
        return await self._add(shop, cart_id[:32], int(variant), 1, str(data.get("sku", "")))

    async def _add(self, shop: Shop, cart_id: str, variant_id: int, units: int,
                   sku: str) -> Redirect:
        base = f"/console/take-order/{cart_id}"
        try:
            async with db.shop_scope(shop.id):
                await carts.add_item(shop, cart_id, variant_id, units)
        except DomainError:  # more than is available: said with the SKU, in the page's words
            return Redirect(f"{base}?{urlencode({'short': sku[:64]})}", status_code=303)
        return Redirect(f"{base}?{urlencode({'added': sku[:64]})}", status_code=303)

    @post("/{cart_id:str}/quantity", name="console:take-order-quantity")
    async def quantity(self, request: Request, shop: Shop, cart_id: str) -> Redirect:
        data = await request.form()
        variant, count = str(data.get("variant_id") or ""), str(data.get("quantity") or "")
        base = f"/console/take-order/{cart_id[:32]}"
        if variant.isdigit() and count.isdigit() and len(variant) < 12 and len(count) < 5:
            try:
                async with db.shop_scope(shop.id):
                    await carts.set_quantity(shop, cart_id[:32], int(variant), int(count))
            except DomainError:
                sku = str(data.get("sku") or variant)[:64]
                return Redirect(f"{base}?{urlencode({'short': sku})}", status_code=303)
        return Redirect(base, status_code=303)

    @post("/{cart_id:str}/place", name="console:take-order-place")
    async def place(self, request: Request, shop: Shop, runtime: Runtime,
                    cart_id: str) -> Response:
        translate = gettext_for(request)
        data = await request.form()
        form = {key: str(data.get(key) or "").strip()[:200] for key in (
            "phone", "name", "fulfilment", "province", "city", "district", "line1",
            "payment", "note")}
        cart_id = cart_id[:32]
        errors = await self._check(shop, runtime, cart_id, form, translate)
        if errors:
            return await self._page(request, shop, runtime, cart_id, form=form,
                                    errors=errors, status_code=422)
        actor = _actor(request)
        contact = {"name": form["name"], "phone": form["phone"]}
        address = ({**contact, "country": "CN", "province": translate(PICKUP_PLACE),
                    "city": shop.name[:60], "line1": translate(PICKUP_PLACE)}
                   if form["fulfilment"] == "pickup" else
                   {**contact, "country": "CN", "province": form["province"],
                    "city": form["city"], "district": form["district"],
                    "line1": form["line1"]})
        try:
            customer_id, opened = await find_or_open_customer(shop.id, form["phone"],
                                                              form["name"])
            method = await self._shipping_method(shop, runtime, cart_id, address,
                                                 form["fulfilment"], translate)
            placed = await place_order(shop, runtime.host, OrderRequest(
                cart_id=cart_id, contact=contact, address=address,
                payment_method=form["payment"], shipping_method=method,
                note=form["note"][:500], customer_id=customer_id, actor=actor,
                channel=channels.STAFF))
            async with db.shop_scope(shop.id):
                await record(shop.id, actor, "order.take", placed.number, {
                    "customer_id": customer_id, "customer_opened": opened,
                    "payment_method": form["payment"], "fulfilment": form["fulfilment"]})
                offered = await gateways.find(shop, runtime.host, form["payment"])
            if _kind(offered) == "now":
                await mark_paid(shop, runtime.host, placed.number, actor=actor,
                                note=translate(PAY_KINDS["now"]))
        except OutOfStock as exc:  # sold meanwhile: every short SKU, in the page's words
            errors = {"cart": "; ".join(
                f"{item['sku']} " + translate(SHORT) % {"left": item["available"],
                                                      "asked": item["requested"]}
                for item in exc.extra.get("items", []))}
            return await self._page(request, shop, runtime, cart_id, form=form,
                                    errors=errors, status_code=409)
        except DomainError as exc:
            errors = {e.field.split(".")[-1]: e.message for e in exc.errors} or {
                "cart": exc.detail}
            return await self._page(request, shop, runtime, cart_id, form=form,
                                    errors=errors, status_code=409 if exc.kind ==
                                    "conflict" else 422)
        link = (f"{origin_of(request)}/orders/{placed.number}?"
                f"{urlencode({'access_token': placed.access_token})}")
        kind = _kind(offered)
        return await console_page(
            request, runtime, "console/take_order_done.html", "take_order",
            order=placed.order, number=placed.number, kind=kind,
            kind_title=translate(PAY_KINDS[kind]), method_name=offered.gateway.title,
            total_text=money(placed.order["total"], placed.order["currency"]),
            link=link if kind == "link" else "",
            qr=segno.make(link, error="m").svg_data_uri(scale=6, border=2)
            if kind == "link" else "")

    async def _check(self, shop: Shop, runtime: Runtime, cart_id: str, form: dict[str, str],
                     translate: Any) -> dict[str, str]:
        errors = {}
        digits = form["phone"].replace(" ", "").replace("-", "")
        if not (6 <= len(digits.lstrip("+")) <= 20 and digits.lstrip("+").isdigit()):
            errors["phone"] = translate(FIELD_ERRORS["phone"])
        if not form["name"]:
            errors["name"] = translate(FIELD_ERRORS["name"])
        if form["fulfilment"] != "pickup":
            form["fulfilment"] = "delivery"
            for key in ("province", "city", "line1"):
                if not form[key]:
                    errors[key] = translate(FIELD_ERRORS[key])
        async with db.shop_scope(shop.id):
            codes = {m["code"] for m in await _methods(shop, runtime, translate)}
            cart = await carts.get_cart(shop, cart_id)
        if form["payment"] not in codes:
            errors["payment"] = translate(FIELD_ERRORS["payment"])
        if not cart.lines:
            errors["cart"] = translate(FIELD_ERRORS["cart"])
        return errors

    async def _shipping_method(self, shop: Shop, runtime: Runtime, cart_id: str,
                               address: dict[str, str], fulfilment: str,
                               translate: Any) -> str | None:
        """Pickup: the shop's first pickup point, if its shipping plugin has one; delivery:
        the cheapest delivery the shop offers to the address. None when it offers none."""
        async with db.shop_scope(shop.id):
            cart = await carts.get_cart(shop, cart_id)
            problems = Problems()
            checked = check_address(address, problems)
            problems.raise_if_any("The address is invalid")
            pricing = await price_cart(shop, cart, host=runtime.host, address=checked)
        options = sorted(pricing.shipping_options, key=lambda o: o.quote.fee)
        if not options:
            return None  # the shop has no shipping plugin: nothing to choose
        wanted = [o for o in options if o.code.startswith("pickup") == (fulfilment == "pickup")]
        if not wanted:
            raise ValidationFailed("No such shipping", errors=[FieldError(
                "fulfilment", translate(NO_PICKUP if fulfilment == "pickup" else NO_DELIVERY))])
        return wanted[0].code


take_order_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[TakeOrderPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["take_order_router"]

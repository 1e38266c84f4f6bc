"""Orders made on another channel (an imported file, an integration, the mini-program):
placed through the same steps as a storefront order, so that stock is reserved the same way
and the order then goes through the same review, picking and shipping.

What differs from the storefront: the lines arrive priced by the other platform (a price
left out is the shop's current price), there is no cart and no price adjuster (the other
platform applied its own discounts: `discount_total` is kept as one adjustment), and the
order may arrive paid already, in which case it becomes `paid` at once and is reviewed like
any paid order. An order is known by its channel and `external_id`: sending it again finds
the first one (`created: False`) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.common import json_value
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.checkout import details
from galleria.kernel.checkout.carts import MAX_QUANTITY
from galleria.kernel.checkout.contracts import Adjustment, PricedLine
from galleria.kernel.checkout.placement import (
    CANCEL_UNPAID_JOB,
    _check_payment_method,
    open_order,
    reserve_all,
    write_order,
)
from galleria.kernel.checkout.plan_room import ensure_order_room
from galleria.kernel.checkout.pricing import AppliedAdjustment, Pricing
from galleria.kernel.errors import Problems
from galleria.kernel.events import emit, enqueue
from galleria.kernel.orders import channels, states
from galleria.kernel.orders import service as orders
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import Shop

PAID_ELSEWHERE = "external"  # the payment method of an order paid on its own platform
MAX_LINES = 200
MAX_AMOUNT = 10**11  # minor units: a billion yuan is a typo, not an order


@dataclass(frozen=True)
class ChannelLine:
    sku: str
    quantity: int
    unit_price: int | None = None  # minor units; None: the variant's current price


@dataclass(frozen=True)
class ChannelOrderRequest:
    """An order made elsewhere (unchecked: placing checks it)."""

    channel: str
    external_id: str
    lines: Sequence[ChannelLine]
    contact: Any
    address: Any
    paid: bool = False
    payment_method: str = ""  # paid: what the other platform says; unpaid: a shop gateway
    shipping_fee: int = 0
    discount_total: int = 0
    note: str = ""
    actor: str = "system"


@dataclass(frozen=True)
class ChannelOrderResult:
    number: str
    created: bool  # False: the channel's order was here already, nothing changed


async def place_channel_order(shop: Shop, host: PluginHost,
                              request: ChannelOrderRequest) -> ChannelOrderResult:
    """Place `request` in one transaction, or find the order it placed before. Raises
    ValidationFailed (422 naming every bad field: `lines[2].sku` …) or OutOfStock (409,
    `items` naming every SKU that ran short; nothing is kept)."""
    async with db.shop_scope(shop.id):
        channel, external_id = _check_origin(request)
        existing = await channels.find_external(shop.id, channel, external_id)
        if existing is not None:
            return ChannelOrderResult(existing["number"], False)
        await ensure_order_room(shop)  # the plan's monthly allowance (never for shoppers)
        checked = await _check(shop, host, request)
        pricing = await _price(shop, request, checked)
        now = dt.datetime.now(dt.UTC)
        try:
            order_id, number, _token = await open_order(shop, now, dict(
                contact=checked["contact"], address=checked["address"].to_json(),
                payment_method=checked["payment_method"], note=checked["note"],
                channel=channel, external_id=external_id))
        except channels.AlreadyPlaced as placed:  # the same order arrived twice at once
            return ChannelOrderResult(placed.extra["number"], False)
        await write_order(shop.id, order_id, pricing)
        await orders.record_timeline(shop.id, order_id, "", states.PENDING_PAYMENT,
                                     request.actor, f"placed on {channel}: {external_id}")
        await emit(shop.id, "order.placed", {
            "number": number, "total": pricing.total, "currency": pricing.currency,
            "customer_id": None, "payment_method": checked["payment_method"],
            "channel": channel, "external_id": external_id})
        if not request.paid:
            await enqueue(shop.id, CANCEL_UNPAID_JOB,
                          delay=dt.timedelta(minutes=shop.payment_timeout_minutes),
                          tenant_id=shop.id, number=number)
        await reserve_all(shop.id, pricing, number, request.actor, shop=shop,
                          address=checked["address"])
        if request.paid:
            await orders.transition(shop.id, number, states.PAID, actor=request.actor,
                                    reason=f"paid on {channel}: {external_id}")
        return ChannelOrderResult(number, True)


def _check_origin(request: ChannelOrderRequest) -> tuple[str, str]:
    problems = Problems()
    if request.channel not in channels.EXTERNAL:
        problems.add("channel", "one of: " + ", ".join(channels.EXTERNAL))
    external_id = request.external_id.strip() if isinstance(request.external_id, str) else ""
    if not external_id:
        problems.add("external_id", "required: the order's id on its own platform")
    elif len(external_id) > channels.EXTERNAL_ID_MAX:
        problems.add("external_id", f"at most {channels.EXTERNAL_ID_MAX} characters")
    problems.raise_if_any("The order's channel or external id is invalid")
    return request.channel, external_id


async def _check(shop: Shop, host: PluginHost, request: ChannelOrderRequest) -> dict[str, Any]:
    problems = Problems()
    checked: dict[str, Any] = {
        "contact": details.check_contact(request.contact, problems),
        "address": details.check_address(request.address, problems),
        "note": details.check_note(request.note, problems),
    }
    if request.paid:
        method = (request.payment_method or PAID_ELSEWHERE).strip()
        if len(method) > 64:
            problems.add("payment.method", "at most 64 characters")
        checked["payment_method"] = method[:64]
    else:  # to be paid here: by one of the shop's own methods (cash on delivery…)
        checked["payment_method"] = await _check_payment_method(
            shop, host, request.payment_method, problems, staff=True)
    for name in ("shipping_fee", "discount_total"):
        value = getattr(request, name)
        if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
            problems.add(name, "a whole number of fen, 0 or more")
    if not request.lines:
        problems.add("lines", "at least one line")
    elif len(request.lines) > MAX_LINES:
        problems.add("lines", f"at most {MAX_LINES} lines")
    for i, line in enumerate(request.lines[:MAX_LINES]):
        if not isinstance(line.sku, str) or not 1 <= len(line.sku.strip()) <= 64:
            problems.add(f"lines[{i}].sku", "required: the SKU (规格编码) of a variant")
        if type(line.quantity) is not int or not 1 <= line.quantity <= MAX_QUANTITY:
            problems.add(f"lines[{i}].quantity", f"a whole number from 1 to {MAX_QUANTITY}")
        if line.unit_price is not None and (
                type(line.unit_price) is not int or not 0 <= line.unit_price <= MAX_AMOUNT):
            problems.add(f"lines[{i}].unit_price", "a whole number of fen, 0 or more")
    problems.raise_if_any("Some order details are invalid")
    return checked


async def _price(shop: Shop, request: ChannelOrderRequest, checked: dict[str, Any]) -> Pricing:
    """The lines as the other platform priced them, on the shop's variants (by SKU)."""
    skus = sorted({line.sku.strip() for line in request.lines})
    rows = await Variant.select(
        Variant.id, Variant.sku, Variant.price, Variant.options, Variant.weight_grams,
        Variant.status, Variant.product, Variant.product.name.as_alias("product_name"),
        Variant.product.deleted_at.as_alias("deleted_at"),
    ).where((Variant.tenant == shop.id) & Variant.sku.is_in(skus))
    found = {row["sku"]: row for row in rows
             if row["status"] == "active" and row["deleted_at"] is None}
    problems = Problems()
    merged: dict[int, PricedLine] = {}
    for i, line in enumerate(request.lines):
        row = found.get(line.sku.strip())
        if row is None:
            problems.add(f"lines[{i}].sku", f"no variant {line.sku.strip()} for sale in "
                                            "this shop")
            continue
        price = row["price"] if line.unit_price is None else line.unit_price
        before = merged.get(row["id"])
        if before is not None and before.unit_price != price:
            problems.add(f"lines[{i}].unit_price", f"{row['sku']} appears twice at "
                                                   "different prices")
            continue
        options = json_value(row["options"]) or {}
        merged[row["id"]] = PricedLine(
            variant_id=row["id"], product_id=row["product"], sku=row["sku"],
            name=row["product_name"], options=options, unit_price=price,
            quantity=line.quantity + (before.quantity if before else 0),
            weight_grams=row["weight_grams"])
    subtotal = sum(line.line_total for line in merged.values())
    if request.discount_total > subtotal + request.shipping_fee:
        problems.add("discount_total", "more than the lines and shipping together")
    problems.raise_if_any("Some order lines are invalid")
    adjustments = () if not request.discount_total else (AppliedAdjustment(
        request.channel, Adjustment("channel_discount", -request.discount_total,
                                    label="other platform's discount")),)
    return Pricing(currency=shop.currency, lines=tuple(merged.values()), subtotal=subtotal,
                   shipping_options=(), shipping_method=None,
                   shipping_fee=request.shipping_fee, adjustments=adjustments)


__all__ = ["PAID_ELSEWHERE", "ChannelLine", "ChannelOrderRequest", "ChannelOrderResult",
           "place_channel_order"]

"""Changes the merchant makes to an order after contacting the shopper: a corrected
address, or a failed online payment switched to cash on delivery with the shopper's
consent. Neither moves the order to another state or reviews it again; each leaves a
timeline entry and an audit entry naming who did it and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.details import check_address
from galleria.kernel.errors import Conflict, FieldError, Problems, ValidationFailed
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order
from galleria.kernel.payments.contracts import PaymentGateway
from galleria.kernel.plugins import PluginHost
from galleria.kernel.review.history import parse_json
from galleria.kernel.review.runner import gateway_for
from galleria.kernel.tenancy import audit
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop

# Before anything is picked or shipped, the address may still change.
EDITABLE = frozenset({states.PENDING_PAYMENT, states.PAID, states.UNDER_REVIEW,
                      states.APPROVED})


async def edit_address(shop: Shop, number: str, address: Any, *, actor: str,
                       note: str = "") -> dict[str, Any]:
    """Replace the order's delivery address (checked like at checkout: 422 with field
    errors `address.<field>`). Only before the order is picked."""
    problems = Problems()
    checked = check_address(address, problems)
    problems.raise_if_any("The address is incomplete")
    assert checked is not None
    async with db.shop_scope(shop.id):
        row = await orders.get_order(shop.id, number)
        if row["status"] not in EDITABLE:
            raise Conflict(f"Order {number} is {row['status']}: its address can no longer "
                           f"change", number=number)
        before = parse_json(row["address"])
        won = await Order.update({Order.address: checked.to_json(),
                                  Order.updated_at: dt.datetime.now(dt.UTC)}).where(
            (Order.tenant == shop.id) & (Order.id == row["id"])
            & (Order.status == row["status"])).returning(Order.id)
        if not won:
            raise Conflict(f"Order {number} changed meanwhile; try again", number=number)
        why = "address edited after contacting the shopper" + (f": {note}" if note else "")
        await orders.record_timeline(shop.id, row["id"], row["status"], row["status"],
                                     actor, why)
        await audit.record(shop.id, actor, "order.address_edited", number,
                           {"before": before, "after": checked.to_json(), "note": note})
        return await orders.get_order(shop.id, number)


async def switch_to_cash_on_delivery(shop: Shop, host: PluginHost, number: str, *,
                                     actor: str, consent: str) -> dict[str, Any]:
    """An unpaid order whose online payment failed becomes a cash-on-delivery order, with
    the shopper's consent (`consent`: how and when they agreed). Sets the order's
    `payment_method` to the code of the shop's enabled pays-on-delivery gateway; nothing is
    re-run (no review, no new deadline): approve the order in the queue next."""
    consent = (consent or "").strip()
    if not consent:
        raise ValidationFailed("Record how the shopper agreed to pay on delivery",
                               errors=[FieldError("consent", "required")])
    async with db.shop_scope(shop.id):
        row = await orders.get_order(shop.id, number)
        enabled = await enabled_plugins(shop.id)
        gateways = host.provided("galleria_payment_gateways", enabled, PaymentGateway,
                                 shop=shop)
        cod = next((g for g in gateways if g.pays_on_delivery), None)
        if cod is None:
            raise Conflict("This shop offers no cash on delivery: enable a payment plugin "
                           "that does first")
        current = gateway_for(host, shop, enabled, row["payment_method"])
        if row["status"] != states.PENDING_PAYMENT or (
                current is not None and current.pays_on_delivery):
            raise Conflict(f"Order {number} is {row['status']} with {row['payment_method']}: "
                           f"only an unpaid order paid online can switch", number=number)
        won = await Order.update({Order.payment_method: cod.code,
                                  Order.updated_at: dt.datetime.now(dt.UTC)}).where(
            (Order.tenant == shop.id) & (Order.id == row["id"])
            & (Order.status == states.PENDING_PAYMENT)
            & (Order.payment_method == row["payment_method"])).returning(Order.id)
        if not won:
            raise Conflict(f"Order {number} changed meanwhile; try again", number=number)
        await orders.record_timeline(
            shop.id, row["id"], row["status"], row["status"], actor,
            f"payment switched from {row['payment_method']} to {cod.code} with the "
            f"shopper's consent: {consent}")
        await audit.record(shop.id, actor, "order.payment_switched", number,
                           {"from": row["payment_method"], "to": cod.code,
                            "consent": consent})
        return await orders.get_order(shop.id, number)


__all__ = ["EDITABLE", "edit_address", "switch_to_cash_on_delivery"]

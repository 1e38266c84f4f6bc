"""How a received return ends: its money back through the order's gateway (a return), or
the replacement shipped (an exchange)."""

from __future__ import annotations

from typing import Any

from galleria.kernel import db
from galleria.kernel.aftersales import returns
from galleria.kernel.catalog.common import json_value as _json
from galleria.kernel.errors import DomainError, FieldError, ValidationFailed
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.payments.refunds import refund_order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import Shop


async def refund_return(shop: Shop, host: PluginHost, return_id: int, amount: Any = None, *,
                        actor: str) -> dict[str, Any]:
    """Refund a received return: `amount` (minor units) or by default the received units'
    value less their share of item discounts (the whole rest of the order, shipping
    included, when this brings every unit back). The request is claimed (received →
    refunding) before the gateway is asked, so a double click refunds once; a gateway
    error puts it back to received and is raised."""

    async with db.shop_scope(shop.id):
        row = await returns.get_return(shop.id, return_id)
        if row["kind"] != "return":
            raise returns.ReturnStateConflict("An exchange is settled by shipping the "
                                              "replacement, not by a refund")
        order = await orders.get_order(shop.id, row["order_number"])
        received = [{**line, "quantity": line["received"]} for line in _json(row["lines"])
                    if line["received"]]
        default = await returns.refundable_amount(shop.id, order, received)
        if amount is None:
            amount = default
        left = order["total"] - order["refunded_total"]
        if type(amount) is not int or not 0 < amount <= left:
            raise ValidationFailed("Refund between ¥0.01 and what is left of the order",
                                   errors=[FieldError("amount", f"1 to {left}")],
                                   refundable=left)
        await returns.advance(shop.id, return_id, expected=(returns.RECEIVED,),
                              to=returns.REFUNDING, actor=actor, refund_amount=amount,
                              what=f"refund of {amount} started")
    try:
        await refund_order(shop, host, row["order_number"], amount, actor=actor,
                           reason=f"return #{return_id}")
    except DomainError:
        async with db.shop_scope(shop.id):
            await returns.advance(shop.id, return_id, expected=(returns.REFUNDING,),
                                  to=returns.RECEIVED, actor=actor, what="refund failed")
        raise
    async with db.shop_scope(shop.id):
        return await returns.advance(shop.id, return_id, expected=(returns.REFUNDING,),
                                     to=returns.REFUNDED, actor=actor,
                                     what=f"refunded {amount}")


async def ship_replacement(tenant_id: int, return_id: int, *, carrier: str,
                           tracking_number: str, actor: str) -> dict[str, Any]:
    """An exchange's replacement units leave the shop (reserved and shipped: two ledger
    entries each) with the merchant's waybill."""
    if not carrier.strip() or not tracking_number.strip():
        raise ValidationFailed("Name the carrier and the tracking number", errors=[
            FieldError("tracking_number", "required")])
    async with db.shop_scope(tenant_id):
        row = await returns.get_return(tenant_id, return_id)
        if row["kind"] != "exchange":
            raise returns.ReturnStateConflict("Only an exchange ships a replacement")
        updated = await returns.advance(
            tenant_id, return_id, expected=(returns.RECEIVED,),
            to=returns.REPLACEMENT_SHIPPED, actor=actor, carrier=carrier.strip()[:32],
            tracking_number=tracking_number.strip()[:64],
            what=f"replacement shipped: {carrier} {tracking_number}")
        for line in _json(row["lines"]):
            reference = f"{row['order_number']}_X{return_id}"
            await inventory.reserve(tenant_id, line["variant_id"], line["quantity"],
                                    reference=reference, actor=actor)
            await inventory.ship(tenant_id, line["variant_id"], line["quantity"],
                                 reference=reference, actor=actor)
        return updated


__all__ = ["refund_return", "ship_replacement"]

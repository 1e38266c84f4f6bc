"""An order as plain facts for plugins (`galleria.kernel.order_facts`): what a rewards plugin
needs when an order event arrives (who bought, what was paid, each line's category), without
reaching into the kernel's tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galleria.kernel.catalog.common import json_value
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import NotFound
from galleria.kernel.orders.tables import Order, OrderLine
from galleria.kernel.tenancy.tables import Tenant


@dataclass(frozen=True)
class OrderLineFacts:
    variant_id: int
    product_id: int | None  # None once the variant is deleted
    category_id: int | None
    sku: str
    quantity: int  # ordered, cancelled ones included
    cancelled_quantity: int
    unit_price: int
    line_id: int = 0  # the order line's id: what a plugin keys per-line records on
    name: str = ""  # the product's name as ordered
    options: dict[str, Any] | None = None  # the variant's options as ordered

    @property
    def kept_total(self) -> int:
        """What the lines still ordered are worth (before discounts), minor units."""
        return self.unit_price * (self.quantity - self.cancelled_quantity)


@dataclass(frozen=True)
class OrderFacts:
    """Amounts in minor units; `refunded_total` counts every refund so far."""

    number: str
    status: str
    customer_id: int | None
    currency: str
    subtotal: int
    shipping_fee: int
    discount_total: int
    total: int
    refunded_total: int
    points: int  # redeemed on the order
    contact_phone: str
    address_key: str  # province|city|district|line1, normalised: one key per address
    payment_method: str
    timezone: str  # the shop's, for dates a plugin works out (an expiry at year end)
    lines: tuple[OrderLineFacts, ...]

    @property
    def paid_goods(self) -> int:
        """What the shopper paid for goods and kept: the total less shipping and refunds."""
        return max(0, self.total - self.shipping_fee - self.refunded_total)


def _address_key(address: Any) -> str:
    address = json_value(address) or {}
    parts = [str(address.get(k) or "") for k in ("province", "city", "district", "line1")]
    return "|".join("".join(part.split()).lower() for part in parts)


async def order_facts(tenant_id: int, number: str) -> OrderFacts:
    """Order `number` of the shop as `OrderFacts` (call inside `shop_scope(tenant_id)`).
    Raises NotFound for a number the shop does not have."""
    row = await Order.select().where(
        (Order.tenant == tenant_id) & (Order.number == number)).first()
    if row is None:
        raise NotFound(f"No order {number} in this shop")
    lines = await OrderLine.select().where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == row["id"])).order_by(OrderLine.id)
    variant_ids = [line["variant"] for line in lines]
    products: dict[int, tuple[int, int | None]] = {}
    if variant_ids:
        for v in await Variant.select(Variant.id, Variant.product, Variant.product.category).where(
                (Variant.tenant == tenant_id) & Variant.id.is_in(variant_ids)):
            products[v["id"]] = (v["product"], v["product.category"])
    shop = await Tenant.select(Tenant.timezone).where(Tenant.id == tenant_id).first()
    return OrderFacts(
        number=row["number"], status=row["status"], customer_id=row["customer"],
        currency=row["currency"], subtotal=row["subtotal"], shipping_fee=row["shipping_fee"],
        discount_total=row["discount_total"], total=row["total"],
        refunded_total=row["refunded_total"], points=row["points"],
        contact_phone=row["contact_phone"] or "", address_key=_address_key(row["address"]),
        payment_method=row["payment_method"] or "",
        timezone=(shop or {}).get("timezone") or "Asia/Shanghai",
        lines=tuple(OrderLineFacts(
            variant_id=line["variant"], product_id=products.get(line["variant"], (None,))[0],
            category_id=products.get(line["variant"], (None, None))[1], sku=line["sku"],
            quantity=line["quantity"], cancelled_quantity=line["cancelled_quantity"],
            unit_price=line["unit_price"], line_id=line["id"], name=line["name"] or "",
            options=json_value(line["options"]) or {}) for line in lines))


__all__ = ["OrderFacts", "OrderLineFacts", "order_facts"]

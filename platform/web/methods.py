"""The payment and shipping methods a shop has, by the names its plugins give them: what
pages, exports and the API show instead of codes (`cod`, `same_city_2`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.pricing import shipping_methods
from galleria.kernel.payments import gateways
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.pages.carriers import carrier_name
from galleria.web.pages.order_states import PAYMENT_TITLES, SHIPMENT_TITLES, TRACKING_TITLES


@dataclass(frozen=True)
class MethodNames:
    payment: dict[str, str]
    shipping: dict[str, str]

    def payment_name(self, code: str | None) -> str:
        return self.payment.get(code or "", code or "")

    def shipping_name(self, code: str | None) -> str:
        return self.shipping.get(code or "", code or "")


async def method_names(shop: Shop, runtime: Runtime) -> MethodNames:
    """Every method code the shop's orders may carry → its name, switched off since or not."""
    async with db.shop_scope(shop.id):
        offered = await gateways.offered(shop, runtime.host, available_only=False)
        enabled = await enabled_plugins(shop.id)
        shipping = await shipping_methods(runtime.host, enabled, shop, offered_only=False)
    return MethodNames(payment={o.code: o.gateway.title for o in offered},
                       shipping={m.code: m.title for m in shipping})


async def offered_shipping(shop: Shop, runtime: Runtime) -> list[dict[str, str]]:
    """`[{"code", "name"}]` of the shipping methods the shop really has now."""
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
        methods = await shipping_methods(runtime.host, enabled, shop)
    return [{"code": m.code, "name": m.title} for m in methods]


def name_order_parts(view: dict[str, Any], names: MethodNames,
                     translate: Callable[[str], str]) -> None:
    """Give an order view's methods, payments and shipments the names people read (kept
    beside their codes): `payment_name`, `shipping_name`, each payment's `method_name` and
    `status_title`, each shipment's `carrier_title` and `status_title`."""
    view["payment_name"] = names.payment_name(view.get("payment_method"))
    view["shipping_name"] = names.shipping_name(view.get("shipping_method"))
    for payment in view.get("payments") or []:
        payment["method_name"] = names.payment_name(payment.get("method"))
        payment["status_title"] = translate(PAYMENT_TITLES.get(payment.get("status") or "",
                                                               payment.get("status") or ""))
    for shipment in view.get("shipments") or []:
        label = shipment.get("label") or {}
        shipment["carrier_title"] = (
            (label.get("carrier_name") if isinstance(label, dict) else "")
            or carrier_name(shipment.get("carrier"), translate)
            or names.shipping_name(shipment.get("method")))
        status = shipment.get("tracking_status") or shipment.get("status") or ""
        shipment["status_title"] = translate(
            TRACKING_TITLES.get(status) or SHIPMENT_TITLES.get(status) or status)

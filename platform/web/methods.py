"""The payment and shipping methods a shop has, by the names its plugins give them: what
pages, exports and the API show instead of codes (`cod`, `same_city_2`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.pricing import shipping_methods
from galleria.kernel.payments import gateways
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.plugin_assets import plugin_static_url


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



def mark_url(item: gateways.Offered) -> str:
    """The address of the gateway's brand mark, served from its plugin's static files."""
    mark = item.gateway.mark
    return plugin_static_url(item.plugin, mark) if mark else ""


def payment_method_json(item: gateways.Offered) -> dict[str, Any]:
    """A payment method as pages and the storefront API show it: code, name, kind, mark."""
    return {**item.to_json(), "mark_url": mark_url(item)}

"""Finding a shop's payment gateways: the enabled plugins' `galleria_payment_gateways`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galleria.kernel.errors import FieldError, NotFound, ValidationFailed
from galleria.kernel.payments.contracts import PaymentGateway
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins, in_sandbox
from galleria.kernel.tenancy.shops import Shop


@dataclass(frozen=True)
class Offered:
    """A gateway and the plugin that contributed it (callbacks are routed by plugin)."""

    plugin: str
    gateway: PaymentGateway
    sandbox: bool = False  # on the shop's own simulator account: badged 沙箱

    @property
    def code(self) -> str:
        return self.gateway.code

    def to_json(self) -> dict[str, Any]:
        gateway = self.gateway
        return {"code": gateway.code, "name": gateway.title, "offline": gateway.offline,
                "pays_on_delivery": gateway.pays_on_delivery, "sandbox": self.sandbox}


async def offered(shop: Shop, host: PluginHost, *, available_only: bool = True,
                  staff: bool = False, code: str | None = None) -> list[Offered]:
    """The gateways of the shop's enabled plugins, in plugin order; with `available_only`
    (for a new payment) only those whose `available(shop)` agrees, and the `staff_only`
    ones only for an order staff take (`staff`); with `code`, only the gateways of that
    code, so that checking a shopper's choice asks no other gateway (each `available()`
    reads its plugin's settings). Call inside the shop's scope (enablement is read from
    the database)."""
    enabled = await enabled_plugins(shop.id)
    found = []
    for plugin, gateway in host.provided_each("galleria_payment_gateways", enabled,
                                              PaymentGateway, shop=shop):
        if code is not None and gateway.code != code:
            continue
        if available_only and gateway.staff_only and not staff:
            continue
        if not available_only or await gateway.available(shop):
            found.append(Offered(plugin, gateway, await in_sandbox(shop.id, plugin)))
    return found


async def find(shop: Shop, host: PluginHost, code: str, *, plugin: str | None = None,
               new: bool = False) -> Offered:
    """The enabled gateway `code` (of `plugin`, when given). For a `new` payment it must
    also be available (422 naming what is offered); for a payment that exists (a callback,
    a refund, a close, a mark-paid) a gateway the merchant switched off since still acts."""
    for item in await offered(shop, host, available_only=new, code=code):
        if plugin in (None, item.plugin):
            return item
    if not new:
        raise NotFound(f"No payment gateway {code} is enabled in this shop")
    codes = ", ".join(item.code for item in await offered(shop, host)) or "none"
    raise ValidationFailed(f"This shop does not offer the payment method {code!r}",
                           errors=[FieldError("method", f"offered: {codes}")])


__all__ = ["Offered", "find", "offered"]

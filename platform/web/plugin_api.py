"""Plugins' JSON API routes (`galleria_api_routes`): mounted at their own paths under
`/api/v1/` (storefront) or `/api/admin/v1/` (admin; by convention the plugin's own area,
such as `/api/admin/v1/marketing/`), only on shops that enabled the plugin, in the OpenAPI
schema, behind the same permission guard as the kernel's API.

Handlers get a `PluginApi` as their `api` dependency, so that plugins import nothing from
`galleria.web`: the signed-in shopper, the admin token's actor, Idempotency-Key handling.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from litestar import Request, Response, Router
from litestar.di import Provide

from galleria.kernel.plugins import PluginHost
from galleria.web.context import (
    checked_api_handlers,
    current_shop,
    plugin_enabled_guard,
    shop_host_only,
)
from galleria.web.deps import provide_admin
from galleria.web.idempotency import idempotent, provide_idempotency
from galleria.web.shoppers import current_customer, provide_customer, require_customer


@dataclass(frozen=True)
class PluginApi:
    """What a plugin's API handler gets as its `api` dependency."""

    request: Request

    async def customer_id(self) -> int | None:
        """The signed-in shopper of this shop (session or bearer token), or None."""
        customer = await current_customer(self.request)
        return customer.id if customer else None

    async def require_customer(self) -> int:
        """The signed-in shopper's id; Unauthorized (401) for a guest."""
        return (await require_customer(self.request)).id

    async def admin_actor(self) -> str:
        """Who holds the admin API token (`token:<id>` or the member behind it)."""
        return await provide_admin(self.request)

    async def idempotent(self, work: Callable[[], Awaitable[Response]]) -> Response:
        """Run `work` once per `Idempotency-Key` (a repeat replays the first answer)."""
        return await idempotent(self.request, current_shop(self.request).id, work)


async def provide_plugin_api(request: Request) -> PluginApi:
    return PluginApi(request)


def plugin_api_routers(host: PluginHost) -> list[Router]:
    """One router per plugin with API routes; ValueError names a path outside the
    storefront and admin APIs. Handlers may ask for `api`, `idempotent` and `customer`."""
    routers = []
    for name in host.names():
        handlers = host.collect("galleria_api_routes", [name])
        if not handlers:
            continue
        routers.append(Router(path="/", guards=[shop_host_only, plugin_enabled_guard(name)],
                              route_handlers=checked_api_handlers(name, handlers),
                              dependencies={"api": Provide(provide_plugin_api),
                                            "idempotent": Provide(provide_idempotency),
                                            "customer": Provide(provide_customer)}))
    return routers


__all__ = ["PluginApi", "plugin_api_routers", "provide_plugin_api"]

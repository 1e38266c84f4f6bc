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
from galleria.web.context import current_shop, plugin_enabled_guard, shop_host_only
from galleria.web.deps import provide_admin
from galleria.web.idempotency import idempotent
from galleria.web.shoppers import current_customer, require_customer

STOREFRONT, ADMIN = "/api/v1/", "/api/admin/v1/"


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


def _paths(handler: object) -> set[str]:
    paths = getattr(handler, "paths", None)
    return set(paths) if paths else {getattr(handler, "path", "")}


def plugin_api_routers(host: PluginHost) -> list[Router]:
    """One router per plugin with API routes; ValueError names a path outside its trees."""
    routers = []
    for name in host.names():
        handlers = host.collect("galleria_api_routes", [name])
        if not handlers:
            continue
        for handler in handlers:
            for path in _paths(handler):
                if not path.startswith((STOREFRONT, ADMIN)):
                    raise ValueError(f"plugin {name!r}: API route {path!r} must be under "
                                     f"{STOREFRONT} or {ADMIN}")
        routers.append(Router(path="/", guards=[shop_host_only, plugin_enabled_guard(name)],
                              route_handlers=handlers,
                              dependencies={"api": Provide(provide_plugin_api)}))
    return routers


__all__ = ["PluginApi", "plugin_api_routers", "provide_plugin_api"]

"""Two read-only modes, one guard on the whole app.

An operator viewing a shop's console (impersonation, from the operator console) may change
nothing there. And while a shop is restricted for non-payment (or its subscription ended),
its console and admin API are read-only except billing: changes are refused with the
`billing-restricted` problem (a page in the console). Reading goes on, orders already
placed go on (the storefront is not a staff route), and the shop's data is kept whole."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from galleria.kernel import db
from galleria.kernel.billing.limits import ensure_writable
from galleria.kernel.errors import Forbidden
from galleria.kernel.tenancy.shops import Shop

READS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_PREFIXES = ("/api/admin/", "/console/", "/plugins/")  # plugins: console routes
ALWAYS_OPEN = ("/api/admin/v1/billing", "/console/billing", "/console/login",
               "/console/logout", "/console/welcome", "/console/invitation")


async def refuse_changes_while_restricted(connection: ASGIConnection,
                                          handler: BaseRouteHandler) -> None:
    if connection.scope.get("method", "GET") in READS:
        return
    shop = connection.scope.get("state", {}).get("shop")
    path = connection.url.path
    if not isinstance(shop, Shop) or not path.startswith(STAFF_PREFIXES):
        return
    session = connection.scope.get("session")
    if isinstance(session, dict) and session.get("impersonating") \
            and path.startswith(("/console/", "/plugins/")) and path != "/console/logout":
        raise Forbidden("An operator's view of a shop's console is read-only")
    if path.startswith(ALWAYS_OPEN):
        return
    if path.startswith("/plugins/") and not handler.opt.get("console"):
        return  # a plugin's public route (a shipping quote, a carrier's push)
    async with db.shop_scope(shop.id):
        await ensure_writable(shop.id)


__all__ = ["refuse_changes_while_restricted"]

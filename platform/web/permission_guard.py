"""The one permission check, a guard on the whole app (see galleria.auth.permissions).

For each request on a shop's host it finds the route's rule by its path template:
- the admin API (`/api/admin/...`): the bearer token of this shop must hold the area's
  scope (401 without a valid token, 403 without the scope);
- console pages (`/console/...`) and plugin routes marked `opt={"console": True}`: the
  signed-in member's role and permissions must allow the area (sign-in page without a
  session, 403 page without the permission).
A route no rule covers is open only to full access: owners and admins, and tokens that
hold every scope. It marks the request as checked; `require_scope` then has nothing to add.
Other routes (storefront, callbacks, platform) are not staff routes and pass untouched.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from galleria.auth.members import membership_of
from galleria.auth.permissions import (
    AREAS,
    FULL_ACCESS_AREAS,
    MANAGE,
    PUBLIC,
    Rule,
    api_rule,
    as_list,
    console_rule,
    plugin_rule,
    staff_may,
    token_may,
)
from galleria.auth.tokens import verify_token
from galleria.kernel import db
from galleria.kernel.errors import Forbidden, Unauthorized
from galleria.kernel.tenancy.shops import Shop
from galleria.web.pages.console.shell import LoginRequired, plugin_pages
from galleria.web.pages.signin.sessions import session_user

ADMIN_API = "/api/admin/"
PLUGIN_PAGE = "/console/p/{slug}"
UNMAPPED = Rule(MANAGE, MANAGE)
CHECKED = "permission_checked"


def route_rule(path: str, handler: BaseRouteHandler,
               path_params: dict[str, Any] | None = None) -> tuple[str, Rule | None]:
    """("api" | "console" | "other", the rule or None when unmapped) for a route."""
    if path.startswith(ADMIN_API):
        return "api", api_rule(path)
    if path == PLUGIN_PAGE:  # refined by the page's declared area in enforce_permissions
        return "console", plugin_rule(None)
    if path == "/console" or path.startswith("/console/"):
        return "console", console_rule(path)
    if handler.opt.get("console") and path.startswith("/plugins/"):
        return "console", plugin_rule(handler.opt.get("area"))
    return "other", None


async def enforce_permissions(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    shop = connection.scope.get("state", {}).get("shop")
    if connection.scope["type"] != "http" or not isinstance(shop, Shop):
        return  # the platform host: shop routes answer 404 through their own guards
    path = connection.scope.get("path_template") or connection.url.path
    kind, rule = route_rule(path, handler, connection.path_params)
    if kind == "other":
        return
    if path == PLUGIN_PAGE:
        rule = plugin_rule(await _page_area(connection, shop))
    rule = rule or UNMAPPED
    need, access = rule.needs(connection.method)
    if kind == "api":
        scopes = await _token_scopes(connection, shop)
        full = all(token_may(scopes, area, "write") for area in FULL_ACCESS_AREAS)
        if not (token_may(scopes, need, access) or (rule is UNMAPPED and full)):
            raise Forbidden(f"This token lacks the {need}:{access} scope"
                            if need in AREAS else "This endpoint needs a full-access token")
    elif need != PUBLIC:
        staff = await load_staff(connection, shop)
        if not staff_may(staff, need, access):
            raise Forbidden("Your role in this shop does not allow this page"
                            if need not in AREAS else
                            f"Your role in this shop does not allow {access} access to "
                            f"{need}")
    connection.scope["state"][CHECKED] = True


async def _page_area(connection: ASGIConnection, shop: Shop) -> str | None:
    """The area the plugin page asked for declares (None: no such page, or none declared;
    the page itself answers 404 for a slug no enabled plugin has)."""
    slug = str(connection.path_params.get("slug", ""))
    async with db.shop_scope(shop.id):
        pages = await plugin_pages(connection.app.state.runtime, shop)
    return next((p.area for p in pages if p.slug == slug), None)


async def _token_scopes(connection: ASGIConnection, shop: Shop) -> list[str]:
    """Authenticate the bearer token (once per request; `provide_admin` reuses it)."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token of this shop: Authorization: Bearer <token>")
    async with db.shop_scope(shop.id):
        row = await verify_token(shop.id, token.strip())
    if row is None:
        raise Unauthorized("The API token is not valid for this shop")
    state = connection.scope["state"]
    state["api_token"] = row
    state["token_scopes"] = as_list(row["scopes"])
    return state["token_scopes"]


async def load_staff(connection: ASGIConnection, shop: Shop) -> dict[str, Any]:
    """The signed-in member ({user_id, email, role, permissions}), kept in the request
    state as "staff"; LoginRequired for anyone else."""
    state = connection.scope["state"]
    if "staff" in state:
        return state["staff"]
    user = session_user(connection)  # type: ignore[arg-type]
    here = connection.url.path if connection.method == "GET" else "/console/"
    here = "/console/" if here == "/console" else here
    if user is None:
        raise LoginRequired(here)
    if user.get("impersonating") == shop.slug:  # an operator's read-only view
        state["staff"] = {**user, "role": "admin", "permissions": [], "read_only": True}
        return state["staff"]
    async with db.shop_scope(shop.id):
        membership = await membership_of(user["user_id"], shop.id)
    if membership is None:
        raise LoginRequired(here, "no_access")
    state["staff"] = {**user, "role": membership["role"],
                      "permissions": membership["permissions"]}
    return state["staff"]


__all__ = ["enforce_permissions", "load_staff", "route_rule"]

"""Pages of connected apps: the consent page an app sends a shop's owner or admin to
(`/console/connect`, reached through `/oauth/authorize`), the console's "Connected apps"
with revocation, and the platform's "Developer apps" where a signed-in user registers an app.

The consent page checks the request before showing anything, and never redirects to a
redirect URI the app did not register: an unknown app or URI is an error page here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.auth import oauth_apps
from galleria.kernel.errors import Forbidden, NotFound, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import platform_host_only, shop_host_only
from galleria.web.pages.console.shell import (
    MANAGERS,
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import page
from galleria.web.pages.signin.sessions import session_user

PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
          "code_challenge_method")


def _manager(request: Request) -> dict[str, Any]:
    staff = staff_of(request)
    if staff["role"] not in MANAGERS:
        raise Forbidden("Only the shop's owner and admins connect apps")
    return staff


def _back_to_app(redirect_uri: str, **params: str) -> Redirect:
    separator = "&" if "?" in redirect_uri else "?"
    query = urlencode({k: v for k, v in params.items() if v})
    return Redirect(f"{redirect_uri}{separator}{query}", status_code=303)


@get("/console/connect", name="console:oauth-connect", guards=[require_staff])
async def consent(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _manager(request)
    params = {name: request.query_params.get(name) or "" for name in PARAMS}
    wanted = await oauth_apps.check_authorization(params)
    return await console_page(request, runtime, "console/oauth_connect.html", "connected-apps",
                              app_name=wanted.app_name, scopes=wanted.scopes, params=params)


@post("/console/connect", name="console:oauth-connect-submit", guards=[require_staff])
async def decide(request: Request, shop: Shop) -> Response:
    staff = _manager(request)
    form = await request.form()
    params = {name: str(form.get(name) or "") for name in PARAMS}
    wanted = await oauth_apps.check_authorization(params)
    if str(form.get("decision") or "") != "approve":
        return _back_to_app(wanted.redirect_uri, error="access_denied", state=wanted.state)
    code = await oauth_apps.approve(shop.id, wanted, staff["user_id"])
    return _back_to_app(wanted.redirect_uri, code=code, state=wanted.state)


@get("/console/connected-apps", name="console:connected-apps", guards=[require_staff])
async def connected(request: Request, shop: Shop, runtime: Runtime) -> Response:
    return await console_page(request, runtime, "console/oauth_apps.html", "connected-apps",
                              apps=await oauth_apps.connected_apps(shop.id),
                              can_manage=staff_of(request)["role"] in MANAGERS)


@post("/console/connected-apps/{grant_id:int}/revoke", name="console:connected-app-revoke",
      guards=[require_staff])
async def revoke(request: Request, shop: Shop, grant_id: int) -> Response:
    _manager(request)
    if not await oauth_apps.revoke_connection(shop.id, grant_id):
        raise NotFound("No such connected app in this shop")
    return Redirect("/console/connected-apps", status_code=303)


oauth_console_router = Router(path="/", guards=[shop_host_only], route_handlers=[
    consent, decide, connected, revoke], exception_handlers={LoginRequired: to_login},
    include_in_schema=False)


# -- the platform: developers register apps ---------------------------------------------------
def _developer(request: Request) -> dict[str, Any]:
    user = session_user(request)
    if user is None:
        raise LoginRequired("/developers/apps")
    return user


def _to_platform_login(request: Request, exc: LoginRequired) -> Response:
    return Redirect("/login", status_code=303)


@get("/developers/apps", name="platform:developer-apps")
async def developer_apps(request: Request) -> Response:
    user = _developer(request)
    return page(request, "platform/oauth_developer.html", apps=await oauth_apps.apps_of(
        user["user_id"]), values={}, errors={}, created=None)


@post("/developers/apps", name="platform:developer-apps-create")
async def register(request: Request) -> Response:
    user = _developer(request)
    form = await request.form()
    values = {"name": str(form.get("name") or "").strip(),
              "redirect_uris": str(form.get("redirect_uris") or "")}
    created, errors, status = None, {}, 201
    try:
        client_id, secret = await oauth_apps.register_app(
            values["name"], values["redirect_uris"].split(), created_by=user["user_id"])
        created, values = {"client_id": client_id, "client_secret": secret}, {}
    except ValidationFailed as exc:
        errors, status = {e.field: e.message for e in exc.errors}, 422
    return page(request, "platform/oauth_developer.html", status_code=status, values=values,
                errors=errors, created=created,
                apps=await oauth_apps.apps_of(user["user_id"]))


oauth_platform_router = Router(path="/", guards=[platform_host_only], route_handlers=[
    developer_apps, register], exception_handlers={LoginRequired: _to_platform_login},
    include_in_schema=False)

OAUTH_PAGE_ROUTES = [oauth_console_router, oauth_platform_router]

__all__ = ["OAUTH_PAGE_ROUTES"]

"""Shopper sign-in with WeChat on a shop's host: the web QR login (start and callback) and
the console form for the shop's WeChat apps (on the "Shopper sign-in" page).

Register `https://{shop host}/account/sign-in/wechat/callback`'s domain as the web app's
authorization callback domain at the WeChat open platform.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect

from galleria.auth import oidc, wechat_login
from galleria.auth.identities import link_customer_subject
from galleria.kernel.errors import Forbidden, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.pages.console.shell import (
    MANAGERS,
    LoginRequired,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.signin.oidc import provider_page
from galleria.web.pages.signin.sessions import safe_next
from galleria.web.shoppers import PASSWORDS, sign_in_session

PENDING_KEY = "wechat"
SHOP_FLAG = "sign_in_wechat"
PENDING_TTL = 600
START_PER_IP = (30, 300)
OAuthState = Annotated[str, QueryParameter(name="state")]


def _session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


async def _web_app(shop: Shop) -> wechat_login.WeChatApp:
    app = await wechat_login.wechat_app(shop.id, "wechat_web")
    if app is None:
        raise oidc.SignInRefused("This shop does not offer sign-in with WeChat")
    return app


@get("/account/sign-in/wechat", name="account:wechat")
async def start(request: Request, shop: Shop, runtime: Runtime, next: str = "") -> Response:
    app = await _web_app(shop)
    ip = request.client.host if request.client else "unknown"
    await runtime.limiter.hit(f"wechat-start:{ip}", *START_PER_IP)
    state = secrets.token_urlsafe(24)
    request.set_session({**_session(request), PENDING_KEY: {
        "state": state, "next": safe_next(next, "/", "/account"), "started": time.time()}})
    callback = f"{str(request.base_url).rstrip('/')}/account/sign-in/wechat/callback"
    return Redirect(wechat_login.qr_login_url(app, callback, state), status_code=303)


@get("/account/sign-in/wechat/callback", name="account:wechat-callback")
async def callback(request: Request, shop: Shop, code: str = "",
                   oauth_state: OAuthState = "") -> Response:
    session = dict(_session(request))
    pending = session.pop(PENDING_KEY, None)
    request.clear_session()  # the state is good for one callback, right or wrong
    if session:
        request.set_session(session)
    if (not isinstance(pending, dict) or not oauth_state
            or not secrets.compare_digest(oauth_state.encode(), str(pending["state"]).encode())
            or time.time() - pending["started"] > PENDING_TTL):
        raise oidc.SignInRefused("This sign-in was not started here or has already been "
                                 "used; please start again")
    app = await _web_app(shop)
    user = await wechat_login.web_user(app, code)
    issuer, subject = user.key(app.appid)
    customer = await link_customer_subject(shop.id, PASSWORDS, issuer, subject,
                                           name=user.nickname)
    await sign_in_session(request, shop, customer)
    return Redirect(safe_next(pending.get("next"), "/", "/account"), status_code=303)


@post("/console/sign-in-provider/wechat", name="console:wechat-provider-save",
      guards=[require_staff])
async def save(request: Request, shop: Shop, runtime: Runtime) -> Response:
    if staff_of(request)["role"] not in MANAGERS:
        raise Forbidden("Only the owner and admins change how shoppers sign in")
    form = await request.form()
    kind = str(form.get("kind") or "")
    enabled = str(form.get("enabled") or "") in ("on", "true", "1")
    try:
        await wechat_login.save_wechat_app(
            shop.id, kind, appid=str(form.get("appid") or ""),
            secret=str(form.get("secret") or ""), enabled=enabled)
    except ValidationFailed as exc:
        return await provider_page(request, runtime, shop, status_code=422, wechat_errors={
            "kind": kind, **{e.field: e.message for e in exc.errors}})
    if kind == "wechat_web":
        await oidc.flag_shop(shop.id, "WeChat" if enabled else None, key=SHOP_FLAG)
    return await provider_page(request, runtime, shop, saved=True)


wechat_router = Router(path="/", guards=[shop_host_only], route_handlers=[start, callback, save],
                       exception_handlers={LoginRequired: to_login}, include_in_schema=False)

__all__ = ["wechat_router"]

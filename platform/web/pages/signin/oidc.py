"""Sign-in with an OpenID Connect provider, for staff (the platform's provider, on the
platform host) and for shoppers (the shop's own provider, on the shop's host); the shop's
provider settings in the console; "sign out everywhere" for staff.

The provider redirects back to one fixed callback per host — register exactly these with it:
`https://{domain}/login/oidc/callback` (staff) and
`https://{shop host}/account/sign-in/oidc/callback` (shoppers of that shop).
What the flow keeps between the two legs (state, nonce, PKCE verifier) lives in the
server-side session under `oidc`, and is spent by the callback, right or wrong.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect

from galleria.auth import identities, oidc
from galleria.auth.wechat_login import wechat_settings
from galleria.kernel.errors import Forbidden, ValidationFailed
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
from galleria.web.pages.render import JINJA_ENV, platform_base_url
from galleria.web.pages.signin.sessions import end_session, safe_next, session_user, start_session
from galleria.web.shoppers import PASSWORDS, sign_in_session
from galleria.web.staff_sessions import sign_out_everywhere

# `state` is a reserved handler argument in Litestar: the OAuth parameter is read by name.
OAuthState = Annotated[str, QueryParameter(name="state")]
PENDING_KEY = "oidc"
SIGN_IN_PER_IP = (30, 300)  # starts of an outside sign-in per address and 5 minutes


def platform_sign_in_label() -> str | None:
    """The label of the staff "Sign in with …" button, or None without a platform provider."""
    provider = oidc.platform_provider()
    return (provider.label or "SSO") if provider else None


JINJA_ENV.globals["oidc_platform_label"] = platform_sign_in_label


def _session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def _keep_pending(request: Request, pending: oidc.Pending) -> None:
    request.set_session({**_session(request), PENDING_KEY: pending.to_session()})


def _take_pending(request: Request) -> oidc.Pending | None:
    """The kept sign-in attempt, removed from the session: a state is good for one callback."""
    session = dict(_session(request))
    pending = oidc.Pending.from_session(session.pop(PENDING_KEY, None))
    request.clear_session()
    if session:
        request.set_session(session)
    return pending


async def _limit(runtime: Runtime, request: Request) -> None:
    ip = request.client.host if request.client else "unknown"
    await runtime.limiter.hit(f"oidc-start:{ip}", *SIGN_IN_PER_IP)


# -- staff, on the platform host ---------------------------------------------------------------
def _staff_provider() -> oidc.Provider:
    provider = oidc.platform_provider()
    if provider is None:
        raise oidc.SignInRefused("Sign-in with an outside provider is not set up here")
    return provider


@get("/login/oidc", name="platform:oidc")
async def staff_start(request: Request, runtime: Runtime,
                      shop_slug: Annotated[str, QueryParameter(name="shop")] = "") -> Response:
    """To the platform's provider; back at the callback, then to `shop`'s console."""
    provider = _staff_provider()
    await _limit(runtime, request)
    redirect_uri = f"{platform_base_url(request)}/login/oidc/callback"
    url, pending = await oidc.begin(provider, redirect_uri, next_path=shop_slug[:40])
    _keep_pending(request, pending)
    return Redirect(url, status_code=303)


@get("/login/oidc/callback", name="platform:oidc-callback")
async def staff_callback(request: Request, code: str = "",
                         oauth_state: OAuthState = "",
                         error: str = "") -> Response:
    pending = _take_pending(request)
    identity = await oidc.finish(_staff_provider(), pending, state=oauth_state, code=code,
                                 error=error)
    user = await identities.link_staff(identity)
    await start_session(request, {"user_id": user["id"], "email": user["email"]})
    slug = pending.next if pending else ""
    return Redirect(f"/go/{quote(slug, safe='')}" if slug else "/login", status_code=303)


@post("/logout-everywhere", name="platform:logout-everywhere")
async def staff_logout_everywhere_platform(request: Request) -> Response:
    user = session_user(request)
    if user is not None:
        await sign_out_everywhere(request.app.stores.get("sessions"), user["user_id"])
    end_session(request)
    return Redirect("/login", status_code=303)


oidc_platform_router = Router(path="/", guards=[platform_host_only], route_handlers=[
    staff_start, staff_callback, staff_logout_everywhere_platform], include_in_schema=False)


# -- shoppers, on the shop's host --------------------------------------------------------------
async def _shop_provider(shop: Shop) -> oidc.Provider:
    provider = await oidc.shop_provider(shop.id)
    if provider is None:
        raise oidc.SignInRefused("This shop does not offer sign-in with another account")
    return provider


def _shop_callback(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/account/sign-in/oidc/callback"


@get("/account/sign-in/oidc", name="account:oidc")
async def shopper_start(request: Request, shop: Shop, runtime: Runtime,
                        next: str = "") -> Response:
    provider = await _shop_provider(shop)
    await _limit(runtime, request)
    url, pending = await oidc.begin(provider, _shop_callback(request),
                                    next_path=safe_next(next, "/", "/account"))
    _keep_pending(request, pending)
    return Redirect(url, status_code=303)


@get("/account/sign-in/oidc/callback", name="account:oidc-callback")
async def shopper_callback(request: Request, shop: Shop, code: str = "",
                           oauth_state: OAuthState = "",
                           error: str = "") -> Response:
    pending = _take_pending(request)
    identity = await oidc.finish(await _shop_provider(shop), pending, state=oauth_state,
                                 code=code, error=error)
    customer = await identities.link_customer(shop.id, PASSWORDS, identity)
    await sign_in_session(request, shop, customer)
    return Redirect(safe_next(pending.next if pending else "", "/", "/account"),
                    status_code=303)


# -- the console: the shop's provider; sign out everywhere ---------------------------------------
async def provider_page(request: Request, runtime: Runtime, shop: Shop, *,
                        values: dict[str, Any] | None = None,
                        errors: dict[str, str] | None = None, saved: bool = False,
                        wechat_errors: dict[str, str] | None = None,
                        status_code: int = 200) -> Response:
    """The console's "Shopper sign-in" page: the OpenID Connect provider and WeChat apps."""
    current = await oidc.shop_provider_settings(shop.id)
    return await console_page(
        request, runtime, "console/oidc_provider.html", "sign-in-provider",
        status_code=status_code, values=values or current, has_secret=current["has_secret"],
        errors=errors or {}, saved=saved, callback_url=_shop_callback(request),
        wechat=await wechat_settings(shop.id), wechat_errors=wechat_errors or {},
        can_manage=staff_of(request)["role"] in MANAGERS)


@get("/console/sign-in-provider", name="console:oidc-provider", guards=[require_staff])
async def provider_form(request: Request, shop: Shop, runtime: Runtime) -> Response:
    return await provider_page(request, runtime, shop)


@post("/console/sign-in-provider", name="console:oidc-provider-save", guards=[require_staff])
async def provider_save(request: Request, shop: Shop, runtime: Runtime) -> Response:
    if staff_of(request)["role"] not in MANAGERS:
        raise Forbidden("Only the owner and admins change how shoppers sign in")
    form = await request.form()
    values = {name: str(form.get(name) or "").strip()
              for name in ("issuer", "client_id", "client_secret", "scopes", "label")}
    values["enabled"] = str(form.get("enabled") or "") in ("on", "true", "1")
    try:
        await oidc.save_shop_provider(shop.id, **values)
    except ValidationFailed as exc:
        values.pop("client_secret")
        return await provider_page(request, runtime, shop, values=values, status_code=422,
                                    errors={e.field: e.message for e in exc.errors})
    oidc.forget_provider(values["issuer"].rstrip("/"))
    return await provider_page(request, runtime, shop, saved=True)


@post("/console/logout-everywhere", name="console:logout-everywhere")
async def console_logout_everywhere(request: Request) -> Response:
    """End every session of the signed-in staff member, on every device."""
    user = session_user(request)
    if user is not None:
        await sign_out_everywhere(request.app.stores.get("sessions"), user["user_id"])
    end_session(request)
    return Redirect("/console/login", status_code=303)


oidc_shop_router = Router(path="/", guards=[shop_host_only], route_handlers=[
    shopper_start, shopper_callback, provider_form, provider_save, console_logout_everywhere,
], exception_handlers={LoginRequired: to_login}, include_in_schema=False)

OIDC_ROUTES = [oidc_platform_router, oidc_shop_router]

__all__ = ["OIDC_ROUTES", "platform_sign_in_label", "provider_page"]

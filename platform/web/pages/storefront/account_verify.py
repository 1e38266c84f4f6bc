"""Verifying a shopper's email or phone from the account pages: send a code, type it in.

The rules are the kernel's (`galleria.kernel.customers.verification`); the code travels
through the shop's email or SMS channel. Mounted in the account router.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel.customers import verification
from galleria.kernel.errors import DomainError, RateLimited
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.i18n import N_
from galleria.web.pages.render import gettext_for, page
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import current_customer, limit_code_tries, send_verification_code

CANNOT_SEND = N_("This shop cannot send codes there yet.")


def _channel(value: str) -> str:
    return value if value in verification.CHANNELS else "email"


async def _show(request: Request, shop: Shop, channel: str, *, sent: bool = False,
                error: str = "", status_code: int = 200) -> Response:
    me = await current_customer(request)
    return page(request, "storefront/account/verify.html", status_code=status_code, me=me,
                channel=channel, target=getattr(me, channel, ""), sent=sent, error=error,
                logo_url=logo_url(shop), q="", active="orders")


@get("/verify", name="account:verify")
async def verify_form(request: Request, shop: Shop, channel: str = "email",
                      sent: str = "") -> Response:
    if await current_customer(request) is None:
        return Redirect("/account/sign-in?next=%2Faccount", status_code=303)
    return await _show(request, shop, _channel(channel), sent=bool(sent))


@post("/verify/send", name="account:verify-send")
async def send_code(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    me = await current_customer(request)
    if me is None:
        return Redirect("/account/sign-in?next=%2Faccount", status_code=303)
    channel = _channel(str((await request.form()).get("channel") or ""))
    try:
        await send_verification_code(runtime, request, shop, me, channel)
    except RateLimited:
        return await _show(request, shop, channel, status_code=429,
                           error=_("Too many attempts. Please wait a few minutes."))
    except DomainError as exc:  # no channel reaches it, no such address, verified already
        message = _(CANNOT_SEND) if exc.extra.get("channel") else exc.detail
        return await _show(request, shop, channel, error=message, status_code=409)
    return Redirect(f"/account/verify?channel={channel}&sent=1", status_code=303)


@post("/verify", name="account:verify-submit")
async def confirm_code(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    me = await current_customer(request)
    if me is None:
        return Redirect("/account/sign-in?next=%2Faccount", status_code=303)
    form = await request.form()
    channel = _channel(str(form.get("channel") or ""))
    try:
        await limit_code_tries(runtime, request)
    except RateLimited:
        return await _show(request, shop, channel, sent=True, status_code=429,
                           error=_("Too many attempts. Please wait a few minutes."))
    try:
        await verification.confirm_code(shop.id, me.id, channel, str(form.get("code") or ""))
    except DomainError:
        return await _show(request, shop, channel, sent=True, status_code=422,
                           error=_("That code is wrong or has expired. Try again, or send a "
                                   "new one."))
    return Redirect(f"/account?verified={channel}", status_code=303)


ROUTES = [verify_form, send_code, confirm_code]

__all__ = ["ROUTES"]

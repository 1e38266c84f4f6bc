"""Signing in with a texted code (验证码登录) from the storefront, next to the password.

One form: "Get code" texts a code to the number (same answer for any number), "Sign in"
checks it and signs the session in, opening an account for a new number where the shop
allows it. Offered only while the shop has an SMS channel. The rules are the kernel's
(`galleria.kernel.customers.sms_sign_in`). Mounted in the account router.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel.customers import sms_sign_in
from galleria.kernel.customers.accounts import SignInFailed
from galleria.kernel.errors import Conflict, RateLimited, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.pages.render import gettext_for, page
from galleria.web.pages.signin.sessions import safe_next
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import (
    send_sign_in_code,
    sign_in_session,
    sign_in_with_code,
    sms_sign_in_offered,
)


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def _show(request: Request, shop: Shop, *, phone: str = "", next_path: str = "/account",
          sent_to: str = "", error: str = "", phone_error: str = "", code_error: str = "",
          status_code: int = 200) -> Response:
    minutes = int(sms_sign_in.CODE_TTL.total_seconds() // 60)
    return page(request, "storefront/account/sign_in_sms.html", status_code=status_code,
                values={"phone": phone}, next=next_path, sent_to=sent_to, error=error,
                phone_error=phone_error, code_error=code_error, minutes=minutes,
                resend_after=int(sms_sign_in.RESEND_AFTER.total_seconds()),
                signup=sms_sign_in.signup_open(shop.settings),
                logo_url=logo_url(shop), q="")


async def _values(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {"phone": str(form.get("phone") or "").strip()[:32],
            "code": str(form.get("code") or "").strip()[:12],
            "next": safe_next(str(form.get("next") or ""), "/", "/account")}


@get("/sign-in/sms", name="account:sign-in-sms")
async def sms_form(request: Request, shop: Shop, runtime: Runtime,
                   next: str = "") -> Response:
    next_path = safe_next(next, "/", "/account")
    if not await sms_sign_in_offered(runtime, shop):
        return Redirect(f"/account/sign-in?next={next_path}", status_code=303)
    return _show(request, shop, next_path=next_path)


@post("/sign-in/sms/send", name="account:sign-in-sms-send")
async def sms_send(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    values = await _values(request)
    keep = {"phone": values["phone"], "next_path": values["next"]}
    try:
        phone = await send_sign_in_code(runtime, request, shop, values["phone"])
    except ValidationFailed:
        return _show(request, shop, **keep, status_code=422,
                     phone_error=_("Enter a mainland China mobile number (11 digits)."))
    except RateLimited as exc:
        wait = exc.extra.get("retry_after")
        message = (_("A code was just sent. You can ask for another in %(seconds)s seconds.")
                   % {"seconds": wait} if isinstance(wait, int) and wait <= 60
                   else _("Too many codes asked for. Please try again later."))
        return _show(request, shop, **keep, status_code=429, error=message)
    except Conflict:
        return _show(request, shop, **keep, status_code=409,
                     error=_("This shop does not offer signing in with a code."))
    return _show(request, shop, phone=phone, next_path=values["next"],
                 sent_to=_masked(phone))


@post("/sign-in/sms", name="account:sign-in-sms-submit")
async def sms_submit(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    values = await _values(request)
    keep = {"phone": values["phone"], "next_path": values["next"]}
    if not values["code"]:
        return _show(request, shop, **keep, status_code=422,
                     code_error=_("Enter the six-digit code we texted you."))
    try:
        customer, _created = await sign_in_with_code(runtime, request, shop,
                                                     values["phone"], values["code"])
    except sms_sign_in.CodeInvalid:
        return _show(request, shop, **keep, status_code=422,
                     code_error=_("The code is wrong or has expired. Check it, or get a "
                                  "new code."))
    except ValidationFailed:
        return _show(request, shop, **keep, status_code=422,
                     phone_error=_("Enter a mainland China mobile number (11 digits)."))
    except RateLimited:
        return _show(request, shop, **keep, status_code=429,
                     error=_("Too many sign-in attempts. Please wait a few minutes."))
    except SignInFailed:
        return _show(request, shop, **keep, status_code=401,
                     error=_("No account here uses this number. Please create an account "
                             "first."))
    except Conflict:
        return _show(request, shop, **keep, status_code=409,
                     error=_("This shop does not offer signing in with a code."))
    await sign_in_session(request, shop, customer)
    return Redirect(values["next"], status_code=303)


ROUTES = [sms_form, sms_send, sms_submit]

__all__ = ["ROUTES"]

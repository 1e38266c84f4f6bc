"""Platform host pages (the bare domain): landing, signup, staff sign-in, sign-out."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.auth.ratelimit import check_sign_in, record_failure, signin_keys
from galleria.auth.staff import authenticate, role_in, shops_of
from galleria.kernel import db
from galleria.kernel.errors import EmailTaken, RateLimited, SlugTaken, ValidationFailed
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.templates import ShopTemplate
from galleria.runtime import Runtime
from galleria.web.api.platform import signup_shop
from galleria.web.context import platform_host_only
from galleria.web.i18n import translate_message
from galleria.web.pages.render import (
    gettext_for,
    page,
    request_locale,
    shop_base_url,
)
from galleria.web.pages.signin.sessions import (
    client_ip,
    end_session,
    issue_ticket,
    session_user,
    start_session,
)


def template_cards(runtime: Runtime, locale: str) -> list[dict[str, Any]]:
    """The shop templates as the landing gallery and the signup picker show them."""
    zh = locale == "zh_CN"

    def card(t: ShopTemplate) -> dict[str, Any]:
        products = [(p.name if zh else p.name_en or p.name) for p in t.products]
        return {
            "name": t.name, "color": t.theme_color,
            "title": (t.title if zh else t.title_en) or t.title or t.title_en or t.name,
            "description": (t.description if zh else t.description_en) or t.description,
            "products": len(t.products), "categories": len(t.categories),
            "samples": products[:3], "plugins": list(t.plugins),
        }

    ordered = sorted(runtime.templates.values(), key=lambda t: (t.name == "blank", t.name))
    return [card(t) for t in ordered]


async def _console_ticket_url(request: Request, runtime: Runtime, user_id: int,
                              slug: str) -> str:
    ticket = issue_ticket(runtime.settings.secret_key, user_id, slug)
    return f"{shop_base_url(request, slug)}/console/welcome?ticket={ticket}"


async def landing(request: Request, runtime: Runtime) -> Response:
    user = session_user(request)
    shops = await shops_of(user["user_id"]) if user else []
    return page(request, "platform/landing.html",
                templates=template_cards(runtime, request_locale(request)), my_shops=shops,
                domain=runtime.settings.domain)


# -- signup ----------------------------------------------------------------------------------
SIGNUP_FIELDS = ("shop_name", "slug", "email", "password", "template")


def _signup_page(request: Request, runtime: Runtime, values: dict[str, str],
                 errors: dict[str, str], form_error: str = "", status_code: int = 200
                 ) -> Response:
    port = request.url.port
    return page(request, "platform/signup.html", status_code=status_code,
                values=values, errors=errors, form_error=form_error,
                templates=template_cards(runtime, request_locale(request)),
                domain_suffix=f".{runtime.settings.domain}"
                              + (f":{port}" if port and port not in (80, 443) else ""))


@get("/signup", name="platform:signup")
async def signup_form(request: Request, runtime: Runtime, template: str = "") -> Response:
    chosen = template if template in runtime.templates else "blank"
    return _signup_page(request, runtime, {"template": chosen}, {})


@post("/signup", name="platform:signup-submit")
async def signup_submit(request: Request, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    locale = request_locale(request)
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in SIGNUP_FIELDS}
    values["slug"] = values["slug"].strip().lower()
    values["email"] = values["email"].strip()
    data = {**values, "template": values["template"] or None}
    errors: dict[str, str] = {}
    form_error = ""
    try:
        result = await signup_shop(runtime, request, data)
    except ValidationFailed as exc:
        for error in exc.errors:
            errors.setdefault(error.field, translate_message(locale, error.message))
        form_error = _("Please correct the highlighted fields.")
    except SlugTaken:
        errors["slug"] = _("This address is taken; choose another one.")
    except EmailTaken:
        errors["email"] = _("An account with this email exists. Enter its password to open "
                            "another shop, or sign in.")
    except RateLimited:
        form_error = _("Too many signups from your network. Please try again later.")
    if errors or form_error:
        values["password"] = ""
        return _signup_page(request, runtime, values, errors, form_error, status_code=422)
    owner_id = result["owner_id"]
    slug = result["shop"]["slug"]
    await start_session(request, {"user_id": owner_id, "email": values["email"].lower()})
    return Redirect(await _console_ticket_url(request, runtime, owner_id, slug),
                    status_code=303)


# -- sign-in ---------------------------------------------------------------------------------
@get("/login", name="platform:login")
async def login_form(request: Request) -> Response:
    user = session_user(request)
    shops = await shops_of(user["user_id"]) if user else []
    return page(request, "platform/login.html", values={}, error="", my_shops=shops)


@post("/login", name="platform:login-submit")
async def login_submit(request: Request, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    keys = signin_keys(client_ip(request), email)
    try:
        await check_sign_in(runtime.limiter, keys)
    except RateLimited:
        return page(request, "platform/login.html", status_code=429, values={"email": email},
                    error=_("Too many sign-in attempts. Please wait a few minutes."),
                    my_shops=[])
    user = await authenticate(email, password) if email and password else None
    if user is None:
        await record_failure(runtime.limiter, keys)
        return page(request, "platform/login.html", status_code=401, values={"email": email},
                    error=_("Wrong email or password."), my_shops=[])
    await start_session(request, {"user_id": user["id"], "email": user["email"]})
    shops = await shops_of(user["id"])
    if not shops:
        return page(request, "platform/login.html", values={}, error="", my_shops=[],
                    no_shops=True, session_user=user["email"])
    return Redirect(await _console_ticket_url(request, runtime, user["id"], shops[0]["slug"]),
                    status_code=303)


@get("/go/{slug:str}", name="platform:go")
async def go_to_console(request: Request, runtime: Runtime, slug: str) -> Response:
    """From the platform to one of the signed-in user's shops (a fresh ticket)."""
    user = session_user(request)
    if user is None:
        return Redirect("/login", status_code=303)
    shop = await get_shop(slug)
    if shop is not None:
        async with db.shop_scope(shop.id):
            role = await role_in(user["user_id"], shop.id)
        if role:
            return Redirect(await _console_ticket_url(request, runtime, user["user_id"], slug),
                            status_code=303)
    return Redirect("/login", status_code=303)


@post("/logout", name="platform:logout")
async def logout(request: Request) -> Response:
    end_session(request)
    return Redirect("/", status_code=303)


platform_router = Router(path="/", guards=[platform_host_only], route_handlers=[
    signup_form, signup_submit, login_form, login_submit, go_to_console, logout,
], include_in_schema=False)

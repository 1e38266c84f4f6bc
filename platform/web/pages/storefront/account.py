"""The shopper's account pages on a shop's host: register, sign in, sign out, the account
home (profile and order history) and the address book.

The shopper is kept in the session (galleria.web.shoppers); pages of the account send a
guest to `/account/sign-in?next=…`. Forms post back to themselves and show the kernel's
field errors inline, in the visitor's language.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel.customers import accounts, addresses, history, recovery
from galleria.kernel.customers.accounts import CustomerView
from galleria.kernel.errors import DomainError, NotFound, RateLimited, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web import regions
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_, translate_message
from galleria.web.pages.order_states import STATUS_TITLES, STATUS_TONES
from galleria.web.pages.render import JINJA_ENV, gettext_for, page, request_locale
from galleria.web.pages.signin.sessions import safe_next
from galleria.web.pages.storefront import account_sms, account_verify, checkout_form
from galleria.web.pages.storefront.plugin_pages import account_panels, storefront_links
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.pagination import decode_cursor, encode_cursor
from galleria.web.shoppers import (
    CUSTOMER_KEY,
    PASSWORDS,
    current_customer,
    limit_register,
    limit_reset,
    limited_sign_in,
    sign_in_session,
    sign_out_session,
    sms_sign_in_offered,
)

ORDERS_PER_PAGE = 10
# Field messages of the customers kernel, as the shopper reads them; the address messages
# are the checkout's (the same kernel check, the same words).
MESSAGES = {
    **checkout_form.MESSAGES,
    "give an email or a phone number": N_("Give an email or a phone number"),
    "already registered in this shop": N_("Already registered here: sign in instead"),
}
ADDRESS_FORM = ("name", "phone", "country", "province", "city", "district", "line1", "line2",
                "postal_code")


def signed_in_hint(request: Any) -> bool:
    """Whether the session names a shopper (for the header link; no database read)."""
    try:
        session = request.scope.get("session")
    except AttributeError:
        return False
    return isinstance(session, dict) and bool(session.get(CUSTOMER_KEY))


JINJA_ENV.globals["shopper_signed_in"] = signed_in_hint


def _page(request: Request, shop: Shop, template: str, **context: Any) -> Response:
    return page(request, f"storefront/account/{template}", logo_url=logo_url(shop), q="",
                **context)


def _to_sign_in(request: Request) -> Redirect:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/account/sign-in?next={quote(here, safe='')}", status_code=303)


def _field_errors(request: Request, exc: DomainError) -> dict[str, str]:
    locale, _ = request_locale(request), gettext_for(request)
    errors: dict[str, str] = {}
    for error in exc.errors:
        friendly = MESSAGES.get(error.message)
        errors.setdefault(error.field, _(friendly) if friendly
                          else translate_message(locale, error.message))
    return errors


async def _form(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "").strip() for name in names}


# -- register, sign in, sign out ---------------------------------------------------------------
@get("/register", name="account:register")
async def register_form(request: Request, shop: Shop, next: str = "") -> Response:
    """`next`: where to go once registered (a share page carries a referral through)."""
    return _page(request, shop, "register.html", values={}, errors={}, form_error="",
                 next=safe_next(next, default=""))


@post("/register", name="account:register-submit")
async def register_submit(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    values = await _form(request, ("name", "email", "phone"))
    password = str((await request.form()).get("password") or "")
    errors: dict[str, str] = {}
    form_error = ""
    try:
        await limit_register(runtime, request, shop)
        customer = await accounts.register(shop.id, PASSWORDS, password=password, **values)
    except ValidationFailed as exc:
        errors = _field_errors(request, exc)
        form_error = _("Please correct the highlighted fields.")
    except accounts.CustomerExists as exc:
        errors = _field_errors(request, exc)
        form_error = _("You already have an account here. Sign in instead.")
    except RateLimited:
        form_error = _("Too many attempts. Please wait a few minutes.")
    after = safe_next(str((await request.form()).get("next") or ""), default="")
    if errors or form_error:
        return _page(request, shop, "register.html", status_code=422, values=values,
                     errors=errors, form_error=form_error, next=after)
    await sign_in_session(request, shop, customer)
    return Redirect(after or "/account", status_code=303)


@get("/sign-in", name="account:sign-in")
async def sign_in_form(request: Request, shop: Shop, runtime: Runtime,
                       next: str = "") -> Response:
    return _page(request, shop, "sign_in.html", values={}, error="",
                 next=safe_next(next, "/", "/account"),
                 sms_sign_in=await sms_sign_in_offered(runtime, shop))


@post("/sign-in", name="account:sign-in-submit")
async def sign_in_submit(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    values = await _form(request, ("login", "next"))
    password = str((await request.form()).get("password") or "")
    next_path = safe_next(values["next"], "/", "/account")
    try:
        customer = await limited_sign_in(
            runtime, request, shop, values["login"],
            lambda: accounts.authenticate(shop.id, PASSWORDS, values["login"], password))
    except RateLimited:
        return _page(request, shop, "sign_in.html", status_code=429, values=values,
                     next=next_path, sms_sign_in=await sms_sign_in_offered(runtime, shop),
                     error=_("Too many sign-in attempts. Please wait a few minutes."))
    except accounts.SignInFailed:
        return _page(request, shop, "sign_in.html", status_code=401, values=values,
                     next=next_path, sms_sign_in=await sms_sign_in_offered(runtime, shop),
                     error=_("Wrong email, phone or password."))
    await sign_in_session(request, shop, customer)
    return Redirect(next_path, status_code=303)


@post("/sign-out", name="account:sign-out")
async def sign_out(request: Request, shop: Shop) -> Response:
    await sign_out_session(request, shop)
    return Redirect("/", status_code=303)


# -- forgotten password, account deletion ----------------------------------------------------------
@get("/forgot", name="account:forgot")
async def forgot_form(request: Request, shop: Shop) -> Response:
    return _page(request, shop, "forgot.html", values={}, sent=False, error="")


@post("/forgot", name="account:forgot-submit")
async def forgot_submit(request: Request, shop: Shop, runtime: Runtime) -> Response:
    """The same answer whether or not the account exists (the link goes to its owner)."""
    _ = gettext_for(request)
    values = await _form(request, ("login",))
    try:
        await limit_reset(runtime, request, shop, values["login"])
    except RateLimited:
        return _page(request, shop, "forgot.html", status_code=429, values=values, sent=False,
                     error=_("Too many attempts. Please wait a few minutes."))
    await recovery.request_password_reset(shop.id, values["login"],
                                          origin=str(request.base_url).rstrip("/"))
    return _page(request, shop, "forgot.html", values=values, sent=True, error="")


@get("/reset", name="account:reset")
async def reset_form(request: Request, shop: Shop, token: str = "") -> Response:
    return _page(request, shop, "reset.html", token=token[:100], errors={}, form_error="")


@post("/reset", name="account:reset-submit")
async def reset_submit(request: Request, shop: Shop) -> Response:
    """Set the new password and sign in (the link proved the shopper owns the account)."""
    _ = gettext_for(request)
    form = await request.form()
    token = str(form.get("token") or "")[:100]
    try:
        customer = await recovery.reset_password(shop.id, PASSWORDS, token,
                                                 str(form.get("password") or ""))
    except recovery.ResetTokenInvalid:
        return _page(request, shop, "reset.html", status_code=422, token="", errors={},
                     form_error=_("This link is invalid, expired or already used. "
                                  "Ask for a new one."))
    except ValidationFailed as exc:
        return _page(request, shop, "reset.html", status_code=422, token=token,
                     errors=_field_errors(request, exc),
                     form_error=_("Please correct the highlighted fields."))
    await sign_in_session(request, shop, customer)
    return Redirect("/account", status_code=303)


@get("/delete", name="account:delete")
async def delete_form(request: Request, shop: Shop) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    return _page(request, shop, "delete.html", me=me, errors={})


@post("/delete", name="account:delete-submit")
async def delete_submit(request: Request, shop: Shop, runtime: Runtime) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    password = str((await request.form()).get("password") or "")
    try:
        await limited_sign_in(runtime, request, shop, me.email or me.phone or str(me.id),
                              lambda: recovery.close_account(shop.id, PASSWORDS, me.id,
                                                             password),
                              failed=(ValidationFailed,))
    except (ValidationFailed, RateLimited) as exc:
        _ = gettext_for(request)
        error = (_("Wrong password.") if isinstance(exc, ValidationFailed)
                 else _("Too many attempts. Please wait a few minutes."))
        return _page(request, shop, "delete.html", status_code=422, me=me,
                     errors={"password": error})
    await sign_out_session(request, shop, keep_cart=False)  # the account is gone
    return Redirect("/", status_code=303)


# -- account home: profile and orders ------------------------------------------------------------
@get("/", name="account:home")
async def account_home(request: Request, shop: Shop, runtime: Runtime,
                       cursor: str = "") -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    before = decode_cursor(cursor).get("id") if cursor else None
    orders = await history.order_history(
        shop.id, me.id, before_id=before if type(before) is int else None,
        limit=ORDERS_PER_PAGE + 1)
    more = len(orders) > ORDERS_PER_PAGE
    orders = orders[:ORDERS_PER_PAGE]
    positions = [order.pop("_position") for order in orders]
    default = await addresses.default_address(shop.id, me.id)
    panels = await account_panels(runtime.host, shop, me.id)  # points, referral… (plugins)
    return _page(request, shop, "home.html", me=me, orders=orders, default_address=default,
                 panels=panels,
                 plugin_links=await storefront_links(request, shop, "account"),
                 **_status_words(), first_page=not cursor,
                 next_cursor=encode_cursor(positions[-1]) if more else None, active="orders")


def _status_words() -> dict[str, dict[str, str]]:
    """The order states as the storefront's order pages name and colour them (GLOSSARY.md)."""
    return {"status_labels": STATUS_TITLES, "status_tones": STATUS_TONES}


# -- address book ----------------------------------------------------------------------------------
@get("/addresses", name="account:addresses")
async def address_book(request: Request, shop: Shop) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    return _page(request, shop, "addresses.html", me=me, active="addresses",
                 addresses=await addresses.list_addresses(shop.id, me.id),
                 limit=addresses.MAX_ADDRESSES)


@get("/addresses/new", name="account:address-new")
async def new_address(request: Request, shop: Shop) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    return _address_page(request, shop, me, {"country": "CN"}, {})


@post("/addresses/new", name="account:address-add")
async def add_address(request: Request, shop: Shop) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    values, data = await _address_values(request)
    if (await request.form()).get("action") == "regions":  # no JavaScript: the next list
        return _address_page(request, shop, me, values, {})
    try:
        await addresses.add_address(shop.id, me.id, data)
    except ValidationFailed as exc:
        _ = gettext_for(request)
        full = _("Your address book is full. Remove an address first.")
        return _address_page(request, shop, me, values, _field_errors(request, exc),
                             form_error="" if exc.errors else full)
    return Redirect("/account/addresses", status_code=303)


@get("/addresses/{address_id:int}/edit", name="account:address-edit")
async def edit_address(request: Request, shop: Shop, address_id: int) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    address = await addresses.get_address(shop.id, me.id, address_id)
    return _address_page(request, shop, me, address, {}, address_id=address_id)


@post("/addresses/{address_id:int}/edit", name="account:address-save")
async def save_address(request: Request, shop: Shop, address_id: int) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    values, data = await _address_values(request)
    if (await request.form()).get("action") == "regions":  # no JavaScript: the next list
        return _address_page(request, shop, me, values, {}, address_id=address_id)
    try:
        await addresses.update_address(shop.id, me.id, address_id, data)
    except ValidationFailed as exc:
        return _address_page(request, shop, me, values, _field_errors(request, exc),
                             address_id=address_id)
    return Redirect("/account/addresses", status_code=303)


@post("/addresses/{address_id:int}/delete", name="account:address-delete")
async def delete_address(request: Request, shop: Shop, address_id: int) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    with suppress(NotFound):  # removed already (a second click): the list shows what is left
        await addresses.remove_address(shop.id, me.id, address_id)
    return Redirect("/account/addresses", status_code=303)


@post("/addresses/{address_id:int}/default", name="account:address-default")
async def make_default(request: Request, shop: Shop, address_id: int) -> Response:
    me = await current_customer(request)
    if me is None:
        return _to_sign_in(request)
    await addresses.set_default(shop.id, me.id, address_id)
    return Redirect("/account/addresses", status_code=303)


async def _address_values(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the form sent: the values to show again, and the data for the kernel."""
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in ADDRESS_FORM}
    values["is_default"] = form.get("is_default") == "on"
    data = {name: value for name, value in values.items() if value != ""}
    return values, data


def _address_page(request: Request, shop: Shop, me: CustomerView, values: dict[str, Any],
                  errors: dict[str, str], *, address_id: int | None = None,
                  form_error: str = "") -> Response:
    _ = gettext_for(request)
    if errors and not form_error:
        form_error = _("Please correct the highlighted fields.")
    return _page(request, shop, "address_form.html", status_code=422 if form_error else 200,
                 me=me, values=values, errors=errors, form_error=form_error,
                 countries=checkout_form.countries(request_locale(request)),
                 levels=regions.cascade(str(values.get("province") or ""),
                                        str(values.get("city") or "")),
                 address_id=address_id, active="addresses")


account_router = Router(path="/account", guards=[shop_host_only], route_handlers=[
    register_form, register_submit, sign_in_form, sign_in_submit, sign_out, forgot_form,
    forgot_submit, reset_form, reset_submit, delete_form, delete_submit, account_home,
    address_book, new_address, add_address, edit_address, save_address, delete_address,
    make_default, *account_verify.ROUTES, *account_sms.ROUTES,
], include_in_schema=False)

__all__ = ["account_router", "signed_in_hint"]

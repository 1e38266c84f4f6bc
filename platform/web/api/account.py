"""Shopper accounts API (shop host): register, sign in and out, profile, address book,
order history. Thin: the rules live in galleria.kernel.customers.

API clients (mini-program, app) sign in for a bearer token of this shop and this customer
(`Authorization: Bearer gcs_…`, 30 days, revoked by signing out); the storefront pages use
the session instead (galleria.web.pages.storefront.account). Both reach these handlers through
`galleria.web.shoppers.provide_customer`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.customers import (
    accounts,
    addresses,
    cart_merge,
    history,
    recovery,
    sms_sign_in,
    tokens,
    verification,
)
from galleria.kernel.customers.accounts import CustomerView
from galleria.kernel.errors import Unauthorized, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.answers_orders import (
    Customer,
    CustomerSession,
    Notice,
    PastOrderPage,
    SavedAddress,
    SavedAddressList,
    SmsCodeSent,
)
from galleria.web.idempotency import idempotent
from galleria.web.openapi import SAVED_ADDRESS
from galleria.web.pagination import decode_cursor
from galleria.web.pagination import page as paginate
from galleria.web.shoppers import (
    PASSWORDS,
    limit_code_tries,
    limit_register,
    limit_reset,
    limited_sign_in,
    provide_customer,
    send_sign_in_code,
    send_verification_code,
    sign_in_with_code,
    sign_out_session,
)

Text = Annotated[str, msgspec.Meta(max_length=300)]
Channel = Annotated[str, msgspec.Meta(pattern="^(email|phone)$")]
CartId = Annotated[str, msgspec.Meta(max_length=32)]
SavedAddressBody = Annotated[dict[str, Any], SAVED_ADDRESS]  # checked by the kernel


class RegisterBody(msgspec.Struct, forbid_unknown_fields=True):
    password: Text
    email: Text | None = None
    phone: Text | None = None
    name: Text | None = None
    cart_id: CartId | None = None  # a guest cart to make this account's


class ResetRequestBody(msgspec.Struct, forbid_unknown_fields=True):
    login: Text  # the account's email or phone number


class ResetBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Text
    password: Text


class PasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    password: Text


class SignInBody(msgspec.Struct, forbid_unknown_fields=True):
    password: Text
    login: Text | None = None  # an email or a phone number
    email: Text | None = None
    phone: Text | None = None
    cart_id: CartId | None = None  # a guest cart to merge into the account's cart

    @property
    def identity(self) -> str:
        return self.login or self.email or self.phone or ""


def _signed_in(customer: CustomerView | None) -> CustomerView:
    if customer is None:
        raise Unauthorized("Sign in first: Authorization: Bearer <token from sign-in>")
    return customer


async def _session_answer(shop: Shop, customer: CustomerView, cart_id: str | None,
                          status_code: int) -> Response[CustomerSession]:
    """The token for the customer and their cart (the guest cart merged into it)."""
    issued = await tokens.issue_api_token(shop.id, customer.id)
    cart = await cart_merge.merge_guest_cart(shop, cart_id, customer.id)
    return Response({"customer": customer.to_json(), "token": issued.token,
                     "expires_at": issued.expires_at.isoformat(),
                     "cart": cart.to_json() if cart else None}, status_code=status_code)


class VerificationBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: Channel


class ConfirmCodeBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: Channel
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]


class SmsCodeBody(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(max_length=32)]


class SmsSignInBody(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(max_length=32)]
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]
    cart_id: CartId | None = None  # a guest cart to merge into the account's cart


class AccountApi(Controller):
    path = "/api/v1/account"
    tags = ["storefront: account"]
    dependencies = {"customer": Provide(provide_customer)}

    @post("/register", operation_id="registerCustomer", status_code=201)
    async def register(self, request: Request, shop: Shop, runtime: Runtime,
                       data: RegisterBody) -> Response[CustomerSession]:
        """Open an account with an email and/or a phone and a password; 201 with a bearer
        token (as sign-in gives), 409 `customer_exists` naming the field taken, 422 with
        field errors."""
        await limit_register(runtime, request, shop)

        async def work() -> Response:
            customer = await accounts.register(shop.id, PASSWORDS, email=data.email,
                                               phone=data.phone, password=data.password,
                                               name=data.name)
            return await _session_answer(shop, customer, data.cart_id, 201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @post("/sign-in", operation_id="signInCustomer", status_code=200)
    async def sign_in(self, request: Request, shop: Shop, runtime: Runtime,
                      data: SignInBody) -> Response[CustomerSession]:
        """A bearer token for this shop and customer (`expires_at`), and the account's
        cart with `cart_id`'s lines merged in. 401 `sign_in_failed` says the same for an
        unknown account and a wrong password; 429 after too many attempts."""
        customer = await limited_sign_in(
            runtime, request, shop, data.identity,
            lambda: accounts.authenticate(shop.id, PASSWORDS, data.identity, data.password))
        return await _session_answer(shop, customer, data.cart_id, 200)

    @post("/sms-code", operation_id="requestSmsSignInCode", status_code=202)
    async def request_sms_code(self, request: Request, shop: Shop, runtime: Runtime,
                               data: SmsCodeBody) -> SmsCodeSent:
        """Text a six-digit sign-in code (验证码登录) to a mainland China mobile number:
        202 the same whether or not an account uses it; the code works for five minutes,
        five tries, once. 409 when the shop has no SMS channel enabled, 422 for a number
        that is not a mainland mobile, 429 (Retry-After) within a minute of the last code
        to the number, past five an hour, or too many from one address."""
        phone = await send_sign_in_code(runtime, request, shop, data.phone)
        return {"detail": "A sign-in code is on its way by SMS.", "phone": phone,
                "expires_in": int(sms_sign_in.CODE_TTL.total_seconds()),
                "resend_after": int(sms_sign_in.RESEND_AFTER.total_seconds())}

    @post("/sign-in/sms", operation_id="signInCustomerBySms", status_code=200)
    async def sign_in_sms(self, request: Request, shop: Shop, runtime: Runtime,
                          data: SmsSignInBody) -> Response[CustomerSession]:
        """Sign in with the texted code: a bearer token as password sign-in gives, 200 for
        the number's account, 201 when the account was opened just now (a new number, in a
        shop that lets shoppers sign up; its phone counts as verified). A repeat with the
        same `Idempotency-Key` answers the first response (the code works once). 422
        `code_invalid` with the tries left; 401 `sign_in_failed` for a number without an
        account where signing up is closed; 409 when the shop has no SMS channel."""

        async def work() -> Response:
            customer, created = await sign_in_with_code(runtime, request, shop, data.phone,
                                                        data.code)
            return await _session_answer(shop, customer, data.cart_id,
                                         201 if created else 200)

        # Not inside one transaction: a wrong code's counted try must stay counted.
        return await idempotent(request, shop.id, work)

    @post("/sign-out", operation_id="signOutCustomer", status_code=204)
    async def sign_out(self, request: Request, shop: Shop,
                       customer: CustomerView | None) -> None:
        """Revoke the bearer token sent (or end the page session). Signing out twice is
        not an error."""
        token_id = request.scope["state"].get("customer_token_id")
        if token_id is not None:
            await tokens.revoke_api_token(shop.id, token_id)
        elif customer is not None:
            await sign_out_session(request, shop)

    @post("/password-reset", operation_id="requestPasswordReset", status_code=202)
    async def request_reset(self, request: Request, shop: Shop, runtime: Runtime,
                            data: ResetRequestBody) -> Notice:
        """Send a reset link to the account's email or phone (through the shop's
        notification plugins). 202 whether or not the account exists."""
        await limit_reset(runtime, request, shop, data.login)
        await recovery.request_password_reset(shop.id, data.login,
                                              origin=str(request.base_url).rstrip("/"))
        return {"detail": "If an account with this email or phone exists, a reset link is "
                          "on its way."}

    @post("/password-reset/confirm", operation_id="resetPassword", status_code=204)
    async def reset(self, shop: Shop, data: ResetBody) -> None:
        """Set a new password with the link's single-use token; every signed-in app must
        sign in again. 422 `reset_token_invalid` for an unknown, expired or used token."""
        await recovery.reset_password(shop.id, PASSWORDS, data.token, data.password)

    @post("/delete", operation_id="deleteCustomer", status_code=204)
    async def delete_account(self, request: Request, shop: Shop, runtime: Runtime,
                             customer: CustomerView | None, data: PasswordBody) -> None:
        """Delete the signed-in account (its password confirms it). The shop keeps its
        orders, anonymised; the email and phone may register again."""
        me = _signed_in(customer)
        await limited_sign_in(runtime, request, shop, me.email or me.phone or str(me.id),
                              lambda: recovery.close_account(shop.id, PASSWORDS, me.id,
                                                             data.password),
                              failed=(ValidationFailed,))

    @get("/", operation_id="getCustomer")
    async def profile(self, customer: CustomerView | None) -> Customer:
        """The signed-in customer: id, email, phone, name, email_verified, phone_verified,
        created_at, last_sign_in_at."""
        return _signed_in(customer).to_json()

    @post("/verification", operation_id="requestVerificationCode", status_code=202)
    async def request_code(self, request: Request, shop: Shop, runtime: Runtime,
                           customer: CustomerView | None,
                           data: VerificationBody) -> Notice:
        """Send a six-digit code to the account's `email` or `phone` (`channel`), through
        the shop's email or SMS channel; 409 when the shop has no such channel, the account
        no such address, or it is verified already. A few per hour."""
        await send_verification_code(runtime, request, shop, _signed_in(customer),
                                     data.channel)
        return {"detail": f"A code is on its way to your {data.channel}."}

    @post("/verification/confirm", operation_id="confirmVerificationCode", status_code=200)
    async def confirm_code(self, request: Request, shop: Shop, runtime: Runtime,
                           customer: CustomerView | None,
                           data: ConfirmCodeBody) -> Customer:
        """The code that was sent: the address is verified (the profile says so). 422
        `code_invalid` with the tries left; after five wrong ones, ask for a new code."""
        me = _signed_in(customer)
        await limit_code_tries(runtime, request)
        await verification.confirm_code(shop.id, me.id, data.channel, data.code)
        async with db.shop_scope(shop.id):
            return (await accounts.get_customer(shop.id, me.id)).to_json()

    @get("/addresses", operation_id="listAddresses")
    async def list_addresses(self, shop: Shop, customer: CustomerView | None
                             ) -> SavedAddressList:
        """The address book, the default first (`is_default`)."""
        me = _signed_in(customer)
        return {"items": await addresses.list_addresses(shop.id, me.id)}

    @post("/addresses", operation_id="addAddress", status_code=201)
    async def add_address(self, request: Request, shop: Shop, customer: CustomerView | None,
                          data: SavedAddressBody) -> Response[SavedAddress]:
        """Save an address (API.md's shape, plus `is_default`); the first one is the
        default. 422 with field errors (`phone`, `country`…)."""
        me = _signed_in(customer)

        async def work() -> Response:
            return Response(await addresses.add_address(shop.id, me.id, data), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @put("/addresses/{address_id:int}", operation_id="updateAddress")
    async def update_address(self, shop: Shop, customer: CustomerView | None,
                             address_id: int, data: SavedAddressBody) -> SavedAddress:
        """Replace an address; `"is_default": true` also makes it the default."""
        me = _signed_in(customer)
        return await addresses.update_address(shop.id, me.id, address_id, data)

    @delete("/addresses/{address_id:int}", operation_id="removeAddress", status_code=204)
    async def remove_address(self, shop: Shop, customer: CustomerView | None,
                             address_id: int) -> None:
        """Remove an address; if it was the default, the newest remaining one becomes it."""
        me = _signed_in(customer)
        await addresses.remove_address(shop.id, me.id, address_id)

    @post("/addresses/{address_id:int}/default", operation_id="setDefaultAddress",
          status_code=200)
    async def set_default(self, shop: Shop, customer: CustomerView | None,
                          address_id: int) -> SavedAddress:
        me = _signed_in(customer)
        return await addresses.set_default(shop.id, me.id, address_id)

    @get("/orders", operation_id="listCustomerOrders")
    async def orders(
        self, shop: Shop, customer: CustomerView | None,
        limit: Annotated[int, Parameter(ge=1, le=history.MAX_PAGE)] = 20,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> PastOrderPage:
        """The customer's orders, newest first: `{"items": [{number, status, total,
        currency, created_at, item_count, item_names}], "next_cursor"}`."""
        me = _signed_in(customer)
        before = decode_cursor(cursor).get("id")
        items = await history.order_history(
            shop.id, me.id, before_id=before if type(before) is int else None,
            limit=limit + 1)
        return paginate(items, limit)

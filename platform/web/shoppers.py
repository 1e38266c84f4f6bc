"""Who the shopper is: the signed-in customer of this shop, from a page session or an API
client's bearer token — one answer for pages and API alike.

Usage (a handler or page of a shop host)::

    from galleria.web.shoppers import current_customer, provide_customer

    customer = await current_customer(request)      # CustomerView | None
    # or as a Litestar dependency (AccountApi declares it; add it where you need it):
    dependencies = {"customer": Provide(provide_customer)}
    async def handler(self, customer: CustomerView | None) -> ...

Pages keep the shopper in the server-side session under `customer_id` (and the shop under
`customer_shop`), apart from the staff keys (`user_id`, `email`): a merchant trying their
own shop may be signed in as both. API clients send `Authorization: Bearer gcs_…`; other
bearer tokens (the admin API's `gal_…`) are not a shopper's and are ignored here. A shopper
token that is unknown, expired, revoked or of another shop is refused (401), so that an app
learns to sign in again instead of silently acting as a guest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Request

from galleria.auth import passwords as argon2_passwords
from galleria.auth.ratelimit import check_sign_in, record_failure, signin_keys
from galleria.kernel.customers import cart_merge, sms_sign_in, verification
from galleria.kernel.customers.accounts import (
    CustomerView,
    SignInFailed,
    active_customer,
    identify,
)
from galleria.kernel.customers.tokens import looks_like_api_token, verify_api_token
from galleria.kernel.errors import Conflict, Unauthorized
from galleria.kernel.notifications.account import KIND_OF, channel_for
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import current_shop

T = TypeVar("T")
CUSTOMER_KEY, SHOP_KEY = "customer_id", "customer_shop"
# The storefront pages keep the visitor's cart token and its item count (for the header's
# badge) here: galleria.web.pages.storefront.shopping_session.
CART_KEY, CART_COUNT_KEY = "cart_id", "cart_count"
# Progressive limits, (attempts, window in seconds): a burst is stopped within a minute,
# a slow guesser within the day. Sign-in failures are counted as for staff
# (galleria.auth.ratelimit.signin_keys): an attacker can slow an account down, never lock
# its owner out. Registrations per address: enough for a family or an office behind one
# mobile carrier's address in an hour, too few for a script filling the shop with accounts.
REGISTER_PER_IP = ((10, 3_600), (50, 86_400))
RESET_PER_IP, RESET_PER_ACCOUNT = ((10, 3_600),), ((3, 3_600), (10, 86_400))
CODES_PER_ACCOUNT = ((5, 3_600),)  # verification codes: each one sends a message
CODES_PER_IP = ((20, 3_600), (100, 86_400))
CODE_TRIES_PER_IP = ((30, 3_600),)  # typed codes (each code also allows only five)


class Argon2Passwords:
    """The kernel's `Passwords` shape over galleria.auth.passwords (argon2id)."""

    async def hash(self, password: str) -> str:
        return await argon2_passwords.hash_password(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await argon2_passwords.verify_password(password_hash, password)

    def problem(self, password: str, *, email: str = "") -> str | None:
        return argon2_passwords.password_problem(password, email=email)


PASSWORDS = Argon2Passwords()


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


async def current_customer(request: Request) -> CustomerView | None:
    """The signed-in customer of this request's shop, or None for a guest. Raises
    Unauthorized for a shopper bearer token that is not (or no longer) valid here."""
    shop = current_shop(request)
    cached = request.scope["state"].get("shopper", ...)
    if cached is not ...:
        return cached
    customer = None
    token = _bearer(request)
    if token and looks_like_api_token(token):
        owner = await verify_api_token(shop.id, token)
        if owner is not None:
            customer = await active_customer(shop.id, owner.customer_id)
        if owner is None or customer is None:
            raise Unauthorized("The sign-in token is not valid for this shop; sign in again")
        request.scope["state"]["customer_token_id"] = owner.token_id
    else:
        session = _session(request)
        if session.get(SHOP_KEY) == shop.id:
            customer = await active_customer(shop.id, session.get(CUSTOMER_KEY))
    request.scope["state"]["shopper"] = customer
    return customer


async def provide_customer(request: Request) -> CustomerView | None:
    """Litestar dependency: the signed-in customer or None (see `current_customer`)."""
    return await current_customer(request)


async def require_customer(request: Request) -> CustomerView:
    """The signed-in customer; Unauthorized (401) for a guest."""
    customer = await current_customer(request)
    if customer is None:
        raise Unauthorized("Sign in to your account first")
    return customer


def actor_of(customer: CustomerView | None) -> str:
    """Who did it, for order timelines: `customer:<id>` or `guest`."""
    return f"customer:{customer.id}" if customer else "guest"


async def limited_sign_in(runtime: Runtime, request: Request, shop: Shop, login: str,
                          attempt: Callable[[], Awaitable[T]],
                          failed: tuple[type[Exception], ...] = (SignInFailed,)) -> T:
    """Run `attempt` (a password check of the account `login`) within the sign-in limits:
    RateLimited (429) before it when this address, or this account from this address,
    failed too often; slowed down when the account fails from everywhere; a `failed`
    exception from `attempt` is counted and raised again. The account key is the
    normalised login, known account or not."""
    _, account = identify(login)
    keys = signin_keys(_client_ip(request), f"{shop.id}:{account}", kind="shopper-signin")
    await check_sign_in(runtime.limiter, keys)
    try:
        return await attempt()
    except failed:
        await record_failure(runtime.limiter, keys)
        raise


async def send_verification_code(runtime: Runtime, request: Request, shop: Shop,
                                 customer: CustomerView, channel: str) -> None:
    """Send `customer` a code for `channel` (`email` or `phone`): Conflict (409) when the
    shop has no channel that reaches it, RateLimited (429) past the limits per account and
    per IP."""
    if await channel_for(runtime.host, shop, KIND_OF.get(channel, "")) is None:
        raise Conflict(f"This shop cannot send codes by {channel} yet", channel=channel)
    ip = _client_ip(request)
    for limit, window in CODES_PER_IP:
        await runtime.limiter.hit(f"shopper-code-ip:{ip}:{window}", limit, window)
    for limit, window in CODES_PER_ACCOUNT:
        await runtime.limiter.hit(f"shopper-code:{shop.id}:{customer.id}:{window}", limit,
                                  window)
    await verification.request_code(shop.id, customer.id, channel)


async def sms_sign_in_offered(runtime: Runtime, shop: Shop) -> bool:
    """Whether the shop can text sign-in codes (an SMS channel plugin is enabled)."""
    return await channel_for(runtime.host, shop, "sms") is not None


async def send_sign_in_code(runtime: Runtime, request: Request, shop: Shop,
                            phone: Any) -> str:
    """Text a sign-in code to `phone`: Conflict (409) when the shop has no SMS channel,
    RateLimited (429) past the limits per IP (the kernel keeps those per number); the
    same for a number with or without an account. Returns the number texted."""
    if not await sms_sign_in_offered(runtime, shop):
        raise Conflict("This shop does not offer signing in with a texted code")
    ip = _client_ip(request)
    for limit, window in CODES_PER_IP:
        await runtime.limiter.hit(f"shopper-sms-code-ip:{ip}:{window}", limit, window)
    return await sms_sign_in.request_code(shop.id, phone)


async def sign_in_with_code(runtime: Runtime, request: Request, shop: Shop, phone: Any,
                            code: Any) -> tuple[CustomerView, bool]:
    """(account, just opened) for a texted code, within a per-IP limit on typed codes
    (its own budget: signing in does not use up the one for verifying an address)."""
    if not await sms_sign_in_offered(runtime, shop):
        raise Conflict("This shop does not offer signing in with a texted code")
    for limit, window in CODE_TRIES_PER_IP:
        await runtime.limiter.hit(f"shopper-sms-try:{_client_ip(request)}:{window}", limit,
                                  window)
    return await sms_sign_in.sign_in(shop.id, phone, code,
                                     allow_signup=sms_sign_in.signup_open(shop.settings))


async def limit_code_tries(runtime: Runtime, request: Request) -> None:
    """Typed verification codes per IP (each code itself allows five tries)."""
    for limit, window in CODE_TRIES_PER_IP:
        await runtime.limiter.hit(f"shopper-code-try:{_client_ip(request)}:{window}", limit,
                                  window)


async def limit_register(runtime: Runtime, request: Request, shop: Shop) -> None:
    for limit, window in REGISTER_PER_IP:
        await runtime.limiter.hit(f"shopper-register:{shop.id}:{_client_ip(request)}:{window}",
                                  limit, window)


async def limit_reset(runtime: Runtime, request: Request, shop: Shop, login: str) -> None:
    """Password-reset requests: few per IP and per account (each one sends a message)."""
    for limit, window in RESET_PER_IP:
        await runtime.limiter.hit(f"shopper-reset-ip:{_client_ip(request)}:{window}",
                                  limit, window)
    _, account = identify(login)
    for limit, window in RESET_PER_ACCOUNT:
        await runtime.limiter.hit(f"shopper-reset:{shop.id}:{account}:{window}", limit, window)


async def sign_in_session(request: Request, shop: Shop, customer: CustomerView) -> None:
    """Sign the page session in as `customer`, under a fresh session id (a planted id is
    worthless afterwards). Staff keys are kept; the guest cart in the session is merged
    into the account's cart, which the session then points at."""
    kept = {k: v for k, v in _session(request).items() if k not in (CUSTOMER_KEY, SHOP_KEY)}
    merged = await cart_merge.merge_guest_cart(shop, kept.get(CART_KEY), customer.id)
    if merged is not None:
        kept[CART_KEY] = merged.token
        kept[CART_COUNT_KEY] = sum(line.quantity for line in merged.sellable)
    # Imported here: galleria.web.pages imports this module (the account pages).
    from galleria.web.pages.signin.sessions import start_session

    await start_session(request, {**kept, CUSTOMER_KEY: customer.id, SHOP_KEY: shop.id})
    request.scope["state"]["shopper"] = customer


async def sign_out_session(request: Request, shop: Shop, *, keep_cart: bool = True) -> None:
    """Forget the shopper and their cart, which a next visitor must not see (with
    `keep_cart`, the cart stays the account's for the next sign-in); staff keys stay."""
    session = _session(request)
    customer_id = session.get(CUSTOMER_KEY)
    if keep_cart and type(customer_id) is int and session.get(SHOP_KEY) == shop.id:
        await cart_merge.claim_cart(shop, session.get(CART_KEY), customer_id)
    kept = {k: v for k, v in session.items()
            if k not in (CUSTOMER_KEY, SHOP_KEY, CART_KEY, CART_COUNT_KEY)}
    request.clear_session()
    if kept:
        request.set_session(kept)
    request.scope["state"]["shopper"] = None


__all__ = [
    "CART_KEY",
    "CUSTOMER_KEY",
    "PASSWORDS",
    "SHOP_KEY",
    "actor_of",
    "current_customer",
    "limit_register",
    "limit_reset",
    "limited_sign_in",
    "provide_customer",
    "require_customer",
    "send_sign_in_code",
    "sign_in_session",
    "sign_in_with_code",
    "sign_out_session",
    "sms_sign_in_offered",
]

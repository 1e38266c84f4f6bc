"""What the storefront remembers for a visitor, in the server-side session of the shop's host.

Session cookies belong to one host and a shop is one host, so one session holds one shop's
visit: its cart's token (the key to the cart; never shown to anyone else), the number of
items in it for the header's badge, and the access tokens of the orders this visitor placed
as a guest (the keys to their order pages, newest last, at most `MAX_ORDERS`).

Only these keys are touched here; whatever else the session holds (a staff sign-in, a
shopper's account) is kept as it is.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from galleria.kernel.checkout import carts
from galleria.kernel.errors import NotFound
from galleria.kernel.tenancy.shops import Shop

CART_KEY = "cart_id"  # the same key galleria.web.shoppers merges on sign-in
COUNT_KEY = "cart_count"
ORDERS_KEY = "guest_orders"
MAX_ORDERS = 20


def _session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def _update(request: Request, **values: Any) -> None:
    session = dict(_session(request))
    for key, value in values.items():
        if value is None:
            session.pop(key, None)
        else:
            session[key] = value
    request.set_session(session)


def cart_token(request: Request) -> str | None:
    token = _session(request).get(CART_KEY)
    return token if isinstance(token, str) else None


def cart_count(request: Any) -> int:
    """Items in the visitor's cart as last seen (for the header badge; no database)."""
    try:
        session = _session(request)
    except AttributeError:  # a template rendered without a request
        return 0
    count = session.get(COUNT_KEY) if session.get(CART_KEY) else 0
    return count if isinstance(count, int) and count > 0 else 0


def remember_cart(request: Request, cart: carts.CartView | None) -> None:
    """Keep `cart`'s token and item count (None forgets the cart)."""
    if cart is None:
        _update(request, **{CART_KEY: None, COUNT_KEY: None})
        return
    count = sum(line.quantity for line in cart.sellable)
    _update(request, **{CART_KEY: cart.token, COUNT_KEY: count})


async def current_cart(request: Request, shop: Shop) -> carts.CartView | None:
    """The visitor's cart, or None when there is none (or it expired). Call inside the
    shop's scope."""
    token = cart_token(request)
    if token is None:
        return None
    try:
        cart = await carts.get_cart(shop, token)
    except NotFound:
        remember_cart(request, None)
        return None
    if cart.order_number:  # placed (perhaps from another tab): the next item starts a new cart
        remember_cart(request, None)
        return None
    if cart_count(request) != sum(line.quantity for line in cart.sellable):
        remember_cart(request, cart)
    return cart


async def cart_for_adding(request: Request, shop: Shop,
                          customer_id: int | None = None) -> carts.CartView:
    """The visitor's cart, created on first use. Call inside the shop's scope."""
    cart = await current_cart(request, shop)
    if cart is None:
        cart = await carts.create_cart(shop, customer_id)
        remember_cart(request, cart)
    return cart


def remember_order(request: Request, number: str, access_token: str) -> None:
    orders = dict(guest_orders(request))
    orders.pop(number, None)
    orders[number] = access_token
    _update(request, **{ORDERS_KEY: dict(list(orders.items())[-MAX_ORDERS:])})


def guest_orders(request: Request) -> dict[str, str]:
    orders = _session(request).get(ORDERS_KEY)
    return orders if isinstance(orders, dict) else {}


def order_token(request: Request, number: str) -> str | None:
    token = guest_orders(request).get(number)
    return token if isinstance(token, str) else None


__all__ = ["cart_count", "cart_for_adding", "cart_token", "current_cart", "guest_orders",
           "order_token", "remember_cart", "remember_order"]

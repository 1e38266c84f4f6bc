"""The account's cart, and merging a guest's cart into it on sign-in.

A customer's cart is their latest unexpired cart (`cart.customer` = the customer). A guest
cart (one with no customer) that a shopper filled before signing in is merged into it: each
line's quantities are added, capped at `MAX_QUANTITY` and at what is available (never below
what the account's cart already held), and the guest cart is removed. With no account cart
yet, the guest cart simply becomes the account's.
"""

from __future__ import annotations

import datetime as dt

from galleria.kernel import db
from galleria.kernel.checkout import carts
from galleria.kernel.checkout.tables import Cart, CartLine
from galleria.kernel.errors import NotFound
from galleria.kernel.tenancy.shops import Shop


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def account_cart(shop: Shop, customer_id: int) -> carts.CartView | None:
    """The customer's latest unexpired cart not yet placed as an order, or None."""
    async with db.shop_scope(shop.id):
        row = await Cart.select(Cart.token).where(
            (Cart.tenant == shop.id) & (Cart.customer == customer_id)
            & (Cart.expires_at > _now()) & (Cart.order_number == "")
        ).order_by(Cart.updated_at, ascending=False).first()
        return await carts.get_cart(shop, row["token"]) if row else None


async def account_cart_or_new(shop: Shop, customer_id: int) -> carts.CartView:
    return await account_cart(shop, customer_id) or await carts.create_cart(shop, customer_id)


async def merge_guest_cart(shop: Shop, guest_cart_token: str | None,
                           customer_id: int) -> carts.CartView | None:
    """Merge the guest cart `guest_cart_token` into the customer's cart; returns the
    customer's cart afterwards (None when there is neither). A token that is missing,
    expired, already the customer's or another customer's cart merges nothing."""
    async with db.shop_scope(shop.id):
        mine = await account_cart(shop, customer_id)
        guest = await _guest_cart(shop, guest_cart_token)
        if guest is None:
            return mine
        if mine is None:  # nothing to merge into: the guest cart becomes the account's
            await Cart.update({Cart.customer: customer_id, Cart.updated_at: _now()}).where(
                (Cart.tenant == shop.id) & (Cart.id == guest.id) & Cart.customer.is_null())
            return await carts.get_cart(shop, guest.token)
        available = {view.line.variant_id: view.available for view in guest.lines
                     if view.problem != carts.UNAVAILABLE}
        # Claim the guest's lines by deleting them: of two merges at once, one gets them.
        claimed = await CartLine.delete().where(
            (CartLine.tenant == shop.id) & (CartLine.cart == guest.id)
        ).returning(CartLine.variant, CartLine.quantity)
        await Cart.delete().where((Cart.tenant == shop.id) & (Cart.id == guest.id))
        held = {view.line.variant_id: view.line.quantity for view in mine.lines}
        for line in claimed:
            if line["variant"] in available:
                await _add_capped(shop.id, mine.id, line["variant"], held, line["quantity"],
                                  available[line["variant"]])
        now = _now()
        await Cart.update({Cart.updated_at: now, Cart.expires_at: now + carts.CART_TTL}).where(
            (Cart.tenant == shop.id) & (Cart.id == mine.id))
        return await carts.get_cart(shop, mine.token)


async def claim_cart(shop: Shop, token: str | None, customer_id: int) -> None:
    """Make the guest cart `token` the customer's (a cart filled while signed in by code
    that did not say whose it is); another customer's cart is left alone."""
    if not token:
        return
    async with db.shop_scope(shop.id):
        await Cart.update({Cart.customer: customer_id}).where(
            (Cart.tenant == shop.id) & (Cart.token == token) & Cart.customer.is_null())


async def _guest_cart(shop: Shop, token: str | None) -> carts.CartView | None:
    if not token:
        return None
    try:
        cart = await carts.get_cart(shop, token)
    except NotFound:
        return None
    return cart if cart.customer_id is None and not cart.order_number else None


async def _add_capped(tenant_id: int, cart_id: int, variant_id: int, held: dict[int, int],
                      quantity: int, available: int) -> None:
    before = held.get(variant_id, 0)
    target = min(before + quantity, carts.MAX_QUANTITY, max(available, before))
    if target <= before:
        return
    where = ((CartLine.tenant == tenant_id) & (CartLine.cart == cart_id)
             & (CartLine.variant == variant_id))
    if before:
        await CartLine.update({CartLine.quantity: target}).where(where)
    elif len(held) < carts.MAX_LINES:
        await CartLine.insert(CartLine(tenant=tenant_id, cart=cart_id, variant=variant_id,
                                       quantity=target)).on_conflict(action="DO NOTHING")
    else:
        return
    held[variant_id] = target


__all__ = ["account_cart", "account_cart_or_new", "claim_cart", "merge_guest_cart"]

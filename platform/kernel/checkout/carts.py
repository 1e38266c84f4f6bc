"""Carts: create, read, add, change, remove. Call inside `shop_scope(shop.id)`.

A cart's public id is its token (`secrets.token_urlsafe(16)`, 128 random bits): whoever
holds it may use the cart, so it is never guessable and never shown to anyone else. A cart
lives `CART_TTL` after its last change; an expired cart answers 404 like a missing one.

Prices are never stored in a cart: every read prices lines at the variant's current price.
Carts hold no stock either; adding more than is available is refused (409) all the same, so
that a shopper learns early, but only placing an order reserves.

One cart becomes at most one order: placing claims the cart (`claim_for_order`, a
conditional update in the order's transaction). A placed cart still reads (empty, with its
`order_number`) but takes no more changes: 409 `cart_placed` names the order.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import StockLevel, Variant
from galleria.kernel.checkout.contracts import PricedLine
from galleria.kernel.checkout.tables import Cart, CartLine
from galleria.kernel.errors import Conflict, NotFound, ValidationFailed
from galleria.kernel.inventory.service import OutOfStock
from galleria.kernel.tenancy.shops import Shop

CART_TTL = dt.timedelta(days=30)
MAX_QUANTITY = 999
MAX_LINES = 100
UNAVAILABLE = "unavailable"  # variant inactive, product unpublished or deleted
NOT_ENOUGH_STOCK = "not_enough_stock"


class NotForSale(Conflict):
    code, title = "not_for_sale", "Not for sale"


class CartPlaced(Conflict):
    """The cart was placed as an order already; `order_number` says which."""

    code, title = "cart_placed", "Cart already placed"

    def __init__(self, order_number: str) -> None:
        super().__init__(f"This cart was placed as order {order_number} already; "
                         "start a new cart", order_number=order_number)


@dataclass(frozen=True)
class CartLineView:
    line: PricedLine
    available: int
    problem: str | None = None  # None, UNAVAILABLE or NOT_ENOUGH_STOCK

    def to_json(self) -> dict[str, Any]:
        line = self.line
        return {"variant_id": line.variant_id, "product_id": line.product_id, "sku": line.sku,
                "name": line.name, "options": line.options, "unit_price": line.unit_price,
                "quantity": line.quantity, "line_total": line.line_total,
                "available": self.available, "problem": self.problem}


@dataclass(frozen=True)
class CartView:
    id: int
    token: str
    customer_id: int | None
    currency: str
    lines: tuple[CartLineView, ...]
    expires_at: dt.datetime
    order_number: str = ""  # the order placed from this cart, once placed

    @property
    def sellable(self) -> list[PricedLine]:
        """The lines that can be priced and bought (unavailable ones left out)."""
        return [view.line for view in self.lines if view.problem != UNAVAILABLE]

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.sellable)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.token, "currency": self.currency,
                "lines": [view.to_json() for view in self.lines],
                "subtotal": self.subtotal,
                "item_count": sum(line.quantity for line in self.sellable),
                "expires_at": _time(self.expires_at),
                "order_number": self.order_number or None}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _time(value: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC (`2026-11-23T07:46:13.023078+00:00`): JSON-able as it is."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _check_quantity(quantity: Any, minimum: int) -> None:
    if type(quantity) is not int or not minimum <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"quantity must be a whole number from {minimum} to "
                               f"{MAX_QUANTITY}, got {quantity!r}")


async def create_cart(shop: Shop, customer_id: int | None = None) -> CartView:
    now = _now()
    token = secrets.token_urlsafe(16)
    row = (await Cart.insert(Cart(tenant=shop.id, token=token, customer=customer_id,
                                  created_at=now, updated_at=now, expires_at=now + CART_TTL))
           .returning(*Cart.all_columns()))[0]
    return CartView(id=row["id"], token=row["token"], customer_id=row["customer"],
                    currency=shop.currency, lines=(), expires_at=row["expires_at"],
                    order_number=row["order_number"])  # a new cart has no lines to read


async def _live_cart(tenant_id: int, token: str, *, changing: bool = False) -> dict[str, Any]:
    """The unexpired cart row; `changing` refuses a placed cart (CartPlaced)."""
    row = None
    if isinstance(token, str) and 0 < len(token) <= 32:
        row = await Cart.select().where(
            (Cart.tenant == tenant_id) & (Cart.token == token)
            & (Cart.expires_at > _now())).first()
    if row is None:
        raise NotFound("No such cart in this shop (it may have expired)")
    if changing and row["order_number"]:
        raise CartPlaced(row["order_number"])
    return row


# The cart claimed for an order by SQL written once (every order claims one: issue 14);
# `_CLAIM_FRESH` only for a number the shop has no order of yet.
_CLAIM = ("UPDATE cart SET order_number = {}, updated_at = {}, expires_at = {} "
          "WHERE tenant = {} AND token = {} AND order_number = '' AND expires_at > {} "
          "RETURNING *")
_CLAIM_FRESH = ("UPDATE cart SET order_number = {}, updated_at = {}, expires_at = {} "
                "WHERE tenant = {} AND token = {} AND order_number = '' AND expires_at > {} "
                "AND NOT EXISTS (SELECT 1 FROM shop_order o WHERE o.tenant = {} "
                "AND o.number = {}) RETURNING *")


async def claim_for_order(tenant_id: int, token: str, order_number: str, *,
                          fresh_number: bool = False) -> dict[str, Any] | None:
    """Mark the cart as placed as `order_number`, only if no order was placed from it.

    A conditional update: on PostgreSQL a concurrent placing of the same cart waits on this
    row until the first commits, then finds it claimed (CartPlaced naming that order) or,
    if the first rolled back, claims it itself. Raises NotFound for a missing/expired cart.
    Returns the cart's row as claimed (for `get_cart`, which then need not read it again).
    `fresh_number`: claim only if the shop has no order `order_number` yet, and return None
    when it has one (the caller draws another number before it writes the order).
    """
    if isinstance(token, str) and 0 < len(token) <= 32:
        now = _now()
        claimed = await Cart.raw(_CLAIM_FRESH if fresh_number else _CLAIM, order_number, now,
                                 now + CART_TTL, tenant_id, token, now,
                                 *((tenant_id, order_number) if fresh_number else ()))
        if claimed:
            return claimed[0]
    await _live_cart(tenant_id, token, changing=True)  # NotFound or CartPlaced
    if fresh_number:
        return None  # the number is taken (the cart is there, unplaced)
    raise Conflict("The cart changed while placing the order; try again")


async def get_cart(shop: Shop, token: str, row: dict[str, Any] | None = None) -> CartView:
    """The cart with every line priced now; raises NotFound for a missing/expired cart.
    `row`: the cart's row when the caller has just read or written it (not read again)."""
    if row is None:  # the cart and its lines in one statement
        rows = []
        if isinstance(token, str) and 0 < len(token) <= 32:
            rows = await Cart.raw(_CART_AND_LINES, shop.id, token, _now())
        if not rows:
            raise NotFound("No such cart in this shop (it may have expired)")
        cart = rows[0]
        lines = [_line_view(line) for line in rows if line["variant"] is not None]
    else:
        cart = row
        lines = await _line_views(shop.id, cart["id"])
    return CartView(id=cart["id"], token=cart["token"], customer_id=cart["customer"],
                    currency=shop.currency, lines=tuple(lines),
                    expires_at=cart["expires_at"], order_number=cart["order_number"])


# A cart's lines with their variants, products and stock over all the shop's locations, in
# one statement written once (it was two, the first built by the ORM on every read of a
# cart: issue 14). A location's stock counts only what is free there (never below 0).
_LINE_COLUMNS = (
    "cl.variant AS variant, cl.quantity AS quantity, v.sku AS sku, v.price AS price, "
    "v.options AS options, v.weight_grams AS weight_grams, v.status AS variant_status, "
    "v.product AS product_id, p.name AS name, p.category AS category_id, "
    "p.status AS product_status, p.deleted_at AS deleted_at, "
    "(SELECT COALESCE(SUM(CASE WHEN s.on_hand > s.reserved THEN s.on_hand - s.reserved "
    "ELSE 0 END), 0) FROM stock_level s WHERE s.tenant = cl.tenant AND s.variant = cl.variant"
    ") AS available "
)
_LINES = (
    "SELECT " + _LINE_COLUMNS +
    "FROM cart_line cl JOIN variant v ON v.id = cl.variant "
    "JOIN product p ON p.id = v.product "
    "WHERE cl.tenant = {} AND cl.cart = {} ORDER BY cl.id")


# The unexpired cart with its lines (as _LINES reads them; one row with no line when it
# has none), when nothing has read the cart row yet: a preview, a look at the cart.
_CART_AND_LINES = (
    "SELECT c.id AS id, c.token AS token, c.customer AS customer, "
    "c.expires_at AS expires_at, c.order_number AS order_number, " + _LINE_COLUMNS +
    "FROM cart c LEFT JOIN cart_line cl ON cl.tenant = c.tenant AND cl.cart = c.id "
    "LEFT JOIN variant v ON v.id = cl.variant LEFT JOIN product p ON p.id = v.product "
    "WHERE c.tenant = {} AND c.token = {} AND c.expires_at > {} ORDER BY cl.id")


async def _line_views(tenant_id: int, cart_id: int) -> list[CartLineView]:
    return [_line_view(row) for row in await CartLine.raw(_LINES, tenant_id, cart_id)]


def _line_view(row: dict[str, Any]) -> CartLineView:
    line = PricedLine(variant_id=row["variant"], product_id=row["product_id"],
                      sku=row["sku"], name=row["name"], options=_json(row["options"]),
                      unit_price=row["price"], quantity=row["quantity"],
                      weight_grams=row["weight_grams"] or 0,
                      category_id=row["category_id"])
    available = row["available"] or 0
    problem = None
    if not _sellable(row):
        problem = UNAVAILABLE
    elif line.quantity > available:
        problem = NOT_ENOUGH_STOCK
    return CartLineView(line, available, problem)


def _sellable(row: dict[str, Any]) -> bool:
    return (row["variant_status"] == "active" and row["product_status"] == "published"
            and row["deleted_at"] is None)


async def _available(tenant_id: int, variant_ids: list[int]) -> dict[int, int]:
    rows = await StockLevel.select(StockLevel.variant, StockLevel.on_hand,
                                   StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(variant_ids or [0]))
    available: dict[int, int] = {}  # over all the shop's locations
    for r in rows:
        available[r["variant"]] = available.get(r["variant"], 0) + max(
            r["on_hand"] - r["reserved"], 0)
    return available


async def _variant_for_sale(tenant_id: int, variant_id: int) -> dict[str, Any]:
    row = await Variant.select(
        Variant.id, Variant.sku, Variant.status,
        Variant.product.status.as_alias("product_status"),
        Variant.product.deleted_at.as_alias("deleted_at"),
    ).where((Variant.tenant == tenant_id) & (Variant.id == variant_id)).first()
    if row is None:
        raise NotFound(f"No variant {variant_id} in this shop", variant_id=variant_id)
    if not _sellable({**row, "variant_status": row["status"]}):
        raise NotForSale(f"{row['sku']} is not for sale", variant_id=variant_id,
                         sku=row["sku"])
    return row


async def _refuse_beyond_stock(tenant_id: int, variant: dict[str, Any], quantity: int) -> None:
    available = (await _available(tenant_id, [variant["id"]])).get(variant["id"], 0)
    if quantity > available:
        raise OutOfStock(f"Only {available} of {variant['sku']} available, {quantity} asked",
                         variant_id=variant["id"], sku=variant["sku"], available=available,
                         requested=quantity)


async def _touch(cart_id: int) -> dict[str, Any]:
    """Keep the cart another CART_TTL; returns its row."""
    now = _now()
    rows = await Cart.update({Cart.updated_at: now, Cart.expires_at: now + CART_TTL}).where(
        Cart.id == cart_id).returning(*Cart.all_columns())
    return rows[0]


_TOUCH_LIVE = ("UPDATE cart SET updated_at = {}, expires_at = {} WHERE tenant = {} "
               "AND token = {} AND order_number = '' AND expires_at > {} RETURNING *")


async def _touch_live(tenant_id: int, token: str) -> dict[str, Any]:
    """Keep the unexpired, unplaced cart another CART_TTL, in one conditional UPDATE that
    also reads it; raises NotFound or CartPlaced as `_live_cart` does (only then read)."""
    if isinstance(token, str) and 0 < len(token) <= 32:
        now = _now()
        rows = await Cart.raw(_TOUCH_LIVE, now, now + CART_TTL, tenant_id, token, now)
        if rows:
            return rows[0]
    await _live_cart(tenant_id, token, changing=True)  # NotFound or CartPlaced
    raise Conflict("The cart changed meanwhile; try again")


async def add_item(shop: Shop, token: str, variant_id: int, quantity: int) -> CartView:
    """Add `quantity` (to the line's quantity when the variant is in the cart already).

    Raises NotFound (cart or variant), NotForSale, OutOfStock (the cart would hold more
    than is available; nothing is changed) or ValidationFailed.

    Three statements (issue 14): the cart kept alive (and read), the line added to or
    opened (only for a variant of the shop), the cart's lines with their stock. The checks
    judge what the last one read; raising rolls the add back, so a refused add changes
    nothing, as when each check read for itself before writing.
    """
    _check_quantity(quantity, minimum=1)
    cart = await _touch_live(shop.id, token)  # the cart row is locked from here on
    total = await _add_to_line(shop.id, cart["id"], variant_id, quantity)
    view = await get_cart(shop, token, cart)
    added = next(v for v in view.lines if v.line.variant_id == variant_id)
    sku = added.line.sku
    if added.problem == UNAVAILABLE:
        raise NotForSale(f"{sku} is not for sale", variant_id=variant_id, sku=sku)
    # A line opened now (its quantity is what was added: an existing line held at least 1)
    # counts towards MAX_LINES.
    if total == quantity and len(view.lines) > MAX_LINES:
        raise ValidationFailed(f"a cart holds at most {MAX_LINES} different items")
    if total > MAX_QUANTITY:
        raise ValidationFailed(f"at most {MAX_QUANTITY} of one variant per cart")
    if total > added.available:
        raise OutOfStock(f"Only {added.available} of {sku} available, {total} asked",
                         variant_id=variant_id, sku=sku, available=added.available,
                         requested=total)
    return view


# One statement adds to the line or opens it (the unique key is tenant, cart, variant),
# and only for a variant of the shop: nothing is written (no row comes back) for another.
_ADD_TO_LINE = {
    "postgres": (
        "INSERT INTO cart_line (tenant, cart, variant, quantity, added_at) "
        "SELECT {}::integer, {}::integer, v.id, {}::integer, {}::timestamptz FROM variant v "
        "WHERE v.tenant = {} AND v.id = {} ON CONFLICT (tenant, cart, variant) "
        "DO UPDATE SET quantity = cart_line.quantity + excluded.quantity "
        "RETURNING quantity"),
    "sqlite": (
        "INSERT INTO cart_line (tenant, cart, variant, quantity, added_at) "
        "SELECT {}, {}, v.id, {}, {} FROM variant v "
        "WHERE v.tenant = {} AND v.id = {} ON CONFLICT (tenant, cart, variant) "
        "DO UPDATE SET quantity = cart_line.quantity + excluded.quantity "
        "RETURNING quantity"),
}


async def _add_to_line(tenant_id: int, cart_id: int, variant_id: int, quantity: int) -> int:
    """Add to the line, or open it, in one conditional statement; returns the line's new
    quantity. NotFound when the shop has no such variant."""
    sql = _ADD_TO_LINE["postgres" if db.database().is_postgres else "sqlite"]
    rows = []
    if type(variant_id) is int and 0 < variant_id < 2**31:
        rows = await CartLine.raw(sql, tenant_id, cart_id, quantity, _now(), tenant_id,
                                  variant_id)
    if not rows:
        raise NotFound(f"No variant {variant_id} in this shop", variant_id=variant_id)
    return rows[0]["quantity"]


async def set_quantity(shop: Shop, token: str, variant_id: int, quantity: int) -> CartView:
    """Set a line's quantity; 0 removes it. Raises NotFound when the variant is not in the
    cart, NotForSale or OutOfStock when more than is available is asked."""
    _check_quantity(quantity, minimum=0)
    if quantity == 0:
        return await remove_item(shop, token, variant_id)
    cart = await _live_cart(shop.id, token, changing=True)
    variant = await _variant_for_sale(shop.id, variant_id)
    await _refuse_beyond_stock(shop.id, variant, quantity)
    updated = await CartLine.update({CartLine.quantity: quantity}).where(
        (CartLine.tenant == shop.id) & (CartLine.cart == cart["id"])
        & (CartLine.variant == variant_id)).returning(CartLine.id)
    if not updated:
        raise NotFound(f"Variant {variant_id} is not in this cart", variant_id=variant_id)
    return await get_cart(shop, token, await _touch(cart["id"]))


async def remove_item(shop: Shop, token: str, variant_id: int) -> CartView:
    """Remove a line; removing what is not there is not an error (DELETE is idempotent)."""
    cart = await _live_cart(shop.id, token, changing=True)
    await CartLine.delete().where(
        (CartLine.tenant == shop.id) & (CartLine.cart == cart["id"])
        & (CartLine.variant == variant_id))
    return await get_cart(shop, token, await _touch(cart["id"]))


async def empty_cart(tenant_id: int, cart_id: int, *, touch: bool = True) -> None:
    """Remove every line; `touch=False` when the caller has just kept the cart alive
    (`claim_for_order` does)."""
    await CartLine.raw("DELETE FROM cart_line WHERE tenant = {} AND cart = {}", tenant_id,
                       cart_id)
    if touch:
        await _touch(cart_id)


__all__ = ["CART_TTL", "NOT_ENOUGH_STOCK", "UNAVAILABLE", "CartLineView", "CartPlaced",
           "CartView", "NotForSale", "add_item", "claim_for_order", "create_cart", "empty_cart",
           "get_cart", "remove_item", "set_quantity"]

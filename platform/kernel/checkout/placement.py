"""Placing an order: ONE transaction from the cart to a `pending_payment` order.

Inside the shop's scope, in this order: check what the shopper typed (422 with every field
error), draw the order's number and claim the cart for it (a conditional update: one cart
becomes one order, a second placing gets 409 `cart_placed` naming the first; a number the
shop has already is drawn again), read the cart, price it on the server (clients' totals are
never read), write the order row with its totals, its lines, adjustments and first timeline
entry, the `order.placed` event and the delayed `cancel_unpaid_order` job
(due after the shop's payment timeout), empty the cart, and reserve every line with a
conditional update (all shortages collected into one 409); lines an adjustment added at
price 0 (gifts) are written and reserved like the others.
Reserving comes last because it locks the stock rows until commit: the shorter that lock,
the more buyers of one popular item go through per second. Any error rolls all of it back:
no stock stays reserved, no coupon stays redeemed, the cart keeps its lines.

Round trips do not grow with the lines (issue 14; tests/integration/test_placement_round_trips):
the lines, the adjustments, the outbox rows, the reservations and their ledger rows are one
statement each, and the answer is built from the rows written (RETURNING), not read back.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from piccolo.utils.encoding import dump_json

from galleria.kernel import db
from galleria.kernel.checkout import carts, delivery_dates, details, sourcing
from galleria.kernel.checkout.plan_room import ensure_order_room
from galleria.kernel.checkout.pricing import Pricing, price_cart
from galleria.kernel.errors import Conflict, FieldError, Problems, ValidationFailed
from galleria.kernel.events import emit_all, event_row, job_row
from galleria.kernel.inventory import locations
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import channels, states
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.queries import phone_keys
from galleria.kernel.orders.tables import Order, OrderAdjustment, OrderLine
from galleria.kernel.payments import gateways
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import Shop

CANCEL_UNPAID_JOB = "cancel_unpaid_order"


@dataclass(frozen=True)
class OrderRequest:
    """What the shopper sends to place an order (unchecked: placing checks it)."""

    cart_id: str
    contact: Any
    address: Any
    payment_method: Any
    shipping_method: str | None = None
    coupon_code: str | None = None
    points: int = 0
    invoice: Any = None
    note: Any = None
    requested_delivery_date: Any = None  # YYYY-MM-DD, express only (delivery_dates)
    customer_id: int | None = None
    actor: str = "guest"
    # Where the order is taken (orders.channels): the storefront's `web`, or `staff` for an
    # order a staff member takes in the console (代客下单), which may also be paid by the
    # gateways offered only to staff (cash at the counter).
    channel: str = "web"
    locale: str | None = None  # the shopper's language, for the adjustments' labels


@dataclass(frozen=True)
class PlacedOrder:
    number: str
    access_token: str  # shown to the shopper once; only its hash is kept
    order: dict[str, Any]


def new_number(shop: Shop, now: dt.datetime) -> str:
    """`{yyMMdd}{6 random digits}`, the date in the shop's time zone: easy to read out on
    the phone, and not a count of the shop's orders."""
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(shop.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now
    return f"{local:%y%m%d}{secrets.randbelow(10**6):06d}"


class OrderNumberTaken(Conflict):
    """Another placing in this shop drew the same number at the same moment and wrote its
    order first (between our claim and our INSERT): the transaction is to be rolled back
    and the placing tried again (`retried_on_number_clash`)."""


# Placings tried before a number clash is answered 409: two clashes in a row take two
# placings of one shop drawing one number of a million, twice, within milliseconds.
_PLACING_ATTEMPTS = 3
T = TypeVar("T")


async def retried_on_number_clash(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` — one whole transaction that places an order (with the caller's own
    records, such as idempotency keys) — again when its order's number was taken
    (OrderNumberTaken): its transaction rolled back everything it did, and what pricing
    claimed against the number went with it. The shopper never sees the clash."""
    for n in range(1, _PLACING_ATTEMPTS + 1):
        try:
            return await attempt()
        except OrderNumberTaken:
            if n == _PLACING_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def place_order(shop: Shop, host: PluginHost, request: OrderRequest) -> PlacedOrder:
    """Place an order from `request.cart_id`. Raises ValidationFailed (422, with field
    errors), NotFound (cart), CartPlaced (409: an order was placed from this cart already),
    NotForSale / OutOfStock (409 naming every SKU) or Conflict.

    Called outside a transaction, a number clash is retried here; inside the caller's
    transaction it raises OrderNumberTaken, for the caller to run its transaction again
    through `retried_on_number_clash`."""
    if db.current_tenant() is not None:
        return await _place_once(shop, host, request)
    return await retried_on_number_clash(lambda: _place_once(shop, host, request))


async def _place_once(shop: Shop, host: PluginHost, request: OrderRequest) -> PlacedOrder:
    async with db.shop_scope(shop.id):
        if request.channel == channels.STAFF:  # shoppers' orders never meet the plan
            await ensure_order_room(shop)
        checked = await _check(shop, host, request)
        now = dt.datetime.now(dt.UTC)
        # The order's number first, with the cart claimed for it (a number the shop has
        # already is drawn again); the order itself is written once priced, totals and all.
        # Before reading the lines: a concurrent placing of this cart waits here for ours.
        number, claimed = await _claim_with_number(shop, request.cart_id, now)
        cart = await carts.get_cart(shop, request.cart_id, claimed)
        _refuse_unbuyable(cart)
        pricing = await price_cart(
            shop, cart, host=host, address=checked["address"],
            shipping_method=request.shipping_method, coupon_code=request.coupon_code,
            points=request.points, placing=True, order_number=number,
            customer_id=request.customer_id, locale=request.locale)
        _require_shipping_choice(pricing)
        order_id, token, row = await _insert_order(shop, request, checked, now, number,
                                                   pricing)
        written = await write_order(shop.id, order_id, pricing, row=row)
        entry = await orders.record_timeline(shop.id, order_id, "", states.PENDING_PAYMENT,
                                             request.actor, "placed")
        await emit_all([
            event_row(shop.id, "order.placed", {
                "number": number, "total": pricing.total, "currency": pricing.currency,
                "customer_id": request.customer_id,
                "payment_method": checked["payment_method"], "channel": request.channel}),
            job_row(shop.id, CANCEL_UNPAID_JOB,
                    delay=dt.timedelta(minutes=shop.payment_timeout_minutes),
                    tenant_id=shop.id, number=number)])
        await carts.empty_cart(shop.id, cart.id, touch=False)  # claiming touched it
        # Last: a reservation locks the stock rows until commit, so hold them briefly.
        await reserve_all(shop.id, pricing, number, request.actor, shop=shop,
                          address=checked["address"])
        if shop.settings.get(locations.MULTI_LOCATION):  # lines may have moved location
            view = await orders.order_view(shop.id, await orders.get_order(shop.id, number),
                                           staff=False)
        else:  # the view of what was just written, not read back
            view = await orders.view_of(shop.id, written.order, written.lines,
                                        written.adjustments, [entry], staff=False,
                                        new=True)
        return PlacedOrder(number, token, view)


async def _check(shop: Shop, host: PluginHost, request: OrderRequest) -> dict[str, Any]:
    problems = Problems()
    checked = {
        "contact": details.check_contact(request.contact, problems),
        "address": details.check_address(request.address, problems),
        "invoice": details.check_invoice(request.invoice, problems),
        "note": details.check_note(request.note, problems),
        "requested_delivery_date": delivery_dates.check_requested_date(
            shop, request.requested_delivery_date, request.shipping_method, problems),
        "payment_method": await _check_payment_method(
            shop, host, request.payment_method, problems,
            staff=request.channel == channels.STAFF),
    }
    if type(request.points) is not int or request.points < 0:
        problems.add("points", "a whole number, 0 or more")
    if request.coupon_code is not None and (
            not isinstance(request.coupon_code, str) or len(request.coupon_code) > 64):
        problems.add("coupon_code", "at most 64 characters")
    problems.raise_if_any("Some order details are invalid")
    return checked


async def _check_payment_method(shop: Shop, host: PluginHost, method: Any,
                                problems: Problems, *, staff: bool = False) -> str:
    """Must be one of the enabled gateways' codes. Until a shop has a payment plugin there
    are none to check against, and any short code is accepted (payments come later)."""
    if not isinstance(method, str) or not 1 <= len(method.strip()) <= 64:
        problems.add("payment_method", "required: the code of a payment method")
        return ""
    if await gateways.offered(shop, host, staff=staff, code=method):
        return method.strip()
    codes = {item.code for item in await gateways.offered(shop, host, staff=staff)}
    if codes:
        problems.add("payment_method", "offered: " + ", ".join(sorted(codes)))
    return method.strip()


def _refuse_unbuyable(cart: carts.CartView) -> None:
    if not cart.lines:
        raise ValidationFailed("The cart is empty", errors=[FieldError("cart_id", "empty")])
    gone = [view.line for view in cart.lines if view.problem == carts.UNAVAILABLE]
    if gone:
        raise carts.NotForSale(
            "No longer for sale: " + ", ".join(line.sku for line in gone)
            + "; remove them from the cart",
            items=[{"variant_id": line.variant_id, "sku": line.sku} for line in gone])


def _require_shipping_choice(pricing: Pricing) -> None:
    if pricing.shipping_options and pricing.shipping_method is None:
        offered = ", ".join(option.code for option in pricing.shipping_options)
        raise ValidationFailed("Choose a shipping method", errors=[
            FieldError("shipping_method", f"required; offered: {offered}")])


async def _claim_with_number(shop: Shop, cart_id: str, now: dt.datetime
                             ) -> tuple[str, dict[str, Any]]:
    """A number the shop has no order of yet, and the cart claimed for it in the same
    statement (carts.claim_for_order with `fresh_number`); raises as the claim does."""
    for _ in range(8):
        number = new_number(shop, now)
        claimed = await carts.claim_for_order(shop.id, cart_id, number, fresh_number=True)
        if claimed is not None:
            return number, claimed
    raise Conflict("Could not draw a free order number; try again")


# The order row of a placing, written by SQL written once (building piccolo's INSERT of
# its 32 columns was the largest single share of placing's CPU: issue 14). Every column is
# given, as piccolo's INSERT gave them; JSON as piccolo encodes it.
_ORDER_COLUMNS = (
    "tenant", "number", "status", "customer", "contact", "address", "contact_phone",
    "address_phone", "shipping_method", "payment_method", "coupon_code", "points",
    "subtotal", "shipping_fee", "discount_total", "total", "refunded_total", "currency",
    "note", "invoice", "access_token_hash", "stock_status", "channel", "external_id",
    "created_at", "updated_at", "payment_due_at", "paid_at", "cancelled_at", "eta_max_days",
    "requested_delivery_date", "ship_from")
_JSON_COLUMNS = frozenset({"contact", "address", "invoice"})
_ORDER_DEFAULTS = {"customer": None, "contact": {}, "address": {}, "contact_phone": "",
                   "address_phone": "", "shipping_method": "", "payment_method": "",
                   "coupon_code": "", "points": 0, "refunded_total": 0, "note": "",
                   "invoice": None, "stock_status": "reserved", "channel": "web",
                   "external_id": None, "paid_at": None, "cancelled_at": None,
                   "eta_max_days": None, "requested_delivery_date": None, "ship_from": ""}
_INSERT_ORDER = (
    "INSERT INTO shop_order (tenant, number, status, customer, contact, address, "
    "contact_phone, address_phone, shipping_method, payment_method, coupon_code, points, "
    "subtotal, shipping_fee, discount_total, total, refunded_total, currency, note, invoice, "
    "access_token_hash, stock_status, channel, external_id, created_at, updated_at, "
    "payment_due_at, paid_at, cancelled_at, eta_max_days, requested_delivery_date, "
    "ship_from) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
    "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
    "ON CONFLICT DO NOTHING RETURNING *")  # the columns of _ORDER_COLUMNS, in its order


async def _insert_order(shop: Shop, request: OrderRequest, checked: dict[str, Any],
                        now: dt.datetime, number: str, pricing: Pricing
                        ) -> tuple[int, str, dict[str, Any]]:
    """Write the priced order row in one statement (it was an INSERT, then an UPDATE of its
    totals once priced: issue 14); returns (id, access token, the row written). Only a
    placing of the same shop that drew the same number in the same moment can have taken
    it since the claim: that raises OrderNumberTaken (placed again: retried_on_number_clash)."""
    token = secrets.token_urlsafe(24)
    fields = dict(
        customer=request.customer_id, contact=checked["contact"],
        address=checked["address"].to_json(), shipping_method=request.shipping_method or "",
        payment_method=checked["payment_method"], coupon_code=request.coupon_code or "",
        points=request.points, note=checked["note"], invoice=checked["invoice"],
        channel=request.channel, requested_delivery_date=checked["requested_delivery_date"])
    row = {**_ORDER_DEFAULTS, **fields, **_totals(pricing),
           **phone_keys(fields.get("contact"), fields.get("address")),
           "tenant": shop.id, "number": number, "status": states.PENDING_PAYMENT,
           "currency": shop.currency, "access_token_hash": orders.hash_token(token),
           "created_at": now, "updated_at": now,
           "payment_due_at": now + dt.timedelta(minutes=shop.payment_timeout_minutes),
           "ship_from": pricing.ship_from}
    inserted = await Order.raw(_INSERT_ORDER, *(
        _json_value(row[name]) if name in _JSON_COLUMNS else row[name]
        for name in _ORDER_COLUMNS))
    if not inserted:
        raise OrderNumberTaken("Could not draw a free order number; try again")
    return inserted[0]["id"], token, inserted[0]


async def open_order(shop: Shop, now: dt.datetime, fields: dict[str, Any]
                     ) -> tuple[int, str, str]:
    """Insert a `pending_payment` order row of `fields` (Order's columns; totals follow once
    priced); returns (id, number, access token). A number already taken in the shop is drawn
    again (ON CONFLICT DO NOTHING). An `external_id` already taken in its channel raises
    AlreadyPlaced naming the order that has it."""
    token = secrets.token_urlsafe(24)
    for _ in range(8):
        number = new_number(shop, now)
        inserted = await Order.insert(Order(
            tenant=shop.id, number=number, status=states.PENDING_PAYMENT,
            currency=shop.currency, access_token_hash=orders.hash_token(token),
            **phone_keys(fields.get("contact"), fields.get("address")), created_at=now,
            updated_at=now,
            payment_due_at=now + dt.timedelta(minutes=shop.payment_timeout_minutes),
            **fields,
        )).on_conflict(action="DO NOTHING").returning(Order.id)
        if inserted:
            return inserted[0]["id"], number, token
        if fields.get("external_id"):
            existing = await channels.find_external(shop.id, fields["channel"],
                                                    fields["external_id"])
            if existing is not None:
                raise channels.AlreadyPlaced(
                    f"Order {fields['external_id']} of channel {fields['channel']} is in "
                    f"this shop already as {existing['number']}", number=existing["number"])
    raise Conflict("Could not draw a free order number; try again")


async def reserve_all(tenant_id: int, pricing: Pricing, number: str, actor: str, *,
                      shop: Shop | None = None, address: Any = None) -> None:
    """Reserve every line in one statement (`inventory.reserve_many`: the rows locked in
    variant order, so that two orders never wait on each other; one ledger INSERT); raise
    one OutOfStock naming every line that ran short. A shop with several active
    locations reserves at the one chosen for `address` (checkout.sourcing); one with a
    single location, at `default`, reading nothing more."""
    wanted = [(line, 0) for line in pricing.lines] + [(g.line, g.keep) for g in pricing.gifts]
    if shop is not None and shop.settings.get(locations.MULTI_LOCATION):
        place = locations.Place(*(getattr(address, name, "") or "" for name in (
            "province", "city", "district")))
        await sourcing.reserve_at_locations(
            tenant_id, sourcing.needs_of(wanted), number, actor, place,
            split=bool(shop.settings.get(locations.SPLIT_ORDERS)))
        return
    needs = sourcing.needs_of(wanted)  # one per variant, in variant order
    try:
        await inventory.reserve_many(
            tenant_id, [(need.variant_id, need.quantity, need.keep) for need in needs],
            reference=number, actor=actor)
    except inventory.OutOfStock as exc:
        skus = {need.variant_id: need.sku for need in needs}
        short = [{"variant_id": item["variant_id"], "sku": skus[item["variant_id"]],
                  "requested": item["requested"], "available": item["available"]}
                 for item in exc.extra["items"]]
        raise inventory.OutOfStock(
            "Not enough stock: " + ", ".join(
                f"{s['sku']} ({s['available']} left, {s['requested']} asked)" for s in short),
            items=short, skus=[s["sku"] for s in short]) from None


# An order's lines and adjustments, one multi-row INSERT each, by SQL written once (its
# rows' placeholders repeated per row): all their columns, as piccolo's INSERT gave them.
_INSERT_LINES = ('INSERT INTO order_line (tenant, "order", variant, sku, name, options, '
                 "unit_price, quantity, line_total, cancelled_quantity, location) VALUES ")
_INSERT_ADJUSTMENTS = ('INSERT INTO order_adjustment (tenant, "order", source, code, label, '
                       "target, amount, data) VALUES ")


def _json_value(value: Any) -> Any:
    """A JSON column's value as piccolo sends it: text as it is, None as NULL, else encoded
    as piccolo encodes it."""
    return value if value is None or isinstance(value, str) else dump_json(value)


@functools.lru_cache(maxsize=64)
def _rows_sql(head: str, width: int, count: int) -> str:
    """`head` and `count` rows of `width` placeholders, returning every column."""
    row = "(" + ", ".join(["{}"] * width) + ")"
    return head + ", ".join([row] * count) + " RETURNING *"


@dataclass(frozen=True)
class WrittenOrder:
    """The rows `write_order` wrote, as a SELECT would give them back."""

    order: dict[str, Any]
    lines: list[dict[str, Any]]
    adjustments: list[dict[str, Any]]


def _totals(pricing: Pricing) -> dict[str, Any]:
    """The order's columns that pricing decides."""
    chosen = pricing.chosen
    eta = chosen.quote.eta_days if chosen is not None else None
    return {"subtotal": pricing.subtotal, "shipping_fee": pricing.shipping_fee,
            "discount_total": pricing.discount_total, "total": pricing.total,
            "eta_max_days": max(eta) if eta else None}


async def write_order(tenant_id: int, order_id: int, pricing: Pricing, *,
                      row: dict[str, Any] | None = None) -> WrittenOrder:
    """Write the priced order's totals, lines and adjustments; returns the rows written
    (one statement each, whatever the number of lines). `row`: the order row as written
    with its totals already (placing), which is then not updated."""
    if row is None:
        order = await Order.update({getattr(Order, name): value for name, value in
                                    _totals(pricing).items()}).where(
            (Order.tenant == tenant_id) & (Order.id == order_id)).returning(
            *Order.all_columns())
    else:
        order = [row]
    lines = [*pricing.lines, *(gift.line for gift in pricing.gifts)]  # gifts at price 0
    written_lines: list[dict[str, Any]] = []
    if lines:
        written_lines = await OrderLine.raw(_rows_sql(_INSERT_LINES, 11, len(lines)), *(
            value for line in lines for value in (
                tenant_id, order_id, line.variant_id, line.sku, line.name,
                _json_value(line.options), line.unit_price, line.quantity, line.line_total,
                0, "default")))
    written_adjustments: list[dict[str, Any]] = []
    if pricing.adjustments:
        written_adjustments = await OrderAdjustment.raw(
            _rows_sql(_INSERT_ADJUSTMENTS, 8, len(pricing.adjustments)), *(
                value for a in pricing.adjustments for value in (
                    tenant_id, order_id, a.source, a.adjustment.code[:64],
                    a.adjustment.label[:120], a.adjustment.target, a.adjustment.amount,
                    _json_value(a.adjustment.data))))
    return WrittenOrder(order[0], sorted(written_lines, key=lambda row: row["id"]),
                        sorted(written_adjustments, key=lambda row: row["id"]))


__all__ = ["CANCEL_UNPAID_JOB", "OrderNumberTaken", "OrderRequest", "PlacedOrder",
           "WrittenOrder", "new_number", "open_order", "place_order", "reserve_all",
           "retried_on_number_clash", "write_order"]

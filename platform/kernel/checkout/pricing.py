"""Pricing a cart on the server: subtotal, shipping options, adjustments, totals.

The kernel computes the default (current variant prices, the chosen method's quote),
plugins transform it (price adjusters, in their `order`), and the kernel normalises the
result: amounts are integers of minor units, a discount is never positive, the items'
discounts never exceed the subtotal and shipping discounts never exceed the fee, so the
total is never below zero. Clients' totals are never read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.checkout.carts import CartView
from galleria.kernel.checkout.contracts import (
    AddedLine,
    Address,
    Adjustment,
    InputChoice,
    NotOffered,
    PriceAdjuster,
    PricedLine,
    PricingContext,
    Quote,
    ShippingMethod,
)
from galleria.kernel.errors import Conflict, DomainError, FieldError, ValidationFailed
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop

log = logging.getLogger("galleria.checkout")
TARGETS = ("items", "shipping")
PLUGIN_TIMEOUT = 10  # seconds a quote or an adjuster may take
CART_OWNER = object()  # price_cart's default shopper: the cart's owner


class PricingUnavailable(Conflict):
    """An essential price adjuster failed (PriceAdjuster.essential): no price is given."""

    code, title = "pricing_unavailable", "Pricing unavailable"


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    quote: Quote

    def to_json(self) -> dict[str, Any]:
        eta = self.quote.eta_days
        return {"code": self.code, "name": self.name, "fee": self.quote.fee,
                "eta": {"min_days": eta[0], "max_days": eta[1]} if eta else None}


@dataclass(frozen=True)
class UnavailableOption:
    """A shipping method that cannot serve this cart or address, and why (NotOffered):
    `reason` in the pricing's language, `reason_code` the stable machine name of it."""

    code: str
    name: str
    reason: str
    reason_code: str = "not_offered"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "reason": self.reason,
                "reason_code": self.reason_code}


@dataclass(frozen=True)
class AppliedAdjustment:
    source: str  # the adjuster's code
    adjustment: Adjustment

    def to_json(self) -> dict[str, Any]:
        a = self.adjustment
        return {"source": self.source, "code": a.code, "label": a.label, "target": a.target,
                "amount": a.amount}


@dataclass(frozen=True)
class GiftLine:
    """A line an adjustment added at price 0 (`AddedLine`), with the variant's details."""

    source: str  # the adjuster's code
    line: PricedLine  # unit_price 0
    keep: int  # units that must stay available after its reservation

    def to_json(self) -> dict[str, Any]:
        line = self.line
        return {"source": self.source, "variant_id": line.variant_id,
                "product_id": line.product_id, "sku": line.sku, "name": line.name,
                "options": line.options, "unit_price": 0, "quantity": line.quantity,
                "line_total": 0}


@dataclass(frozen=True)
class Pricing:
    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: int
    shipping_options: tuple[ShippingOption, ...]
    shipping_method: str | None
    shipping_fee: int
    adjustments: tuple[AppliedAdjustment, ...]
    unavailable: tuple[UnavailableOption, ...] = ()
    gifts: tuple[GiftLine, ...] = ()  # lines added at price 0 by adjustments

    @property
    def chosen(self) -> ShippingOption | None:
        return next((o for o in self.shipping_options if o.code == self.shipping_method), None)

    @property
    def ship_from(self) -> str:
        """The location the chosen quote is for ('' when it names none)."""
        chosen = self.chosen
        return (chosen.quote.location or "") if chosen is not None else ""

    @property
    def discount_total(self) -> int:
        return -sum(a.adjustment.amount for a in self.adjustments)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_fee - self.discount_total

    @property
    def choices(self) -> list[Any]:
        """The adjustments' `InputChoice`s: what else the shopper could pick."""
        return [c for a in self.adjustments for c in a.adjustment.choices]

    def to_json(self) -> dict[str, Any]:
        return {"shipping_options": [o.to_json() for o in self.shipping_options],
                "unavailable_shipping": [u.to_json() for u in self.unavailable],
                "shipping_method": self.shipping_method,
                "adjustments": [a.to_json() for a in self.adjustments],
                "gift_lines": [g.to_json() for g in self.gifts],
                "subtotal": self.subtotal, "shipping_fee": self.shipping_fee,
                "discount_total": self.discount_total, "total": self.total,
                "currency": self.currency, "choices": [c.to_json() for c in self.choices]}


async def price_cart(shop: Shop, cart: CartView, *, host: PluginHost,
                     address: Address | None = None, shipping_method: str | None = None,
                     coupon_code: str | None = None, points: int = 0,
                     placing: bool = False, order_number: str | None = None,
                     customer_id: int | object | None = CART_OWNER,
                     locale: str | None = None) -> Pricing:
    """Price `cart`'s sellable lines for `address` and `shipping_method` (inside the shop's
    scope). Raises ValidationFailed when `shipping_method` is not among the options: with
    no shipping plugin enabled there are none, and it must be None (fee 0).

    `customer_id` is the shopper asking (None: a guest), whose points and member level the
    adjusters apply; by default the cart's owner. The API passes the signed-in shopper, so
    that knowing a cart's id never spends its owner's points."""
    shopper = cart.customer_id if customer_id is CART_OWNER else customer_id
    lines = tuple(cart.sellable)
    subtotal = sum(line.line_total for line in lines)
    enabled = await enabled_plugins(shop.id)
    options, unavailable = await _shipping_options(host, enabled, shop, list(lines), address,
                                                   locale or shop.locale)
    fee = _chosen_fee(options, unavailable, shipping_method)
    context = PricingContext(
        shop=shop, currency=shop.currency, lines=lines, subtotal=subtotal,
        shipping_method=shipping_method, shipping_fee=fee, address=address,
        coupon_code=coupon_code or None, points=points,
        customer_id=shopper if isinstance(shopper, int) else None,
        placing=placing, order_number=order_number, locale=locale or shop.locale)
    adjusters = sorted(host.provided("galleria_price_adjusters", enabled, PriceAdjuster,
                                     shop=shop), key=lambda a: (a.order, a.code))
    applied = await apply_adjusters(adjusters, context)
    # Placing writes the order after pricing it, with the chosen quote's location as its
    # `ship_from` (Pricing.ship_from): nothing to write here.
    return Pricing(currency=shop.currency, lines=lines, subtotal=subtotal,
                   shipping_options=tuple(options), shipping_method=shipping_method,
                   shipping_fee=fee, adjustments=tuple(applied),
                   unavailable=tuple(unavailable),
                   gifts=tuple(await gift_lines(shop.id, applied)))


async def gift_lines(tenant_id: int, applied: list[AppliedAdjustment]) -> list[GiftLine]:
    """The adjustments' added lines with their variants' details. A variant that is not the
    shop's, not active or deleted is left out (logged): a gift nobody can ship is no gift.
    The product need not be published: gifts are often not sold on their own."""
    wanted = [(a.source, added) for a in applied for added in a.adjustment.lines]
    if not wanted:
        return []
    rows = await Variant.select(
        Variant.id, Variant.sku, Variant.options, Variant.status,
        Variant.weight_grams, Variant.product.id.as_alias("product_id"),
        Variant.product.name.as_alias("name"),
        Variant.product.deleted_at.as_alias("deleted_at"),
    ).where((Variant.tenant == tenant_id)
            & Variant.id.is_in([added.variant_id for _, added in wanted]))
    found = {row["id"]: row for row in rows
             if row["status"] == "active" and row["deleted_at"] is None}
    out = []
    for source, added in wanted:
        row = found.get(added.variant_id)
        if row is None:
            log.warning("adjuster %r added variant %r, not an active variant of shop %s; "
                        "left out", source, added.variant_id, tenant_id)
            continue
        options = row["options"]
        if isinstance(options, str):
            options = json.loads(options or "{}")
        out.append(GiftLine(source, PricedLine(
            variant_id=row["id"], product_id=row["product_id"], sku=row["sku"],
            name=row["name"], options=options or {}, unit_price=0, quantity=added.quantity,
            weight_grams=row["weight_grams"] or 0), added.keep))
    return out


async def shipping_methods(host: PluginHost, enabled: Iterable[str], shop: Shop, *,
                           offered_only: bool = True) -> list[ShippingMethod]:
    """The shipping methods of the shop's enabled plugins, each asked `offered` (which
    settles its name); with `offered_only`, only those the shop really has (a method that
    fails to answer is left out, logged). Without it, every method: for naming and for
    shipping orders placed before the shop changed its methods."""
    methods = host.provided("galleria_shipping_methods", sorted(enabled), ShippingMethod,
                            shop=shop)
    answers = await asyncio.gather(*(_offered(m, shop) for m in methods))
    return [m for m, yes in zip(methods, answers, strict=True) if yes or not offered_only]


async def _offered(method: ShippingMethod, shop: Shop) -> bool:
    try:
        async with asyncio.timeout(PLUGIN_TIMEOUT):
            return bool(await method.offered(shop))
    except Exception:
        log.warning("shipping method %r failed to say whether it is offered; left out",
                    method.code, exc_info=True)
        return False


async def _shipping_options(host: PluginHost, enabled: frozenset[str], shop: Shop,
                            lines: list[PricedLine],
                            address: Address | None, locale: str | None = None,
                            ) -> tuple[list[ShippingOption], list[UnavailableOption]]:
    methods = await shipping_methods(host, enabled, shop)
    quotes = await asyncio.gather(*(_quote(m, shop, lines, address) for m in methods))
    options, unavailable = [], []
    for method, quote in zip(methods, quotes, strict=True):
        name = method.title
        if isinstance(quote, Quote):
            options.append(ShippingOption(method.code, name, quote))
        elif isinstance(quote, NotOffered):
            unavailable.append(UnavailableOption(method.code, name,
                                                 _refusal_text(method, quote, locale)[:200],
                                                 _reason_code(quote)))
    return options, unavailable


def _refusal_text(method: ShippingMethod, refusal: NotOffered, locale: str | None) -> str:
    """The refusal in `locale`; a plugin whose catalog fails is heard in English."""
    try:
        return str(refusal.text(locale))
    except Exception:
        log.warning("shipping method %r: its refusal could not be translated to %s",
                    method.code, locale, exc_info=True)
        return str(refusal.reason)


def _reason_code(refusal: NotOffered) -> str:
    code = str(refusal.reason_code)
    return code[:60] if re.fullmatch(r"[a-z][a-z0-9_]*", code) else "not_offered"


async def _quote(method: ShippingMethod, shop: Shop, lines: list[PricedLine],
                 address: Address | None) -> Quote | NotOffered | None:
    """A method that fails or answers nonsense is left out of the options (logged)."""
    try:
        async with asyncio.timeout(PLUGIN_TIMEOUT):
            quote = await method.quote(shop, lines, address)
    except Exception:
        log.warning("shipping method %r failed to quote; not offered", method.code,
                    exc_info=True)
        return None
    if quote is None or isinstance(quote, NotOffered):
        return quote
    if not isinstance(quote, Quote) or type(quote.fee) is not int or quote.fee < 0:
        log.warning("shipping method %r quoted %r: not a Quote with a fee of 0 or more "
                    "minor units; not offered", method.code, quote)
        return None
    return quote


def _chosen_fee(options: list[ShippingOption], unavailable: list[UnavailableOption],
                shipping_method: str | None) -> int:
    if shipping_method is None:
        return 0
    for option in options:
        if option.code == shipping_method:
            return option.quote.fee
    for option in unavailable:
        if option.code == shipping_method:
            raise ValidationFailed(f"{option.name}: {option.reason}",
                                   errors=[FieldError("shipping_method", option.reason)])
    offered = ", ".join(o.code for o in options) or "none (omit shipping_method)"
    raise ValidationFailed("This shipping method is not offered for this cart and address",
                           errors=[FieldError("shipping_method", f"offered: {offered}")])


async def apply_adjusters(adjusters: list[PriceAdjuster],
                           context: PricingContext) -> list[AppliedAdjustment]:
    """Run the adjusters in order, each seeing the normalised adjustments before it.

    An adjuster that raises an unexpected exception (a bug, a timeout) or answers anything
    but a list of valid `Adjustment`s is skipped with a logged warning and contributes no
    discount, and whatever it wrote is rolled back to a savepoint. That is the safe way to
    fail: a broken marketing plugin must not stop a shop from selling, and when it cannot
    vouch for a discount the shopper pays the undiscounted price the preview then shows —
    the merchant never gives away money nobody checked. An `essential` adjuster that fails
    refuses instead (PricingUnavailable): pricing without it would be wrong. A
    `DomainError`, by contrast, is an adjuster's deliberate refusal (a coupon used up, not
    enough points): it propagates, so the preview says why and placing the order is refused
    as a whole (never half-redeemed).
    """
    applied: list[AppliedAdjustment] = []
    # Each adjuster's writes are undone on its own when it fails; the savepoints that takes
    # are sent only when needed (db.RestorePoints: one for the bench's whole chain).
    async with db.restore_points() as points, _EachTimed(PLUGIN_TIMEOUT) as timed:
        current, seen = context, None  # rebuilt only when an adjuster added to `applied`
        for adjuster in adjusters:
            code = adjuster.code or type(adjuster).__name__
            if len(applied) != seen:
                current = replace(context, applied=tuple(a.adjustment for a in applied))
                seen = len(applied)
            if points is not None:
                points.step()
            try:
                checked = _checked(await timed(adjuster.adjust(current)))
            except DomainError:
                raise
            except Exception as exc:
                if points is not None:
                    await points.undo_step()
                if adjuster.essential:
                    log.warning("essential price adjuster %r failed; pricing refused", code,
                                exc_info=True)
                    raise PricingUnavailable(
                        "This cart cannot be priced right now; try again in a moment",
                        adjuster=code) from exc
                log.warning("price adjuster %r failed; skipped, no discount from it", code,
                            exc_info=True)
                continue
            applied.extend(_normalised(code, checked, context, applied))
    return applied


class _EachTimed:
    """`asyncio.timeout(limit)` for each of a chain's calls, with one timer for the chain.

    A timeout per call schedules and cancels a timer per adjuster, and cancelled timers
    stay in the loop's heap until it is cleaned; a shop with half a dozen idle adjusters
    paid that in every preview and order. Here the one timer, when it goes off, looks at
    the call running then: one that has run `limit` seconds is cancelled and its caller
    gets TimeoutError, exactly as from asyncio.timeout; otherwise the timer is set again
    for when that call's time is up."""

    def __init__(self, limit: float) -> None:
        self._limit = limit
        self._timer: asyncio.TimerHandle | None = None
        self._started: float | None = None  # when the running call began
        self._expired = False

    async def __aenter__(self) -> _EachTimed:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    async def __call__(self, call: Any) -> Any:
        assert self._task is not None
        self._started = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_at(self._started + self._limit, self._look)
        cancelling = self._task.cancelling()
        try:
            result = await call
        except asyncio.CancelledError:
            if self._expired and self._task.uncancel() <= cancelling:
                raise TimeoutError(f"took over {self._limit} s") from None
            raise
        else:
            if self._expired:  # the call swallowed its cancellation (as asyncio.timeout)
                self._task.uncancel()
            return result
        finally:
            self._started, self._expired = None, False

    def _look(self) -> None:
        self._timer = None
        if self._started is None:  # between calls: the next call sets it again
            return
        due = self._started + self._limit
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._look)
        else:
            self._expired = True
            assert self._task is not None
            self._task.cancel()


def _checked(result: Any) -> list[Adjustment]:
    if not isinstance(result, list):
        raise TypeError(f"adjust() must return a list of Adjustment, got {result!r}")
    for item in result:
        if not isinstance(item, Adjustment) or type(item.amount) is not int:
            raise TypeError(f"not an Adjustment with an int amount: {item!r}")
        if item.amount > 0:
            raise TypeError(f"an adjustment is a discount (0 or negative): {item!r}")
        if item.target not in TARGETS:
            raise TypeError(f"target must be one of {TARGETS}: {item!r}")
        if any(not isinstance(c, InputChoice) or type(c.saves) is not int
               for c in item.choices):
            raise TypeError(f"choices must be InputChoice with an int saves: {item!r}")
        for added in item.lines:
            if (not isinstance(added, AddedLine) or type(added.variant_id) is not int
                    or type(added.quantity) is not int or not 0 < added.quantity <= 999
                    or type(added.keep) is not int or added.keep < 0):
                raise TypeError(f"lines must be AddedLine(variant_id, quantity 1–999, "
                                f"keep >= 0): {added!r}")
    return result


def _normalised(source: str, adjustments: list[Adjustment], context: PricingContext,
                before: list[AppliedAdjustment]) -> list[AppliedAdjustment]:
    """Clamp each discount to what is left of its target (subtotal or shipping fee)."""
    room = {"items": context.subtotal, "shipping": context.shipping_fee}
    for a in before:
        room[a.adjustment.target] += a.adjustment.amount
    out = []
    for adjustment in adjustments:
        amount = max(adjustment.amount, -room[adjustment.target])
        room[adjustment.target] += amount
        out.append(AppliedAdjustment(source, replace(adjustment, amount=amount)))
    return out


__all__ = ["AppliedAdjustment", "GiftLine", "Pricing", "PricingUnavailable", "ShippingOption",
           "UnavailableOption", "apply_adjusters", "price_cart"]

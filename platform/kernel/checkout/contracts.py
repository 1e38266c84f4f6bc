"""What shipping and pricing plugins implement, and the plain data they are given.

`galleria_shipping_methods(shop)` returns `ShippingMethod` subclasses' instances;
`galleria_price_adjusters(shop)` returns `PriceAdjuster` subclasses' instances (base classes
with safe defaults, below). Every amount is an integer of minor units (fen,
cents) in the shop's currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from babel.dates import format_skeleton

from galleria.kernel.errors import DomainError
from galleria.kernel.money import Money

if TYPE_CHECKING:
    from galleria.kernel.catalogs import PluginCatalog
    from galleria.kernel.fulfilment.contracts import (
        ShipmentCreated,
        ShipmentRequest,
        TrackedShipment,
        TrackingUpdate,
    )
    from galleria.kernel.tenancy.shops import Shop


@dataclass(frozen=True)
class Address:
    """A delivery address (API.md's shape). `country` is ISO 3166-1 alpha-2 (`CN`)."""

    name: str
    phone: str
    country: str
    province: str
    city: str
    line1: str
    district: str = ""
    line2: str = ""
    postal_code: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "country": self.country,
                "province": self.province, "city": self.city, "district": self.district,
                "line1": self.line1, "line2": self.line2, "postal_code": self.postal_code}


@dataclass(frozen=True)
class PricedLine:
    """A cart line at the variant's current price, as plugins see it. `category_id` is
    the product's category (None when it has none), for discounts scoped to categories."""

    variant_id: int
    product_id: int
    sku: str
    name: str
    options: dict[str, str]
    unit_price: int
    quantity: int
    weight_grams: int = 0
    category_id: int | None = None

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Quote:
    """A shipping method's price for one cart and address: `fee`, and optionally the
    delivery time as a range of days (`eta_days=(1, 3)`). A method tied to one location
    (门店/仓库) — a store's same-city area, pickup at a store — names its `code` as
    `location`: an order placed with this quote is sourced there, and only there."""

    fee: int
    eta_days: tuple[int, int] | None = None
    location: str = ""


@dataclass(frozen=True)
class NotOffered:
    """What `quote` answers instead of a Quote when the method cannot serve this cart or
    address and the shopper should know why ("outside our 5 km delivery radius", "the
    18:00–20:00 slot is full"). The checkout shows the reason next to the method.

    In the shopper's language: give `message`, an English message id with `%(name)s`
    placeholders, its `values`, and `catalog`, the plugin's `PluginCatalog` that translates
    it; the checkout and the API fill it in the request's language. A value that is a
    `Money` is shown in the currency's major unit (`¥12.50`), a `datetime.date` as a short
    date of the locale (`12月5日`, `Dec 5`), a float with at most one decimal (a distance:
    say its unit in the message, `%(distance)s km`). `code` is a stable machine name of
    the reason (`outside_radius`, `slot_full`; the API's `reason_code`, default
    `not_offered`). `reason` is the plain-text reason, filled in English from `message`
    when not given; a plain `NotOffered("text")` is still shown as it is, in every
    language."""

    reason: str = ""
    code: str = ""
    message: str = ""
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)
    catalog: PluginCatalog | None = field(default=None, compare=False, hash=False,
                                          repr=False)

    def __post_init__(self) -> None:
        if self.message and not self.reason:
            object.__setattr__(self, "reason", self.text(None))

    @property
    def reason_code(self) -> str:
        return self.code or "not_offered"

    def text(self, locale: str | None) -> str:
        """The reason in `locale` (`zh_CN`, `en`; None: English). A message its values do
        not fill is shown as `reason`."""
        if not self.message:
            return self.reason
        try:
            return self.fill(locale)
        except (KeyError, ValueError, TypeError):
            return self.reason or self.message

    def fill(self, locale: str | None) -> str:
        """`message` in `locale` filled with `values`; raises KeyError, ValueError or
        TypeError when they do not fill it (the contract suite's check)."""
        template = self.message
        if self.catalog is not None and locale:
            template = self.catalog.translate(locale, self.message)
        return template % {name: _shown(value, locale) for name, value in self.values.items()}


def _shown(value: Any, locale: str | None) -> str:
    """A NotOffered value as the shopper reads it in `locale`."""
    if isinstance(value, Money):
        return value.format()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_skeleton("MMMd", value, locale=locale or "en")
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


class ShippingMethod:
    """A way to deliver: the base class of every shipping method. `code` is unique among a
    shop's methods (`sf_express`, `pickup`); `name` is shown to shoppers (the code when
    empty).

    `quote` answers None when the method does not serve this cart or address (too heavy,
    outside the delivery area), or `NotOffered` when the shopper should be told why (in
    their language: `NotOffered(code=…, message=…, values=…, catalog=…)`);
    it may be called without an address (a first preview), and should then quote what it
    can or answer None. It must not write anything.

    A method that books parcels itself overrides `create_shipment`, one that can poll its
    carrier overrides `track` (galleria.kernel.fulfilment.contracts has their arguments and
    results); the defaults answer None: "not done by this method", and the merchant types
    the carrier and tracking number instead. The method usually hands that work to the
    `Carrier` (galleria.kernel.fulfilment.contracts) chosen for the parcel.
    """

    code: str = ""
    name: str = ""

    @property
    def title(self) -> str:
        return self.name or self.code

    async def offered(self, shop: Shop) -> bool:
        """Whether the shop really has this method now: a plugin that returns one method per
        configured slot or pickup point answers False for the places it has not configured,
        and the method is then left out of lists, previews and the console's forms (orders
        already placed with it still ship through it). It may settle `name` here. Default:
        True. It must not write anything."""
        return True

    async def quote(self, shop: Shop, lines: list[PricedLine],
                    address: Address | None) -> Quote | NotOffered | None:
        """The fee for these lines to `address`. Required."""
        raise NotImplementedError(f"{type(self).__name__} must implement quote")

    async def create_shipment(self, shop: Shop,
                              request: ShipmentRequest) -> ShipmentCreated | None:
        """Book the parcel with the carrier (a waybill) or prepare a pickup (a pickup code).
        Default: None, this method books nothing itself."""
        return None

    async def track(self, shop: Shop, shipment: TrackedShipment) -> list[TrackingUpdate] | None:
        """Ask the carrier where the parcel is. Default: None, not trackable from here."""
        return None

    async def delivery_slot(self, shop: Shop, order_number: str) -> str | None:
        """The delivery slot the order booked with this method, as the merchant reads it
        (`"2026-12-05 18:00–20:00"`): pick lists gather the orders of one slot. Default:
        None, this method has no slots. Must not write anything."""
        return None


@dataclass(frozen=True)
class AddedLine:
    """A line an adjustment adds to the order at price 0: a gift with purchase.

    `variant_id` is a variant of the shop; its stock is reserved in the order's transaction
    like any line's, and only if `keep` units stay available afterwards (the gift's safety
    level): when fewer do, placing the order is refused with 409 `out_of_stock` naming it.
    """

    variant_id: int
    quantity: int = 1
    keep: int = 0


@dataclass(frozen=True)
class InputChoice:
    """Another value the shopper may pick for a checkout input instead of the one an
    adjuster applied (`input` `coupon_code`: another coupon of their wallet). `label` says
    what it is in the shopper's language, `saves` what it would take off (minor units),
    `chosen` marks the one applied. The checkout lists them; the API's preview answers them
    as `choices`."""

    input: str
    value: str
    label: str
    saves: int
    chosen: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "value": self.value, "label": self.label,
                "saves": self.saves, "chosen": self.chosen}


@dataclass(frozen=True)
class Adjustment:
    """A signed amount an adjuster adds to a priced cart; a discount is negative.

    `target` is `items` (off the subtotal) or `shipping` (off the shipping fee: free
    shipping). `code` names it (`coupon`, `points`, `member_discount`); `label` is shown to
    the shopper; `data` (JSON-able) is kept on the order for the plugin (a coupon id…).
    `lines` are `AddedLine`s it adds at price 0 (a gift: `amount` 0, the label names it).
    `choices` are `InputChoice`s: what else the shopper could pick instead (best first).
    """

    code: str
    amount: int
    label: str = ""
    target: str = "items"
    data: dict[str, Any] = field(default_factory=dict)
    lines: tuple[AddedLine, ...] = ()
    choices: tuple[InputChoice, ...] = ()


@dataclass(frozen=True)
class PricingContext:
    """What an adjuster judges. `applied` holds the adjustments of the adjusters that ran
    before it (lower `order`), already normalised, so that points can pay what is left.

    `placing` is True inside the transaction that places order `order_number`: the moment
    to redeem (a coupon's use, points) with a conditional update, and to refuse by raising
    a `DomainError` (`Conflict("coupon used up")`), which refuses the whole order.

    `locale` is the shopper's language (`zh_CN`, `en`; the shop's when the request named
    none): write `Adjustment.label` in it, through the plugin's `PluginCatalog`.
    """

    shop: Shop
    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: int
    shipping_method: str | None
    shipping_fee: int
    address: Address | None
    coupon_code: str | None
    points: int
    customer_id: int | None
    applied: tuple[Adjustment, ...] = ()
    placing: bool = False
    order_number: str | None = None
    locale: str = ""

    @property
    def payable(self) -> int:
        """What is left to pay after the adjustments so far (items and shipping)."""
        return self.subtotal + self.shipping_fee + sum(a.amount for a in self.applied)


class PriceAdjuster:
    """Turns a priced cart into adjustments: the base class of every adjuster. Adjusters run
    in ascending `order` (ties by `code`): discounts first (e.g. 100), points last (e.g.
    900). The default adjusts nothing.

    An adjuster that fails unexpectedly (a bug, a timeout) is skipped: the cart is priced
    without it. An `essential` one refuses instead (409 `pricing_unavailable`, "try again"):
    set it when pricing without you would be wrong — a flash sale's variant must never sell
    at full price because its gate was slow.
    """

    order: int = 100
    code: str = ""
    # The checkout inputs this adjuster reads (`"coupon_code"`, `"points"`): the storefront's
    # checkout shows an input only when an enabled adjuster reads it. Default: none.
    inputs: tuple[str, ...] = ()
    essential: bool = False

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        return []

    async def admit(self, shop: Shop, wanted: Callable[[], Awaitable[dict[int, int]]],
                    locale: str) -> AdmissionTicket | None:
        """Turn a buyer away before the order's transaction opens (`POST /api/v1/orders`
        and the checkout form): a sold-out flash sale's late buyers, who would otherwise
        queue for a database connection only to be refused. Raise a `DomainError`
        (`Conflict`) to refuse.
        `await wanted()` gives the cart's {variant id: quantity} (one read, the first time
        it is called: call it only when there is something to refuse; {} when the shop has
        not enabled your plugin, whose refusals are then ignored). Answer from memory or
        Redis, never write the database: a fast pre-check; `adjust` with `placing` stays the
        exact one.

        An adjuster may also *take* something for the buyer here (a flash sale's units from
        a Redis counter, so that the many who come too late are refused here and not in the
        order's transaction) and return an `AdmissionTicket` for it: the kernel calls its
        `close()` exactly once when the request ends, however it ends — the order committed
        or refused, an error of any kind, the client gone — and the adjuster gives back
        there what no committed order kept (its `adjust` with `placing`, in the same
        request, finds its ticket among `admission_tickets()` and uses it instead of taking
        again). Returning None takes nothing. The default admits everyone."""
        return None

    async def admit_many(self, shop: Shop,
                         wanted: Callable[[], Awaitable[list[dict[int, int]]]],
                         locales: list[str]) -> list[AdmissionTicket | DomainError | None]:
        """`admit` for several buyers of one shop at once, in the order given: the kernel's
        admission door gathers the `POST /api/v1/orders` that arrive together while an
        adjuster of the shop gates buyers (a flash-sale burst) and asks once for all of them.
        `await wanted()` gives each buyer's cart as {variant id: quantity}, in the same order
        (one read for all of them). Answer one entry per buyer: None (nothing taken), an
        `AdmissionTicket`, or the refusal as a `DomainError` *returned*, not raised; `locales`
        are the buyers' languages for its message. Raising refuses nobody (the door then
        lets every buyer through to `admit`), so give back what you took before raising.

        The default asks `admit` for each buyer in turn; define it when one round trip can
        answer them all (a flash sale's Lua script over every buyer's units)."""
        carts: list[dict[int, int]] | None = None
        answers: list[AdmissionTicket | DomainError | None] = []

        def cart_of(index: int) -> Callable[[], Awaitable[dict[int, int]]]:
            async def cart() -> dict[int, int]:
                nonlocal carts
                if carts is None:
                    carts = await wanted()
                return dict(carts[index])
            return cart

        try:
            for index, locale in enumerate(locales):
                try:
                    answers.append(await self.admit(shop, cart_of(index), locale))
                except DomainError as refusal:
                    answers.append(refusal)
        except BaseException:
            for answer in answers:
                if isinstance(answer, AdmissionTicket):
                    await answer.close()
            raise
        return answers


class AdmissionTicket:
    """What an adjuster's `admit` took for one request (see `PriceAdjuster.admit`).

    `close()` is called once, after the order's transaction committed or rolled back (or was
    never opened): give back whatever no committed order kept. A failure in it is logged,
    never the buyer's answer; it should be quick, since the answer waits for it."""

    async def close(self) -> None:
        return None


__all__ = ["AddedLine", "Address", "Adjustment", "AdmissionTicket", "InputChoice", "NotOffered",
           "PriceAdjuster", "PricedLine", "PricingContext", "Quote", "ShippingMethod"]

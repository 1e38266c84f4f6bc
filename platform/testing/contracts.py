"""Contract suites for the extension points a plugin contributes objects to (besides payment
gateways: `galleria.testing.gateways`). Each `check_*` calls the object the way the kernel
does and fails with an `AssertionError` that says which rule of docs/plugins.md it broke;
it returns what the object answered, for the plugin's own assertions.

    method = my_plugin.galleria_shipping_methods(shop=shop)[0]
    quote = await check_shipping_method(method, shop)
    assert quote.fee == 1200
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from galleria.kernel import (
    Address,
    Adjustment,
    Carrier,
    CustomerHistory,
    NotificationMessage,
    NotOffered,
    PricedLine,
    PricingContext,
    Quote,
    ReviewContext,
    ShipmentCreated,
    ShipmentLine,
    ShipmentRequest,
    ShippingMethod,
    Shop,
    TrackedShipment,
    TrackingUpdate,
    Verdict,
)
from galleria.kernel.fulfilment.contracts import TRACKING_STATUSES

CODE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
ADDRESS = Address(name="李雷", phone="13800138000", country="CN", province="浙江省",
                  city="杭州市", district="西湖区", line1="文三路 90 号")
LINES = (PricedLine(variant_id=1, product_id=1, sku="TEA-100", name="龙井 100g", options={},
                    unit_price=2800, quantity=2, weight_grams=250),)


def _require(condition: bool, rule: str) -> None:
    if not condition:
        raise AssertionError(rule)


def _is_amount(value: Any) -> bool:
    return type(value) is int  # minor units: never a float, a bool or a string


def _names_itself(thing: Any, kind: str, *, order: bool = False) -> str:
    code = getattr(thing, "code", None)
    _require(isinstance(code, str) and bool(CODE.match(code)),
             f"a {kind} has a `code`: lowercase letters, digits and _.:- (got {code!r})")
    if order:
        _require(type(getattr(thing, "order", None)) is int, f"{kind} {code}: `order` is an int")
    return code


# -- shipping methods ------------------------------------------------------------------------
async def check_shipping_method(method: Any, shop: Shop,
                                lines: tuple[PricedLine, ...] | list[PricedLine] = LINES,
                                address: Address | None = ADDRESS
                                ) -> Quote | NotOffered | None:
    """A method quotes without an address (a first preview) and with one, answers a `Quote`
    (fee in minor units ≥ 0, `eta_days` a (min, max) range), `NotOffered` or None,
    writes nothing (the same question gets the same answer). A `NotOffered` says why; its
    `code` is a machine name, its `values` fill its `message` in English and, when it
    names a `catalog`, in that catalog's Chinese, which translates it. Returns the quote
    for `address`."""
    code = _names_itself(method, "shipping method")
    _require(isinstance(getattr(method, "name", None), str) and bool(method.name.strip()),
             f"shipping method {code}: `name` is shown to shoppers and is not empty")
    answers = []
    for where in (None, address, address):
        answer = await method.quote(shop, list(lines), where)
        _require(answer is None or isinstance(answer, Quote | NotOffered),
                 f"shipping method {code}: quote() answers Quote, NotOffered or None, "
                 f"not {answer!r}")
        if isinstance(answer, Quote):
            _require(_is_amount(answer.fee) and answer.fee >= 0,
                     f"shipping method {code}: the fee is an int of minor units ≥ 0")
            eta = answer.eta_days
            _require(eta is None or (len(eta) == 2 and all(type(d) is int for d in eta)
                                     and 0 <= eta[0] <= eta[1]),
                     f"shipping method {code}: eta_days is (min, max) days, min ≤ max")
        if isinstance(answer, NotOffered):
            _check_not_offered(answer, code)
        answers.append(answer)
    _require(answers[1] == answers[2],
             f"shipping method {code}: the same question gets the same quote")
    return answers[1]


def _check_not_offered(answer: NotOffered, code: str) -> None:
    _require(isinstance(answer.reason, str) and bool(answer.reason.strip()),
             f"shipping method {code}: NotOffered says why (shown to the shopper)")
    _require(not answer.code or re.fullmatch(r"[a-z][a-z0-9_]{0,59}", answer.code) is not None,
             f"shipping method {code}: NotOffered's code is a machine name "
             f"(lowercase_with_underscores), not {answer.code!r}")
    if not answer.message:
        return
    for locale in ("en", *(("zh_CN",) if answer.catalog is not None else ())):
        try:
            answer.fill(locale)
        except (KeyError, ValueError, TypeError) as exc:
            raise AssertionError(f"shipping method {code}: NotOffered's values fill its "
                                 f"message in {locale} ({exc!r})") from exc
    if answer.catalog is not None:
        _require(answer.catalog.translate("zh_CN", answer.message) != answer.message,
                 f"shipping method {code}: NotOffered's message is translated in its "
                 f"catalog's zh_CN ({answer.message!r})")


def shipment_request(shop: Shop, method: str, carrier: str = "",
                     reference: str = "T0001_S1", **fields: Any) -> ShipmentRequest:
    """A `ShipmentRequest` for one parcel of the test order (override any field by keyword)."""
    values: dict[str, Any] = {
        "shop": shop, "reference": reference, "order_number": reference.split("_")[0],
        "method": method, "carrier": carrier, "address": ADDRESS,
        "contact": {"name": ADDRESS.name, "phone": ADDRESS.phone},
        "lines": tuple(ShipmentLine(variant_id=line.variant_id, sku=line.sku, name=line.name,
                                    quantity=line.quantity, weight_grams=line.weight_grams)
                       for line in LINES)}
    return ShipmentRequest(**{**values, **fields})


async def check_carrier(carrier: Carrier | ShippingMethod, request: ShipmentRequest, *,
                        same_on_retry: bool = False, tracked: TrackedShipment | None = None
                        ) -> tuple[ShipmentCreated | None, list[TrackingUpdate] | None]:
    """A `Carrier` (or a `ShippingMethod` that books parcels itself) keeps the carrier
    contract. Booking (`create_shipment`) answers a `ShipmentCreated` with the carrier's
    code and a waybill number or a pickup code (`label` JSON-able); with `same_on_retry`, a
    retry of the same `reference` gets the first waybill (carriers that deduplicate, as SF
    Express does). A `Carrier` may book nothing (None: a tracking service); a shipping
    method checked here must book. Tracking (`track`) answers None (not polled) or
    `TrackingUpdate`s with a normalised status and an aware time; the booked parcel is
    tracked, else `tracked`. Returns (the shipment or None, its updates or None)."""
    code = _names_itself(carrier, "carrier")
    _require(isinstance(carrier, Carrier | ShippingMethod),
             f"carrier {code}: is a galleria.kernel.Carrier (or a ShippingMethod)")
    is_carrier = isinstance(carrier, Carrier)
    if is_carrier:
        _require(isinstance(carrier.name, str), f"carrier {code}: `name` is a string")

    async def book() -> ShipmentCreated | None:
        if isinstance(carrier, Carrier):
            return await carrier.create_shipment(request)
        return await carrier.create_shipment(request.shop, request)

    created = await book()
    _require((created is None and is_carrier) or isinstance(created, ShipmentCreated),
             f"carrier {code}: create_shipment answers a ShipmentCreated"
             f"{' or None' if is_carrier else ''}, not {created!r}")
    if created is not None:
        _require(bool(created.carrier), f"carrier {code}: the shipment names its carrier")
        _require(bool(created.tracking_number or created.pickup_code),
                 f"carrier {code}: the shipment has a waybill number or a pickup code")
        try:
            json.dumps(created.label)
        except (TypeError, ValueError):
            raise AssertionError(f"carrier {code}: the label is JSON-able") from None
        if same_on_retry:
            again = await book()
            _require(again is not None and again.tracking_number == created.tracking_number,
                     f"carrier {code}: a retry of {request.reference} gets the first waybill")
        tracked = (TrackedShipment(created.carrier, created.tracking_number,
                                   request.contact.get("phone", ""))
                   if created.tracking_number else None)
    if tracked is None:
        return created, None
    if isinstance(carrier, Carrier):
        updates = await carrier.track(tracked)
    else:
        updates = await carrier.track(request.shop, tracked)
    if updates is None:  # the default: not polled here
        return created, None
    _require(isinstance(updates, list) and all(isinstance(u, TrackingUpdate) for u in updates),
             f"carrier {code}: track answers a list of TrackingUpdate")
    for update in updates:
        _require(update.status in TRACKING_STATUSES,
                 f"carrier {code}: a status is one of {', '.join(TRACKING_STATUSES)}, "
                 f"not {update.status!r}")
        _require(update.occurred_at.tzinfo is not None,
                 f"carrier {code}: a scan's time is timezone-aware")
    return created, updates


# -- price adjusters -------------------------------------------------------------------------
def pricing_context(shop: Shop, lines: tuple[PricedLine, ...] | list[PricedLine] = LINES,
                    **fields: Any) -> PricingContext:
    """A `PricingContext` of `lines` for a preview (override any field by keyword)."""
    lines = tuple(lines)
    values: dict[str, Any] = {
        "shop": shop, "currency": shop.currency, "lines": lines,
        "subtotal": sum(line.line_total for line in lines), "shipping_method": None,
        "shipping_fee": 0, "address": ADDRESS, "coupon_code": None, "points": 0,
        "customer_id": None, "applied": (), "placing": False, "order_number": None}
    return PricingContext(**{**values, **fields})


async def check_price_adjuster(adjuster: Any, context: PricingContext) -> list[Adjustment]:
    """An adjuster answers a list of `Adjustment`s (amount an int, negative for a discount;
    target `items` or `shipping`; `data` JSON-able), takes no more than the cart is worth,
    and redeems nothing in a preview (`placing=False`: asked twice, it answers the same).
    Returns its adjustments for `context`."""
    code = _names_itself(adjuster, "price adjuster", order=True)
    _require(not context.placing, "check_price_adjuster takes a preview (placing=False)")
    answers = [await adjuster.adjust(context), await adjuster.adjust(context)]
    for answer in answers:
        _require(isinstance(answer, list) and all(isinstance(a, Adjustment) for a in answer),
                 f"price adjuster {code}: adjust() answers a list of Adjustment")
        for one in answer:
            _require(_is_amount(one.amount), f"price adjuster {code}: amounts are ints")
            _require(one.target in ("items", "shipping"),
                     f"price adjuster {code}: target is items or shipping, not {one.target!r}")
            _require(bool(one.code), f"price adjuster {code}: every adjustment has a code")
            try:
                json.dumps(one.data)
            except (TypeError, ValueError):
                raise AssertionError(f"price adjuster {code}: data is JSON-able") from None
        taken = -sum(a.amount for a in answer if a.target == "items")
        _require(taken <= context.subtotal,
                 f"price adjuster {code}: discounts take at most the subtotal")
    _require(answers[0] == answers[1],
             f"price adjuster {code}: a preview redeems nothing (asked twice, same answer)")
    return answers[0]


# -- review rules ----------------------------------------------------------------------------
def review_context(shop: Shop, order: dict[str, Any] | None = None,
                   history: CustomerHistory | None = None, **fields: Any) -> ReviewContext:
    """A `ReviewContext` for an order like the merchant sees it (override by keyword)."""
    order = order or {"number": "T0001", "status": "paid", "total": 5600,
                      "currency": shop.currency, "payment_method": "cod",
                      "contact": {"name": "李雷", "phone": "13800138000"},
                      "address": ADDRESS.to_json(), "lines": [], "note": "",
                      "customer_id": None}
    return ReviewContext(shop=shop, order=order, history=history or CustomerHistory(),
                         **fields)


async def check_review_rule(rule: Any, context: ReviewContext) -> Verdict:
    """A rule has a code, a name and an `order`, judges with a `Verdict` (hold and reject
    carry their reason) and writes nothing (asked twice, it answers the same)."""
    code = _names_itself(rule, "review rule", order=True)
    _require(isinstance(getattr(rule, "name", None), str) and bool(rule.name.strip()),
             f"review rule {code}: `name` is shown to merchants and is not empty")
    verdicts = [await rule.judge(context), await rule.judge(context)]
    _require(all(isinstance(v, Verdict) for v in verdicts),
             f"review rule {code}: judge() answers a Verdict, not {verdicts[0]!r}")
    _require(verdicts[0] == verdicts[1], f"review rule {code}: the same order, the same verdict")
    return verdicts[0]


# -- notification channels -------------------------------------------------------------------
def notification(recipient: str, **fields: Any) -> NotificationMessage:
    """A message to `recipient` about a paid order (override any field by keyword)."""
    values = {"subject": "订单 T0001 已付款", "text": "您的订单 T0001 已付款，金额 ¥56.00。",
              "topic": "order.paid", "order_number": "T0001", "shop_name": "测试小店"}
    return NotificationMessage(recipient=recipient, **{**values, **fields})


async def check_notification_channel(channel: Any, message: NotificationMessage,
                                     delivered: Callable[[], Awaitable[list[Any]] | list[Any]],
                                     break_delivery: Callable[[], Any] | None = None) -> Any:
    """A channel names the address `kind` it takes, delivers one message per `send` (what
    `delivered()` — the test's simulator or outbox — lists grows by exactly one), and raises
    when it could not deliver (call `break_delivery()` to make the outside service fail), so
    the kernel retries it. Returns what was delivered."""
    kind = getattr(channel, "kind", None)
    _require(isinstance(kind, str) and bool(kind), "a notification channel has a `kind`")

    async def seen() -> list[Any]:
        listed = delivered()
        return list(await listed if isinstance(listed, Awaitable) else listed)

    before = await seen()
    await channel.send(message)
    after = await seen()
    _require(len(after) == len(before) + 1,
             f"channel {kind}: one send delivers one message ({len(after) - len(before)} seen)")
    if break_delivery is not None:
        break_delivery()
        try:
            await channel.send(message)
        except Exception:
            pass
        else:
            raise AssertionError(f"channel {kind}: send() raises when delivery failed")
    return after[-1]

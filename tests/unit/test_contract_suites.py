"""The contract suites of galleria.testing catch what they promise to: each is given an
extension object that breaks one rule and must fail naming it."""

import datetime as dt
from types import SimpleNamespace

import pytest

from galleria.kernel import (
    Adjustment,
    Carrier,
    NotOffered,
    Quote,
    ShipmentCreated,
    TrackedShipment,
    TrackingUpdate,
    Verdict,
)
from galleria.testing import (
    check_carrier,
    check_notification_channel,
    check_price_adjuster,
    check_review_rule,
    check_shipping_method,
    notification,
    pricing_context,
    review_context,
    shipment_request,
)

SHOP = SimpleNamespace(id=1, currency="CNY", slug="contract")


class Method:
    code, name = "flat", "Flat rate"

    def __init__(self, answer):
        self.answer = answer

    async def quote(self, shop, lines, address):
        return self.answer() if callable(self.answer) else self.answer


@pytest.mark.parametrize(("answer", "rule"), [
    (Quote(fee=12.5), "int of minor units"),
    (Quote(fee=-1), "int of minor units"),
    (Quote(fee=800, eta_days=(3, 1)), "min ≤ max"),
    (NotOffered(" "), "says why"),
    (NotOffered("too far", code="Too Far"), "machine name"),
    (NotOffered(code="too_far", message="%(km)s km away"), "fill its message in en"),
    ("free", "answers Quote, NotOffered or None"),
])
async def test_a_shipping_method_breaking_a_rule_fails(answer, rule):
    with pytest.raises(AssertionError, match=rule):
        await check_shipping_method(Method(answer), SHOP)


async def test_a_shipping_method_that_changes_its_mind_fails():
    fees = iter(range(100, 1000, 100))
    with pytest.raises(AssertionError, match="same quote"):
        await check_shipping_method(Method(lambda: Quote(fee=next(fees))), SHOP)


async def test_a_good_shipping_method_passes():
    assert await check_shipping_method(Method(Quote(fee=800, eta_days=(1, 2))), SHOP) == Quote(
        fee=800, eta_days=(1, 2))


class Adjuster:
    order, code = 100, "member_price"

    def __init__(self, *adjustments):
        self.adjustments = list(adjustments)

    async def adjust(self, context):
        return list(self.adjustments)


@pytest.mark.parametrize(("adjustment", "rule"), [
    (Adjustment("member_price", -1.5), "amounts are ints"),
    (Adjustment("member_price", -100, target="total"), "target is items or shipping"),
    (Adjustment("member_price", -100, data={"at": object()}), "JSON-able"),
    (Adjustment("member_price", -999_999), "at most the subtotal"),
])
async def test_a_price_adjuster_breaking_a_rule_fails(adjustment, rule):
    with pytest.raises(AssertionError, match=rule):
        await check_price_adjuster(Adjuster(adjustment), pricing_context(SHOP))


async def test_a_price_adjuster_that_redeems_in_a_preview_fails():
    class Redeeming(Adjuster):
        async def adjust(self, context):
            self.adjustments.append(Adjustment("member_price", -1))
            return list(self.adjustments)

    with pytest.raises(AssertionError, match="redeems nothing"):
        await check_price_adjuster(Redeeming(), pricing_context(SHOP))


class Rule:
    code, name, order = "member.vip", "VIP", 50

    def __init__(self, verdict):
        self.verdict = verdict

    async def judge(self, context):
        return self.verdict


async def test_a_review_rule_must_answer_a_verdict():
    with pytest.raises(AssertionError, match="answers a Verdict"):
        await check_review_rule(Rule("hold"), review_context(SHOP))
    assert await check_review_rule(Rule(Verdict.approve()), review_context(SHOP)) == \
        Verdict.approve()


class Channel:
    kind = "wecom"

    def __init__(self, sends_twice=False):
        self.sent, self.broken, self.sends_twice = [], False, sends_twice

    async def send(self, message):
        if self.broken:
            return  # swallows the failure: the kernel would never retry
        self.sent.extend([message] * (2 if self.sends_twice else 1))


async def test_a_notification_channel_that_hides_a_failure_fails():
    channel = Channel()
    with pytest.raises(AssertionError, match="raises when delivery failed"):
        await check_notification_channel(channel, notification("robot"), lambda: channel.sent,
                                         break_delivery=lambda: setattr(channel, "broken", 1))


async def test_a_notification_channel_that_sends_twice_fails():
    channel = Channel(sends_twice=True)
    with pytest.raises(AssertionError, match="one send delivers one message"):
        await check_notification_channel(channel, notification("robot"), lambda: channel.sent)


class Courier(Carrier):
    """A carrier adapter that books a waybill and reports one scan, both configurable."""

    code, name = "zto", "中通快递"

    def __init__(self, created=None, scan_time=None):
        self.created = created or ShipmentCreated(carrier="zto", tracking_number="ZT1")
        self.scan_time = scan_time or dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)
        self.waybills = 0

    async def create_shipment(self, request):
        self.waybills += 1
        if self.created.tracking_number == "NEW":  # books a second parcel on a retry
            return ShipmentCreated(carrier="zto", tracking_number=f"ZT{self.waybills}")
        return self.created

    async def track(self, shipment):
        return [TrackingUpdate(status="in_transit", occurred_at=self.scan_time)]


def _request():
    return shipment_request(SHOP, "express", "zto")


async def test_a_good_carrier_passes_and_is_tracked():
    created, updates = await check_carrier(Courier(), _request(), same_on_retry=True)
    assert created.tracking_number == "ZT1" and [u.status for u in updates] == ["in_transit"]


async def test_a_tracking_only_carrier_keeps_the_defaults_and_passes():
    class Tracker(Carrier):
        code = "tracker"

    assert await check_carrier(Tracker(), _request()) == (None, None)
    assert await check_carrier(Tracker(), _request(),
                               tracked=TrackedShipment("zto", "ZT1")) == (None, None)


@pytest.mark.parametrize(("carrier", "rule"), [
    (SimpleNamespace(code="zto", name="ZTO"), "is a galleria.kernel.Carrier"),
    (Courier(ShipmentCreated(carrier="zto")), "waybill number or a pickup code"),
    (Courier(ShipmentCreated(carrier="", tracking_number="ZT1")), "names its carrier"),
    (Courier(ShipmentCreated(carrier="zto", tracking_number="ZT1",
                             label={"at": dt.date(2026, 12, 5)})), "JSON-able"),
    (Courier(ShipmentCreated(carrier="zto", tracking_number="NEW")), "gets the first waybill"),
    (Courier(scan_time=dt.datetime(2026, 12, 5, 9)), "timezone-aware"),
])
async def test_a_carrier_breaking_a_rule_fails(carrier, rule):
    with pytest.raises(AssertionError, match=rule):
        await check_carrier(carrier, _request(), same_on_retry=True)

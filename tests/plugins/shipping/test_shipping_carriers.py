"""The SF Express and Kuaidi100 adapters against their simulators, over real HTTP: what
each carrier refuses (bad signatures, unknown waybills) and what it answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from shipping_helpers import serving

from galleria.kernel import CarrierError
from galleria.kernel.checkout.contracts import Address
from galleria.kernel.fulfilment.contracts import (
    ShipmentLine,
    ShipmentRequest,
    TrackedShipment,
)
from galleria_plugins.shipping.carriers import kuaidi100
from galleria_plugins.shipping.carriers.kuaidi100 import Kuaidi100, PushRejected, verify_push
from galleria_plugins.shipping.carriers.sf import SfExpress, msg_digest
from galleria_plugins.shipping.testing.kuaidi100 import Kuaidi100Simulator
from galleria_plugins.shipping.testing.sf import SfSimulator

ADDRESS = Address(name="李雷", phone="13800138000", country="CN", province="浙江省",
                  city="杭州市", line1="文三路 90 号", district="西湖区")


def _request(reference="260101000001_S1"):
    return ShipmentRequest(shop=None, reference=reference, order_number="260101000001",
                           method="express", carrier="sf", address=ADDRESS,
                           contact={"name": "李雷"}, lines=(ShipmentLine(
                               variant_id=1, sku="TEA", name="龙井", quantity=2,
                               weight_grams=500),))


def test_sf_digest_matches_the_documented_formula():
    # base64(md5(urlencode(msgData + timestamp + checkWord))), checked by hand
    import base64
    import hashlib
    from urllib.parse import quote_plus

    expected = base64.b64encode(hashlib.md5(quote_plus('{"a":"顺丰 1"}' + "1700000000000"
                                                        + "cw").encode()).digest()).decode()
    assert msg_digest('{"a":"顺丰 1"}', "1700000000000", "cw") == expected
    assert SfSimulator.digest('{"a":"顺丰 1"}', "1700000000000", "cw") == expected


async def test_sf_waybill_is_booked_once_per_order_and_routes_are_normalised():
    sim = SfSimulator({"PARTNER": "check-word"})
    with serving(sim.app) as url:
        sf = SfExpress(base_url=url, partner_id="PARTNER", check_word="check-word",
                       monthly_card="7551234567")
        created = await sf.create_order(_request(), {"contact": "茶馆", "tel": "0571"})
        again = await sf.create_order(_request(), {"contact": "茶馆", "tel": "0571"})
        assert created.tracking_number == again.tracking_number
        assert created.carrier == "sf" and created.label["dest_route_label"]
        waybill = created.tracking_number
        assert await sf.routes(waybill) == []
        sim.scan(waybill, "50", "顺丰速运 已收取快件", "杭州",
                 at=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC))
        sim.scan(waybill, "30", "快件到达 【杭州转运中心】", "杭州")
        sim.scan(waybill, "44", "快件交给李师傅，正在派送途中", "杭州")
        sim.scan(waybill, "80", "已签收，感谢使用顺丰", "杭州")
        routes = await sf.routes(waybill, phone="13800138000")
        assert [r.status for r in routes] == ["picked_up", "in_transit", "out_for_delivery",
                                              "delivered"]
        assert routes[0].occurred_at == dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
        assert await sf.routes(waybill, phone="00000000") == []  # wrong phone digits
        assert await sf.routes("SF0000000000000") == []  # an unknown waybill


async def test_sf_refuses_a_bad_digest_and_an_unknown_partner():
    sim = SfSimulator({"PARTNER": "check-word"})
    with serving(sim.app) as url:
        wrong = SfExpress(base_url=url, partner_id="PARTNER", check_word="not-it")
        with pytest.raises(CarrierError, match="A1006"):
            await wrong.create_order(_request(), {})
        stranger = SfExpress(base_url=url, partner_id="NOBODY", check_word="check-word")
        with pytest.raises(CarrierError, match="A1004"):
            await stranger.routes("SF1")
        assert sim.orders == {}
        nobody = SfExpress(base_url="http://127.0.0.1:9", partner_id="P", check_word="c")
        with pytest.raises(CarrierError, match="could not be reached"):
            await nobody.routes("SF1")


async def test_kuaidi100_query_and_subscription_follow_the_protocol():
    sim = Kuaidi100Simulator(customer="CUST", key="KEY")
    with serving(sim.app) as url:
        tracker = Kuaidi100(base_url=url, customer="CUST", key="KEY")
        assert await tracker.query("yuantong", "YT1") == []  # nothing yet: no error
        sim.scan("YT1", "yuantong", "【杭州市】已揽收", "揽收", state="1", area="杭州")
        sim.scan("YT1", "yuantong", "【上海市】已到达", "在途", state="0", area="上海")
        updates = await tracker.query("yuantong", "YT1")
        assert [u.status for u in updates] == ["in_transit", "picked_up"]
        assert updates[0].location == "上海"

        with pytest.raises(CarrierError, match="503"):
            await Kuaidi100(base_url=url, customer="CUST", key="WRONG").query("yuantong",
                                                                               "YT1")
        parcel = TrackedShipment("yuantong", "YT1")
        assert await tracker.subscribe(parcel, callback_url="https://s/x", salt="salt")
        assert await tracker.subscribe(parcel, callback_url="https://s/x",
                                       salt="salt")  # 501: already subscribed is fine
        with pytest.raises(CarrierError, match="600"):
            await Kuaidi100(base_url=url, customer="CUST", key="WRONG").subscribe(
                TrackedShipment("yuantong", "YT2"), callback_url="https://s/x", salt="salt")


def test_kuaidi100_push_signature_is_checked_before_reading():
    param = json.dumps({"status": "polling", "lastResult": {"nu": "YT1", "state": "3",
                                                            "data": []}})
    good = kuaidi100.push_sign(param, "salt")
    assert verify_push(param, good, "salt")["lastResult"]["nu"] == "YT1"
    assert verify_push(param, good.lower(), "salt")  # case of the hex does not matter
    for sign, salt in ((good, "other-salt"), ("0" * 32, "salt"), ("", "salt"), (good, "")):
        with pytest.raises(PushRejected):
            verify_push(param, sign, salt)


async def test_sandbox_controls_move_a_parcel_along():
    import httpx

    sim = SfSimulator({"PARTNER": "check-word"})
    k100 = Kuaidi100Simulator(customer="CUST", key="KEY")
    with serving(sim.app) as url, serving(k100.app) as k100_url:
        sf = SfExpress(base_url=url, partner_id="PARTNER", check_word="check-word")
        waybill = (await sf.create_order(_request(), {})).tracking_number
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.post("/_scan", data={"waybill": "nope"})).json()["ok"] is False
            moved = await http.post("/_scan", data={"waybill": waybill, "opCode": "50",
                                                    "remark": "已收取快件"})
            assert moved.json() == {"ok": True}
        assert [r.status for r in await sf.routes(waybill)] == ["picked_up"]
        async with httpx.AsyncClient(base_url=k100_url) as http:
            refused = await http.post("/_scan", data={"number": "YT1", "context": "x"})
            assert refused.json() == {"ok": False, "error": "not subscribed"}

"""Notifications that must not pay an order, sent to the real callback route: each is
answered as WeChat Pay expects (4xx with `{"code": "FAIL"}`), leaves the order unpaid and is
logged; valid duplicates are applied once."""

import asyncio
import json
import time

import pytest

from galleria.testing import enable_plugin
from galleria_plugins.payments_wechat import signing

from .conftest import APIV3_KEY
from .flow import admin_order, notification, order_in, outcomes, post_callback, start


def paid_plain(ws, reference, total=5600, currency="CNY", mchid=None):
    return {"appid": ws.appid, "mchid": mchid or ws.mchid, "out_trade_no": reference,
            "transaction_id": "4200002026112900001", "trade_type": "NATIVE",
            "trade_state": "SUCCESS", "success_time": "2026-11-29T10:00:00+08:00",
            "payer": {"openid": "oShopper"},
            "amount": {"total": total, "payer_total": total, "currency": currency}}


async def pending_payment(wechat_shop):
    ws = await wechat_shop()
    order = await order_in(ws)
    payment = await start(ws, order)
    return ws, order, payment["payment_id"]


async def assert_refused(ws, order, response, outcome):
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "FAIL"
    view = await admin_order(ws, order["number"])
    assert view["status"] == "pending_payment" and view["paid_at"] is None
    assert view["payments"][0]["status"] == "pending"
    assert (await outcomes(ws.shop.id))[-1] == outcome


def headers_of(key, serial, body, **kwargs):
    return {k.lower(): v for k, v in signing.signed_headers(key, serial, body,
                                                            **kwargs).items()}


@pytest.mark.parametrize("case", ["forged", "tampered", "stale", "unknown_serial",
                                  "wrong_apiv3_key", "unsigned", "malformed"])
async def test_unverifiable_notifications_are_rejected(wechat_shop, simulator, case):
    ws, order, reference = await pending_payment(wechat_shop)
    body = notification(paid_plain(ws, reference), APIV3_KEY)
    key, serial, stamp = simulator.platform_key, simulator.public_key_id, None
    if case == "forged":
        key = signing.new_key()
    elif case == "stale":
        stamp = int(time.time()) - 301
    elif case == "unknown_serial":
        serial = "PUB_KEY_ID_SOMEONE_ELSE"
    elif case == "wrong_apiv3_key":
        body = notification(paid_plain(ws, reference), "X" * 32)
    elif case == "malformed":  # signed by WeChat Pay's key, but no resource to decrypt
        body = b'[{"resource": 5}]'
    headers = headers_of(key, serial, body, timestamp=stamp)
    if case == "tampered":
        body = body.replace(b'"summary"', b'"summary" ')
    elif case == "unsigned":
        headers = {}
    response = await post_callback(ws, body, headers)
    await assert_refused(ws, order, response, "rejected")


@pytest.mark.parametrize("case", ["amount", "currency", "unknown_order"])
async def test_verified_notifications_that_do_not_match_the_order_change_nothing(
        wechat_shop, simulator, case):
    ws, order, reference = await pending_payment(wechat_shop)
    plain = {"amount": paid_plain(ws, reference, total=1),
             "currency": paid_plain(ws, reference, currency="USD"),
             "unknown_order": paid_plain(ws, "999999999999_01")}[case]
    body = notification(plain, APIV3_KEY)
    response = await post_callback(ws, body, headers_of(simulator.platform_key,
                                                        simulator.public_key_id, body))
    await assert_refused(ws, order, response,
                         "unknown" if case == "unknown_order" else "mismatch")


async def test_another_shops_order_is_refused(wechat_shop, simulator):
    ws_a, order_a, reference_a = await pending_payment(wechat_shop)
    ws_b, order_b, _ = await pending_payment(wechat_shop)
    body = notification(paid_plain(ws_a, reference_a), APIV3_KEY)  # A's merchant, A's order
    response = await post_callback(ws_b, body, headers_of(simulator.platform_key,
                                                          simulator.public_key_id, body))
    await assert_refused(ws_b, order_b, response, "rejected")  # not B's merchant
    assert (await admin_order(ws_a, order_a["number"]))["status"] == "pending_payment"

    # Two shops sharing one merchant account: B knows no payment of that reference.
    ws_c = await wechat_shop(register=False, mchid=ws_a.mchid, appid=ws_a.appid,
                             merchant_serial_no=ws_a.settings["merchant_serial_no"])
    order_c = await order_in(ws_c)
    await start(ws_c, order_c)
    response = await post_callback(ws_c, body, headers_of(simulator.platform_key,
                                                          simulator.public_key_id, body))
    await assert_refused(ws_c, order_c, response, "unknown")
    assert (await admin_order(ws_a, order_a["number"]))["status"] == "pending_payment"


@pytest.mark.concurrency
async def test_duplicates_and_replays_are_applied_once(wechat_shop, simulator):
    ws, order, reference = await pending_payment(wechat_shop)
    body = notification(paid_plain(ws, reference), APIV3_KEY, notification_id="EV-DUP")
    headers = headers_of(simulator.platform_key, simulator.public_key_id, body)
    first, second = await asyncio.gather(post_callback(ws, body, headers),
                                         post_callback(ws, body, headers))
    assert (first.status_code, second.status_code) == (204, 204)
    assert sorted(await outcomes(ws.shop.id)) == ["applied", "duplicate"]
    view = await admin_order(ws, order["number"])
    assert view["status"] == "paid"
    assert len([e for e in view["timeline"] if e["to_status"] == "paid"]) == 1
    # A captured notification replayed ten minutes later: its signature is stale.
    old = headers_of(simulator.platform_key, simulator.public_key_id, body,
                     timestamp=int(time.time()) - 600)
    replay = await post_callback(ws, body, old)
    assert replay.status_code == 400 and json.loads(replay.content)["code"] == "FAIL"
    assert (await admin_order(ws, order["number"]))["status"] == "paid"


async def test_a_failed_delivery_is_retried_until_accepted(wechat_shop, simulator, runtime):
    """The first delivery meets a shop whose settings are broken; WeChat Pay retries and,
    once the merchant fixed them, the retry pays the order."""
    ws, order, reference = await pending_payment(wechat_shop)
    good_key = ws.settings["wechatpay_public_key"]
    await enable_plugin(ws.shop.id, runtime.host, "payments_wechat", settings={
        **ws.settings, "wechatpay_public_key": signing.public_pem(signing.new_key())})
    shortest, simulator.retry_delays = simulator.retry_delays, (1.0, 2.0, 4.0)
    try:
        await simulator.pay(reference)  # the retry task keeps these slower delays
    finally:
        simulator.retry_delays = shortest
    delivery = simulator.last_delivery(reference)
    assert delivery.statuses[0] == 400
    await enable_plugin(ws.shop.id, runtime.host, "payments_wechat",
                        settings={**ws.settings, "wechatpay_public_key": good_key})
    await simulator.idle()
    assert delivery.statuses[-1] == 204
    assert (await admin_order(ws, order["number"]))["status"] == "paid"

"""A WeChat Pay purchase through the platform: the storefront starts the payment, the
simulator's signed notification pays the order (once), refunds in part and in full come
back by notification, a cancelled order's trade is closed, the sweeper finds lost
notifications."""

import datetime as dt

from galleria.kernel.payments import jobs as payment_jobs
from galleria.testing import run_outbox

from .flow import admin_order, order_in, outcomes, start


async def test_a_qr_payment_pays_the_order_once(wechat_shop, simulator):
    ws = await wechat_shop()
    order = await order_in(ws)
    payment = await start(ws, order)
    action = payment["action"]
    assert action["type"] == "qr_code" and action["qr_code"].startswith("weixin://wxpay/")
    trade = simulator.trades[(ws.mchid, payment["payment_id"])]
    assert trade.total == order["total"] == 5600
    assert trade.notify_url == f"http://{ws.handle.host}/callbacks/payments_wechat/wechat"

    await simulator.pay(trade.code)
    delivery = simulator.last_delivery(payment["payment_id"])
    assert delivery.statuses == [204]
    assert await simulator.send(delivery) == 204  # WeChat Pay sends it again: still fine
    view = await admin_order(ws, order["number"])
    assert view["status"] == "paid" and view["payments"][0]["status"] == "paid"
    assert await outcomes(ws.shop.id) == ["applied", "duplicate"]


async def test_jsapi_and_h5_payments_start_from_the_storefront(wechat_shop, simulator):
    ws = await wechat_shop()
    jsapi = await start(ws, await order_in(ws), scene="jsapi", openid="oShopper42")
    assert jsapi["action"]["type"] == "jsapi" and jsapi["action"]["signType"] == "RSA"
    assert simulator.trades[(ws.mchid, jsapi["payment_id"])].openid == "oShopper42"
    h5 = await start(ws, await order_in(ws), scene="h5")
    assert h5["action"]["type"] == "redirect"
    assert h5["action"]["url"].startswith(simulator.public_url + "/pay/")


async def test_partial_then_full_refund_settle_by_notification(wechat_shop, simulator):
    ws = await wechat_shop()
    order = await order_in(ws)
    payment = await start(ws, order)
    await simulator.pay(payment["payment_id"])
    number = order["number"]
    partial = await ws.handle.post(f"/api/admin/v1/orders/{number}/refunds",
                                   json={"amount": 1000, "reason": "少发一盒"})
    assert partial.status_code == 201, partial.text
    assert partial.json()["refund"]["status"] == "pending"
    await simulator.idle()  # WeChat Pay settles and notifies
    listed = (await ws.handle.get(f"/api/admin/v1/orders/{number}/payments")).json()
    assert [r["status"] for r in listed["refunds"]] == ["succeeded"]
    assert (await admin_order(ws, number))["status"] == "paid"

    full = await ws.handle.post(f"/api/admin/v1/orders/{number}/refunds",
                                json={"amount": 4600, "reason": "退货"})
    assert full.status_code == 201, full.text
    await simulator.idle()
    view = await admin_order(ws, number)
    assert view["status"] == "refunded" and view["refunded_total"] == 5600
    trade = simulator.trades[(ws.mchid, payment["payment_id"])]
    assert (trade.state, trade.refunded) == ("REFUND", 5600)
    too_much = await ws.handle.post(f"/api/admin/v1/orders/{number}/refunds",
                                    json={"amount": 1, "reason": "再退"})
    assert too_much.status_code in (409, 422)


async def test_cancelling_an_order_closes_its_trade(wechat_shop, simulator, runtime):
    ws = await wechat_shop()
    order = await order_in(ws)
    payment = await start(ws, order)
    cancelled = await ws.handle.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                                     json={"reason": "顾客不要了"})
    assert cancelled.status_code == 200, cancelled.text
    await run_outbox(runtime.host)
    assert simulator.trades[(ws.mchid, payment["payment_id"])].state == "CLOSED"
    view = await admin_order(ws, order["number"])
    assert view["payments"][0]["status"] == "closed"


async def test_the_sweeper_finds_a_payment_whose_notification_was_lost(wechat_shop, simulator,
                                                                       runtime):
    ws = await wechat_shop()
    order = await order_in(ws)
    payment = await start(ws, order)
    trade = simulator.trades[(ws.mchid, payment["payment_id"])]
    trade.notify_url = "http://lost.localhost/nowhere"  # every delivery fails
    await simulator.pay(trade.code)
    assert (await admin_order(ws, order["number"]))["status"] == "pending_payment"
    later = dt.datetime.now(dt.UTC) + payment_jobs.ASK_AFTER + dt.timedelta(seconds=5)
    await payment_jobs.check_pending_payments(runtime.host, now=later)
    assert (await admin_order(ws, order["number"]))["status"] == "paid"

"""The gateway against the simulator over HTTP: every scene, query, close, refunds, and what
the simulator refuses as WeChat Pay would."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from galleria.kernel import (
    CallbackRequest,
    GatewayError,
    PaymentRecord,
    PaymentRequest,
    RefundRequest,
    ValidationFailed,
)
from galleria_plugins.payments_wechat import signing
from galleria_plugins.payments_wechat.client import ApiError, WeChatPayClient
from galleria_plugins.payments_wechat.config import credentials_from

_numbers = iter(range(10_000, 99_999))


def request_for(ws, scene="", amount=5600, client=None, reference=None):
    number = f"W{next(_numbers)}"
    return PaymentRequest(
        shop=ws.shop, reference=reference or f"{number}_01", order_number=number,
        amount=amount, currency="CNY", description=f"{ws.shop.name} {number}",
        notify_url=f"http://{ws.handle.host}/callbacks/payments_wechat/wechat",
        return_url=f"http://{ws.handle.host}/orders/{number}",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30), scene=scene,
        client=client or {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11; Linux)"})


def record_of(request, status="pending"):
    return PaymentRecord(request.reference, request.order_number, "wechat", request.amount,
                         "CNY", status, "", dt.datetime.now(dt.UTC))


async def test_native_payment_shows_a_qr_code_of_the_code_url(wechat_shop, simulator):
    ws = await wechat_shop()
    request = request_for(ws)
    action = await ws.gateway.start_payment(request)
    assert action.type == "qr_code"
    assert action.data["qr_code"].startswith("weixin://wxpay/bizpayurl?pr=")
    trade = simulator.trades[(ws.mchid, request.reference)]
    assert (trade.trade_type, trade.total, trade.state) == ("NATIVE", 5600, "NOTPAY")
    assert action.data["sandbox_url"] == f"{simulator.public_url}/pay/{trade.code}"
    again = await ws.gateway.start_payment(request)  # same order again: the same trade
    assert again.data["qr_code"] == action.data["qr_code"]


async def test_jsapi_payment_gives_a_paysign_the_merchant_key_verifies(wechat_shop, merchant_key):
    ws = await wechat_shop()
    action = await ws.gateway.start_payment(request_for(ws, "jsapi", client={"openid": "oUser1"}))
    data = action.data
    assert action.type == "jsapi" and data["signType"] == "RSA"
    assert data["package"] == f"prepay_id={action.provider_reference}"
    message = f"{data['appId']}\n{data['timeStamp']}\n{data['nonceStr']}\n{data['package']}\n"
    assert signing.rsa_verify(merchant_key.public_key(), message, data["paySign"])
    with pytest.raises(ValidationFailed, match="openid"):
        await ws.gateway.start_payment(request_for(ws, "jsapi"))


async def test_h5_payment_redirects_and_comes_back_to_the_order(wechat_shop):
    ws = await wechat_shop()
    request = request_for(ws, client={"ip": "203.0.113.7",
                                      "user_agent": "Mozilla/5.0 (iPhone) Mobile Safari"})
    action = await ws.gateway.start_payment(request)  # a phone browser: H5 by default
    assert action.type == "redirect"
    assert parse_qs(urlsplit(action.data["url"]).query)["redirect_url"] == [request.return_url]
    with pytest.raises(ValidationFailed, match="scenes"):
        await ws.gateway.start_payment(request_for(ws, "card"))


async def test_query_follows_the_trade_from_unpaid_to_paid(wechat_shop, simulator):
    ws = await wechat_shop()
    request = request_for(ws)
    await ws.gateway.start_payment(request)
    assert (await ws.gateway.query(ws.shop, record_of(request))).status == "pending"
    trade = await simulator.pay(request.reference)
    update = await ws.gateway.query(ws.shop, record_of(request))
    assert (update.status, update.amount, update.currency) == ("paid", 5600, "CNY")
    assert update.provider_reference == trade.transaction_id
    assert update.payer_ref == trade.openid and trade.openid  # who paid: one reward a payer
    never = request_for(ws)
    assert (await ws.gateway.query(ws.shop, record_of(never))).status == "closed"


async def test_close_ends_an_unpaid_trade_and_refuses_a_paid_one(wechat_shop, simulator):
    ws = await wechat_shop()
    unpaid, paid = request_for(ws), request_for(ws)
    await ws.gateway.start_payment(unpaid)
    await ws.gateway.start_payment(paid)
    await ws.gateway.close(ws.shop, record_of(unpaid))
    assert (await ws.gateway.query(ws.shop, record_of(unpaid))).status == "closed"
    with pytest.raises(Exception, match="ORDER_CLOSED"):
        await simulator.pay(unpaid.reference)  # the shopper is too late
    await simulator.pay(paid.reference)
    with pytest.raises(GatewayError, match="ORDERPAID"):
        await ws.gateway.close(ws.shop, record_of(paid))
    await ws.gateway.close(ws.shop, record_of(request_for(ws)))  # never opened: nothing to do


async def test_partial_then_full_refund_and_nothing_beyond(wechat_shop, simulator):
    ws = await wechat_shop()
    request = request_for(ws)
    await ws.gateway.start_payment(request)
    await simulator.pay(request.reference)
    payment = record_of(request, "paid")

    def refund(n, amount):
        return RefundRequest(ws.shop, f"{request.reference}_R{n}", payment, amount, "CNY",
                             "破损", request.notify_url)

    first = await ws.gateway.refund(refund(1, 1000))
    assert (first.status, first.amount) == ("pending", 1000) and first.provider_reference
    assert (await ws.gateway.refund(refund(1, 1000))).provider_reference == \
        first.provider_reference  # the same out_refund_no again: the same refund
    with pytest.raises(GatewayError, match="INVALID_REQUEST"):
        await ws.gateway.refund(refund(2, 4601))
    rest = await ws.gateway.refund(refund(2, 4600))
    assert rest.amount == 4600
    await simulator.idle()
    assert [r.status for k, r in simulator.refunds.items() if k[0] == ws.mchid] == [
        "SUCCESS", "SUCCESS"]


async def test_notifications_turn_into_verified_updates(wechat_shop, simulator):
    ws = await wechat_shop()
    request = request_for(ws)
    await ws.gateway.start_payment(request)
    trade = await simulator.pay(request.reference)
    delivery = simulator.last_delivery(request.reference)
    callback = CallbackRequest("POST", "", {k.lower(): v for k, v in
                                            simulator.signed(delivery.body).items()}, {},
                               delivery.body)
    [update] = await ws.gateway.handle_notification(ws.shop, callback)
    assert (update.reference, update.status, update.amount, update.currency) == (
        request.reference, "paid", 5600, "CNY")
    assert update.provider_reference == trade.transaction_id
    assert update.notification_id == json.loads(delivery.body)["id"]
    assert ws.gateway.answer(True).status == 204
    failed = ws.gateway.answer(False, "amount")
    assert failed.status == 400 and json.loads(failed.body) == {"code": "FAIL",
                                                                "message": "amount"}


async def test_the_simulator_refuses_what_wechat_pay_refuses(wechat_shop, simulator,
                                                             merchant_key):
    ws = await wechat_shop()
    creds = credentials_from(ws.settings)
    client = WeChatPayClient(creds, simulator.public_url)
    body = {"appid": ws.appid, "mchid": ws.mchid, "description": "茶", "out_trade_no":
            "DUP0001_01", "notify_url": "http://x.localhost/n", "amount": {"total": 100}}
    await client.post("/v3/pay/transactions/native", body)
    cases = [
        ({**body, "amount": {"total": 200}}, "INVALID_REQUEST"),  # same number, other amount
        ({**body, "appid": "wxsomeoneelse"}, "APPID_MCHID_NOT_MATCH"),
        ({**body, "out_trade_no": "A1"}, "PARAM_ERROR"),
        ({**body, "out_trade_no": "NEW0001_01", "amount": {"total": 0}}, "PARAM_ERROR"),
    ]
    for changed, code in cases:
        with pytest.raises(ApiError) as refused:
            await client.post("/v3/pay/transactions/native", changed)
        assert refused.value.wechat_code == code
    with pytest.raises(ApiError) as refused:
        await client.get("/v3/pay/transactions/out-trade-no/NOPE0001_01", {"mchid": ws.mchid})
    assert (refused.value.status, refused.value.wechat_code) == (404, "ORDER_NOT_EXIST")
    with pytest.raises(ApiError) as refused:
        await client.post("/v3/refund/domestic/refunds", {
            "out_trade_no": "DUP0001_01", "out_refund_no": "DUP0001_01_R1",
            "amount": {"refund": 50, "total": 100, "currency": "CNY"}})
    assert refused.value.wechat_code == "INVALID_REQUEST"  # not paid: nothing to refund
    impostor = WeChatPayClient(credentials_from({**ws.settings, "merchant_private_key":
                                                 signing.private_pem(signing.new_key())}),
                               simulator.public_url)
    with pytest.raises(ApiError) as refused:
        await impostor.post("/v3/pay/transactions/native", {**body, "out_trade_no": "IMP01_01"})
    assert (refused.value.status, refused.value.wechat_code) == (401, "SIGN_ERROR")


async def test_answers_not_signed_by_wechat_pay_are_not_believed(wechat_shop, simulator):
    ws = await wechat_shop(wechatpay_public_key=signing.public_pem(signing.new_key()))
    with pytest.raises(GatewayError, match="signature verification"):
        await ws.gateway.start_payment(request_for(ws))


async def test_misconfigured_shops_are_not_offered_wechat_pay(wechat_shop):
    ws = await wechat_shop(apiv3_key="too short")
    assert not await ws.gateway.available(ws.shop)
    with pytest.raises(GatewayError, match="APIv3 key"):
        await ws.gateway.start_payment(request_for(ws))


async def test_requests_signed_five_minutes_ago_are_refused(wechat_shop, simulator,
                                                            merchant_key):
    import httpx

    ws = await wechat_shop()
    path = f"/v3/pay/transactions/out-trade-no/NONE0001_01?mchid={ws.mchid}"

    def signed_at(stamp):
        return signing.authorization(mchid=ws.mchid, serial_no=ws.settings["merchant_serial_no"],
                                     key=merchant_key, method="GET", path_and_query=path,
                                     body=b"", timestamp=stamp)

    async with httpx.AsyncClient(base_url=simulator.public_url) as http:
        fresh = await http.get(path, headers={"Authorization": signed_at(None)})
        stale = await http.get(path, headers={"Authorization": signed_at(
            int(dt.datetime.now(dt.UTC).timestamp()) - 300)})
    assert fresh.json()["code"] == "ORDER_NOT_EXIST"  # past the signature check
    assert (stale.status_code, stale.json()["code"]) == (401, "SIGN_ERROR")

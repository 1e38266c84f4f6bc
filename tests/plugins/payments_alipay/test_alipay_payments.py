"""Paying with Alipay end to end: the shop's API starts a payment, the simulated Alipay (on a
real local port) takes the buyer's payment and notifies the shop, the order is paid; then
refunds, closing and the sweeper's query."""

# ruff: noqa: F811 - pytest fixtures are imported from alipay_helpers and requested by name
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from alipay_helpers import (  # noqa: F401 - fixtures
    admin_order,
    alipay,
    alipay_shop,
    app_key,
    place_order,
    start,
)

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import PaymentGateway, PaymentRecord, RefundRequest, db
from galleria.kernel.payments.service import apply_update, payment_row, to_record
from galleria.kernel.payments.tables import GatewayNotification
from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.gateway import AlipayGateway


async def _run_outbox(runtime):
    jobs = plugin_jobs(runtime.host)
    while await relay_once(runtime.host, jobs):
        pass


async def _paid_by_qr(shop, alipay):
    order = await place_order(shop)
    started = await start(shop, order, "qr")
    assert started.status_code == 201, started.text
    payment = started.json()
    async with alipay.client() as sim:
        paid = await sim.post("/control/pay", json={"app_id": shop.app_id,
                                                    "out_trade_no": payment["payment_id"]})
    assert paid.status_code == 200, paid.text
    assert paid.json()["answer"] == "success"
    return order, payment


async def test_the_method_is_listed_for_a_cny_shop(open_shop, runtime, alipay, app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    methods = (await shop.handle.get("/api/v1/payment-methods", admin=False)).json()["items"]
    name = "支付宝" if (await shop.shop()).locale.startswith("zh") else "Alipay"
    listed = next(m for m in methods if m["code"] == "alipay")
    assert {k: listed[k] for k in ("name", "offline", "pays_on_delivery")} == {
        "name": name, "offline": False, "pays_on_delivery": False}
    assert listed["mark_url"].startswith("/static/plugins/payments_alipay/mark.svg")
    gateway = AlipayGateway(await shop.shop())
    assert isinstance(gateway, PaymentGateway) and gateway.partial_refunds


async def test_qr_payment_is_paid_by_a_signed_notification(open_shop, runtime, alipay,
                                                           app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order = await place_order(shop)
    started = await start(shop, order, "qr")
    payment = started.json()
    assert payment["action"]["type"] == "qr_code"
    assert payment["action"]["qr_code"].startswith(f"{alipay.url}/cashier/")
    assert (await admin_order(shop, order["number"]))["status"] == "pending_payment"

    async with alipay.client() as sim:
        cashier = await sim.get(urlsplit(payment["action"]["qr_code"]).path)
        assert "¥56.00" in cashier.text and "data-testid='pay'" in cashier.text
        paid = await sim.post("/control/pay", json={"app_id": shop.app_id,
                                                    "out_trade_no": payment["payment_id"]})
    assert paid.json()["answer"] == "success"  # exactly what Alipay waits for
    view = await admin_order(shop, order["number"])
    assert view["status"] == "paid" and view["payments"][0]["status"] == "paid"
    delivery = alipay.simulator.deliveries[-1]
    assert delivery.fields["total_amount"] == "56.00" and delivery.ok
    assert view["payments"][0]["payment_id"] == delivery.fields["out_trade_no"]


async def test_page_pay_redirects_opens_the_trade_and_returns_to_the_shop(
        open_shop, runtime, alipay, app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order = await place_order(shop)
    payment = (await start(shop, order, "page")).json()
    assert payment["action"]["type"] == "redirect"
    url = payment["action"]["url"]
    params = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith(f"{alipay.url}/gateway.do?")
    assert params["method"] == "alipay.trade.page.pay" and params["sign_type"] == "RSA2"
    assert '"product_code":"FAST_INSTANT_TRADE_PAY"' in params["biz_content"]
    assert params["notify_url"] == f"http://{shop.handle.host}/callbacks/payments_alipay/alipay"
    # Until the buyer opens the URL the trade does not exist at Alipay: the sweeper's
    # query finds nothing and leaves the payment pending.
    async with alipay.client() as sim:
        missing = await sim.get(f"/control/trades/{shop.app_id}/{payment['payment_id']}")
        assert missing.status_code == 404
        opened = await sim.get(url)
        assert opened.status_code == 302
        cashier = opened.headers["location"]
        assert "data-testid='pay'" in (await sim.get(cashier)).text
        back = await sim.post(f"{cashier}/pay")
    assert back.status_code == 303
    returned = back.headers["location"]
    assert returned.startswith(f"http://{shop.handle.host}/orders/{order['number']}?")
    fields = dict(parse_qsl(urlsplit(returned).query))
    assert signing.verify(signing.notification_content(fields), fields["sign"],
                          signing.load_public_key(alipay.simulator.alipay_public_key_pem))
    assert (await admin_order(shop, order["number"]))["status"] == "paid"


async def test_wap_pay_is_a_redirect_with_the_wap_product(open_shop, runtime, alipay, app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order = await place_order(shop)
    payment = (await start(shop, order, "wap")).json()
    params = dict(parse_qsl(urlsplit(payment["action"]["url"]).query))
    assert params["method"] == "alipay.trade.wap.pay"
    assert '"product_code":"QUICK_WAP_WAY"' in params["biz_content"]
    assert '"total_amount":"56.00"' in params["biz_content"]
    unknown = await start(shop, order, "jsapi")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "scene"


async def test_a_phone_browser_gets_wap_pay_and_a_desktop_page_pay(open_shop, runtime, alipay,
                                                                  app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    methods = {}
    for device, agent in (("phone", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) "
                                    "AppleWebKit/605.1.15 Mobile/15E148"),
                          ("desktop", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")):
        order = await place_order(shop)  # a payment once started is shown again as it is
        path = (f"/api/v1/orders/{order['number']}/payments"
                f"?access_token={order['access_token']}")
        answer = await shop.handle.post(path, admin=False, json={"method": "alipay"},
                                        headers={"user-agent": agent})
        url = answer.json()["action"]["url"]
        methods[device] = dict(parse_qsl(urlsplit(url).query))["method"]
    assert methods == {"phone": "alipay.trade.wap.pay", "desktop": "alipay.trade.page.pay"}


async def test_partial_refund_retry_then_full_refund(open_shop, runtime, alipay, app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order, payment = await _paid_by_qr(shop, alipay)
    url = f"/api/admin/v1/orders/{order['number']}/refunds"
    partial = await shop.handle.post(url, json={"amount": 1000, "reason": "one tin dented"})
    assert partial.status_code == 201, partial.text
    assert partial.json()["refund"]["status"] == "succeeded"
    assert partial.json()["order"]["refunded_total"] == 1000
    await alipay.simulator.settle()  # the refund's notification, answered `success`
    assert alipay.simulator.deliveries[-1].fields["out_biz_no"] == payment["payment_id"] + "_R1"
    assert alipay.simulator.deliveries[-1].ok

    # The kernel retries a refund whose answer it lost: same out_request_no, no money moves.
    trade = alipay.simulator.trade(shop.app_id, payment["payment_id"])
    record = PaymentRecord(payment["payment_id"], order["number"], "alipay", 5600, "CNY",
                           "paid", trade.trade_no, dt.datetime.now(dt.UTC))
    again = await AlipayGateway(await shop.shop()).refund(RefundRequest(
        await shop.shop(), payment["payment_id"] + "_R1", record, 1000, "CNY", "retry", ""))
    assert (again.status, again.amount) == ("succeeded", 1000)
    assert trade.refunded == 1000

    rest = await shop.handle.post(url, json={"amount": 4600, "reason": "returned"})
    assert rest.json()["order"]["status"] == "refunded"
    assert (trade.refunded, trade.status) == (5600, "TRADE_CLOSED")
    await alipay.simulator.settle()
    async with db.shop_scope(shop.tenant_id):
        outcomes = [r["outcome"] for r in await GatewayNotification.select(
            GatewayNotification.outcome).where(GatewayNotification.tenant == shop.tenant_id)
            .order_by(GatewayNotification.id)]
    # paid, then the two refund notifications: each refund is settled by whichever comes
    # first, its synchronous answer or its notification, and only once
    assert outcomes[0] == "applied" and len(outcomes) == 3
    assert set(outcomes[1:]) <= {"applied", "duplicate"}
    view = await admin_order(shop, order["number"])
    assert (view["status"], view["refunded_total"]) == ("refunded", 5600)


async def test_a_refund_beyond_the_trade_is_refused_by_alipay(open_shop, runtime, alipay,
                                                              app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order, payment = await _paid_by_qr(shop, alipay)
    trade = alipay.simulator.trade(shop.app_id, payment["payment_id"])
    trade.refunds["elsewhere"] = 5000  # refunded from Alipay's own console meanwhile
    refused = await shop.handle.post(f"/api/admin/v1/orders/{order['number']}/refunds",
                                     json={"amount": 1000, "reason": "dented"})
    assert refused.status_code == 503, refused.text
    assert "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in refused.json()["detail"]
    view = await admin_order(shop, order["number"])
    assert view["refunded_total"] == 0 and view["status"] == "paid"


async def test_cancelling_closes_the_open_trade(open_shop, runtime, alipay, app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order = await place_order(shop)
    payment = (await start(shop, order, "qr")).json()
    cancelled = await shop.handle.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                                       json={"reason": "shopper asked"})
    assert cancelled.status_code == 200, cancelled.text
    await _run_outbox(runtime)
    trade = alipay.simulator.trade(shop.app_id, payment["payment_id"])
    assert trade.status == "TRADE_CLOSED"
    view = await admin_order(shop, order["number"])
    assert view["payments"][0]["status"] == "closed"
    async with alipay.client() as sim:  # the buyer scans the old code: nothing to pay
        late = await sim.post("/control/pay", json={"app_id": shop.app_id,
                                                    "out_trade_no": payment["payment_id"]})
    assert late.json()["sub_code"] == "ACQ.TRADE_HAS_CLOSE"


async def test_cancelling_closes_an_opened_page_trade(open_shop, runtime, alipay, app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order = await place_order(shop)
    payment = (await start(shop, order, "page")).json()
    async with alipay.client() as browser:  # the shopper opened the cashier, then left
        opened = await browser.get(payment["action"]["url"])
    assert opened.status_code == 302
    await shop.handle.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                           json={"reason": "shopper asked"})
    await _run_outbox(runtime)
    assert alipay.simulator.trade(shop.app_id, payment["payment_id"]).status == "TRADE_CLOSED"
    async with alipay.client() as browser:  # the cashier tab, still open: paying fails
        late = await browser.post(opened.headers["location"] + "/pay")
    assert late.status_code == 400 and "ACQ.TRADE_HAS_CLOSE" in late.text
    assert (await admin_order(shop, order["number"]))["status"] == "cancelled"


async def test_query_reports_a_payment_whose_notification_was_lost(open_shop, runtime, alipay,
                                                                   app_key):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    order = await place_order(shop)
    payment = (await start(shop, order, "qr")).json()
    trade = alipay.simulator.trade(shop.app_id, payment["payment_id"])
    alipay.simulator.book.pay(trade, alipay.simulator.now())  # paid, never notified
    shop_obj = await shop.shop()
    async with db.shop_scope(shop.tenant_id):
        record = to_record(await payment_row(shop.tenant_id, payment["payment_id"]))
    update = await AlipayGateway(shop_obj).query(shop_obj, record)
    assert (update.status, update.amount, update.currency) == ("paid", 5600, "CNY")
    assert update.provider_reference == trade.trade_no
    await apply_update(shop_obj, runtime.host, update, actor="gateway:alipay")
    assert (await admin_order(shop, order["number"]))["status"] == "paid"


async def test_each_buyer_signed_in_at_the_cashier_is_their_own_payer(open_shop, runtime,
                                                                     alipay, app_key):
    """The buyer_id Alipay reports is the paying account's: one per login at the cashier
    (the same login on two orders is one payer, what one-reward-per-payer compares)."""
    from galleria.kernel import payer_refs

    shop = await alipay_shop(open_shop, runtime, alipay, app_key)
    numbers = []
    for login in ("meimei@example.com", "lei@example.com", "MeiMei@example.com"):
        order = await place_order(shop)
        payment = (await start(shop, order, "qr")).json()
        async with alipay.client() as sim:
            cashier = urlsplit(payment["action"]["qr_code"]).path
            assert "data-testid='buyer'" in (await sim.get(cashier)).text
            paid = await sim.post(f"{cashier}/pay", data={"buyer": login})
        assert paid.status_code == 200, paid.text
        assert alipay.simulator.deliveries[-1].fields["buyer_id"].startswith("2088")
        assert (await admin_order(shop, order["number"]))["status"] == "paid"
        numbers.append(order["number"])
    tenant = shop.tenant_id
    async with db.shop_scope(tenant):
        refs = [await payer_refs(tenant, number) for number in numbers]
    assert refs[0] == refs[2] != refs[1]
    assert all(len(ref) == 1 and ref[0].startswith("alipay:2088") for ref in refs)

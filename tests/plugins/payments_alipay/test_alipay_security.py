"""What an attacker (or a confused network) can send to `/callbacks/payments_alipay/alipay`:
every bad notification is refused or ignored with nothing changed, and answered as Alipay
expects (anything but `success` means "send it again"); good ones apply once."""

# ruff: noqa: F811 - pytest fixtures are imported from alipay_helpers and requested by name
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import httpx
import pytest
from alipay_helpers import (  # noqa: F401 - fixtures
    CALLBACK,
    admin_order,
    alipay,
    alipay_shop,
    app_key,
    new_key,
    place_order,
    start,
)

from galleria.kernel import db
from galleria.kernel.orders.tables import TimelineEntry
from galleria.kernel.payments.tables import GatewayNotification
from galleria_plugins.payments_alipay import signing

FORGER = new_key()


async def _pending_payment(open_shop, runtime, alipay, app_key, **shop_args):
    shop = await alipay_shop(open_shop, runtime, alipay, app_key, **shop_args)
    order = await place_order(shop)
    payment = (await start(shop, order, "qr")).json()
    return shop, order, payment


def _fields(shop, payment, **changes) -> dict[str, str]:
    fields = {"notify_time": signing.timestamp(dt.datetime.now(dt.UTC)),
              "notify_type": "trade_status_sync", "notify_id": f"n-{payment['payment_id']}",
              "charset": "utf-8", "version": "1.0", "app_id": shop.app_id,
              "seller_id": shop.seller_id, "trade_no": "2026112922001400000001",
              "out_trade_no": payment["payment_id"], "trade_status": "TRADE_SUCCESS",
              "total_amount": "56.00", "gmt_payment": "2026-11-29 10:00:00"}
    fields.update(changes)
    return fields


async def _post(shop, fields: dict[str, str], host: str | None = None) -> httpx.Response:
    return await shop.client.post(
        CALLBACK, content=urlencode(fields).encode(),
        headers={"host": host or shop.handle.host,
                 "content-type": "application/x-www-form-urlencoded; charset=utf-8"})


async def _outcomes(shop) -> list[str]:
    async with db.shop_scope(shop.tenant_id):
        rows = await GatewayNotification.select(GatewayNotification.outcome).where(
            GatewayNotification.tenant == shop.tenant_id).order_by(GatewayNotification.id)
    return [row["outcome"] for row in rows]


def _alipay_key(alipay):
    return alipay.simulator.alipay_private_key


CASES = {
    # case: (how the fields are made, from (shop, payment, alipay); expected outcome)
    "forged signature": (lambda s, p, a: signing.sign_notification(_fields(s, p), FORGER),
                         "rejected"),
    "tampered amount": (lambda s, p, a: {**signing.sign_notification(
        _fields(s, p), _alipay_key(a)), "total_amount": "0.01"}, "rejected"),
    "no signature": (lambda s, p, a: {**_fields(s, p), "sign_type": "RSA2"}, "rejected"),
    "sign_type RSA": (lambda s, p, a: {**signing.sign_notification(
        _fields(s, p), _alipay_key(a)), "sign_type": "RSA"}, "rejected"),
    "stale notify_time": (lambda s, p, a: signing.sign_notification(_fields(
        s, p, notify_time=signing.timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(days=3))),
        _alipay_key(a)), "rejected"),
    "another app_id": (lambda s, p, a: signing.sign_notification(
        _fields(s, p, app_id="2021009999999999"), _alipay_key(a)), "rejected"),
    "another seller_id": (lambda s, p, a: signing.sign_notification(
        _fields(s, p, seller_id="2088999999999999"), _alipay_key(a)), "rejected"),
    "amount differs from the order": (lambda s, p, a: signing.sign_notification(
        _fields(s, p, total_amount="0.01"), _alipay_key(a)), "mismatch"),
    "malformed amount": (lambda s, p, a: signing.sign_notification(
        _fields(s, p, total_amount="56.0000"), _alipay_key(a)), "rejected"),
    "unknown order": (lambda s, p, a: signing.sign_notification(
        _fields(s, p, out_trade_no="999999999999_01"), _alipay_key(a)), "unknown"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_notifications_change_nothing(open_shop, runtime, alipay, app_key, case):
    shop, order, payment = await _pending_payment(open_shop, runtime, alipay, app_key)
    make, outcome = CASES[case]
    answer = await _post(shop, make(shop, payment, alipay))
    assert answer.text != "success"  # Alipay will retry or give up; the shop moved nothing
    view = await admin_order(shop, order["number"])
    assert view["status"] == "pending_payment" and view["paid_at"] is None
    assert view["payments"][0]["status"] == "pending"
    assert await _outcomes(shop) == [outcome]


async def test_a_notification_for_another_shops_order_is_refused(open_shop, runtime, alipay,
                                                                 app_key):
    shop_a, order_a, _ = await _pending_payment(open_shop, runtime, alipay, app_key)
    shop_b, order_b, payment_b = await _pending_payment(open_shop, runtime, alipay, app_key)
    genuine_b = signing.sign_notification(_fields(shop_b, payment_b), _alipay_key(alipay))
    answer = await _post(shop_a, genuine_b)  # B's genuine notification, sent to A
    assert answer.text == "fail"
    assert await _outcomes(shop_a) == ["rejected"]  # not A's app_id
    for shop, order in ((shop_a, order_a), (shop_b, order_b)):
        assert (await admin_order(shop, order["number"]))["status"] == "pending_payment"


async def test_two_shops_of_one_alipay_app_cannot_pay_each_others_orders(
        open_shop, runtime, alipay, app_key):
    shop_a, order_a, _ = await _pending_payment(open_shop, runtime, alipay, app_key)
    shop_b, order_b, payment_b = await _pending_payment(
        open_shop, runtime, alipay, app_key, app_id=shop_a.app_id, seller_id=shop_a.seller_id)
    answer = await _post(shop_a, signing.sign_notification(_fields(shop_b, payment_b),
                                                           _alipay_key(alipay)))
    assert answer.text == "fail"
    assert await _outcomes(shop_a) == ["unknown"]  # verified, but no such payment in A
    assert (await admin_order(shop_b, order_b["number"]))["status"] == "pending_payment"
    assert (await admin_order(shop_a, order_a["number"]))["status"] == "pending_payment"


async def test_replayed_and_duplicate_notifications_apply_once(open_shop, runtime, alipay,
                                                               app_key):
    shop, order, payment = await _pending_payment(open_shop, runtime, alipay, app_key)
    fields = signing.sign_notification(_fields(shop, payment), _alipay_key(alipay))
    answers = [(await _post(shop, fields)).text for _ in range(3)]
    assert answers == ["success"] * 3  # Alipay must stop resending
    alipay.simulator.duplicates = 1  # Alipay's own copies: sent twice, then again later
    try:
        async with alipay.client() as sim:
            await sim.post("/control/pay", json={"app_id": shop.app_id,
                                                 "out_trade_no": payment["payment_id"]})
            again = await sim.post("/control/notify", json={
                "app_id": shop.app_id, "out_trade_no": payment["payment_id"], "times": 2})
    finally:
        alipay.simulator.duplicates = 0
    assert again.json()["answers"] == ["success", "success"]
    assert [d.ok for d in alipay.simulator.deliveries
            if d.fields["out_trade_no"] == payment["payment_id"]] == [True] * 4
    assert (await admin_order(shop, order["number"]))["status"] == "paid"
    assert await _outcomes(shop) == ["applied"] + ["duplicate"] * 6
    async with db.shop_scope(shop.tenant_id):
        paid = await TimelineEntry.count().where(
            (TimelineEntry.tenant == shop.tenant_id) & (TimelineEntry.to_status == "paid"))
    assert paid == 1


class _DownOnce(httpx.AsyncBaseTransport):
    """The shop's server is down for the first notification, then back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.calls = inner, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == 1:
            return httpx.Response(502, text="bad gateway")
        return await self.inner.handle_async_request(request)


async def test_an_unanswered_notification_is_retried_until_success(open_shop, runtime, alipay,
                                                                   app_key):
    shop, order, payment = await _pending_payment(open_shop, runtime, alipay, app_key)
    simulator = alipay.simulator
    inner = simulator.notify_transport
    simulator.notify_transport = _DownOnce(inner)
    try:
        async with alipay.client() as sim:
            paid = await sim.post("/control/pay", json={"app_id": shop.app_id,
                                                        "out_trade_no": payment["payment_id"]})
        assert paid.json()["answer"] == "bad gateway"
        await simulator.settle()
    finally:
        simulator.notify_transport = inner
    sent = [d for d in simulator.deliveries if d.fields["out_trade_no"] == payment["payment_id"]]
    assert [d.ok for d in sent] == [False, True]
    assert sent[0].notify_id == sent[1].notify_id  # a retry, not a new notification
    assert (await admin_order(shop, order["number"]))["status"] == "paid"


async def test_a_shop_not_in_cny_is_not_offered_alipay(open_shop, runtime, alipay, app_key):
    shop, _, payment = await _pending_payment(open_shop, runtime, alipay, app_key)
    from galleria.kernel.tenancy.tables import Tenant

    await Tenant.update({Tenant.currency: "USD"}).where(Tenant.id == shop.tenant_id)
    try:
        methods = (await shop.handle.get("/api/v1/payment-methods", admin=False)).json()
        assert "alipay" not in [m["code"] for m in methods["items"]]
        fields = signing.sign_notification(_fields(shop, payment), _alipay_key(alipay))
        answer = await _post(shop, fields)
        assert answer.status_code == 404
    finally:
        await Tenant.update({Tenant.currency: "CNY"}).where(Tenant.id == shop.tenant_id)

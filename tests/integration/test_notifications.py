"""Order notifications: mails to the shopper and the merchant in the shop's language through
a real local SMTP server (aiosmtpd), the follow-up a day after delivery, a failing channel
retried alone, and the SMS channel hook."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import itertools
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from galleria.kernel import NotificationChannel, NotificationMessage, db, hookimpl
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.notifications.service import FOLLOW_UP_TOPIC, SEND_TOPIC
from galleria.kernel.notifications.tables import NotificationLog
from galleria.kernel.orders import service as orders
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, register_plugin, run_outbox

_skus = itertools.count(1)
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


class Inbox:
    """aiosmtpd handler: keeps every message received, parsed."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        mail["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.mails.append(mail)
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.mails if m["X-Envelope-To"] == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


async def _shop(open_shop, runtime, smtp, locale: str = "zh_CN"):
    """A shop with the email plugin pointed at the local SMTP server; (handle, tenant id)."""
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await Tenant.update({Tenant.locale: locale}).where(Tenant.id == tenant_id)
    await enable_plugin(tenant_id, runtime.host, "notify_email", {
        "host": "127.0.0.1", "port": smtp.port, "from_address": "orders@tea.example",
        "starttls": False})
    return shop, tenant_id


async def _place_order(shop, contact=CONTACT) -> str:
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{next(_skus)}", "price": 2800, "stock": 5}]})
    assert created.status_code == 201, created.text
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False, json={
        "variant_id": created.json()["variants"][0]["id"], "quantity": 2})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": contact, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def _deliver(tenant_id: int, number: str, **shipped: Any) -> None:
    for state in ("paid", "approved", "fulfilling"):
        await orders.transition(tenant_id, number, state, actor="test")
    await orders.transition(tenant_id, number, "shipped", actor="test", details=shipped)
    await orders.transition(tenant_id, number, "delivered", actor="test")


async def _make_due(tenant_id: int, topic: str) -> None:
    await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)
                              - dt.timedelta(seconds=1)}).where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == topic)
        & OutboxEvent.done_at.is_null())


def _text(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


async def test_each_order_event_mails_the_shopper_and_the_merchant_in_chinese(
        open_shop, runtime, smtp):
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    number = await _place_order(shop)
    await run_outbox(runtime.host)
    shopper, merchant = smtp.to("lilei@example.com"), smtp.to(shop.email)
    assert [m["Subject"] for m in shopper] == [f"订单 {number} 已提交"]
    assert [m["Subject"] for m in merchant] == [f"新订单 {number}（¥56.00）"]
    placed = shopper[0]
    assert "orders@tea.example" in placed["From"] and f"Shop {shop.slug}" in placed["From"]
    assert placed["Reply-To"] == shop.email  # the shopper's answer reaches the merchant
    assert "李雷，您好" in _text(placed) and "¥56.00" in _text(placed)
    html = placed.get_body(preferencelist=("html",)).get_content()
    assert "<html" in html and number in html

    await _deliver(tenant_id, number, carrier="顺丰速运", tracking_number="SF1234567890")
    await orders.record_refund(tenant_id, number, 1000, actor="test", reason="dent")
    await run_outbox(runtime.host)
    subjects = [m["Subject"] for m in smtp.to("lilei@example.com")]
    assert subjects == [f"订单 {number} 已提交", f"订单 {number} 已付款",
                        f"订单 {number} 已发货", f"订单 {number} 已送达",
                        f"订单 {number} 部分退款"]
    shipped = smtp.to("lilei@example.com")[2]
    assert "顺丰速运" in _text(shipped) and "SF1234567890" in _text(shipped)
    assert "¥10.00" in _text(smtp.to("lilei@example.com")[4])
    assert [m["Subject"] for m in smtp.to(shop.email)][1:] == [
        f"订单 {number} 已付款（¥56.00）", f"订单 {number} 已发货", f"订单 {number} 已送达",
        f"订单 {number} 部分退款（¥10.00）"]

    async with db.shop_scope(tenant_id):
        logged = await NotificationLog.select().where(NotificationLog.tenant == tenant_id)
    assert len(logged) == 10 and {r["status"] for r in logged} == {"sent"}
    assert {r["channel"] for r in logged} == {"notify_email:email"}


async def test_english_shop_writes_english_and_a_cancellation_and_full_refund(
        open_shop, runtime, smtp):
    shop, tenant_id = await _shop(open_shop, runtime, smtp, locale="en")
    async with db.shop_scope(tenant_id):
        await Tenant.update({Tenant.settings: {"notification_email": "ops@tea.example"}}).where(
            Tenant.id == tenant_id)
    cancelled = await _place_order(shop)
    await orders.cancel_order(tenant_id, cancelled, actor="test", reason="out of season")
    refunded = await _place_order(shop)
    await orders.transition(tenant_id, refunded, "paid", actor="test")
    await orders.record_refund(tenant_id, refunded, 5600, actor="test")
    await run_outbox(runtime.host)
    shopper = [m["Subject"] for m in smtp.to("lilei@example.com")]
    assert f"Order {cancelled} cancelled" in shopper
    assert f"Order {refunded} refunded" in shopper
    assert "out of season" in _text(next(m for m in smtp.to("lilei@example.com")
                                         if m["Subject"] == f"Order {cancelled} cancelled"))
    # The shop's notification_email setting wins over the owner's address.
    assert smtp.to(shop.email) == []
    merchant = [m["Subject"] for m in smtp.to("ops@tea.example")]
    assert f"Order {refunded} refunded in full (¥56.00)" in merchant


async def test_the_follow_up_comes_a_day_after_delivery_unless_refunded(
        open_shop, runtime, smtp):
    shop, tenant_id = await _shop(open_shop, runtime, smtp, locale="en")
    kept = await _place_order(shop)
    returned = await _place_order(shop)
    await _deliver(tenant_id, kept)
    await _deliver(tenant_id, returned)
    await run_outbox(runtime.host)
    follow_ups = await OutboxEvent.select().where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == FOLLOW_UP_TOPIC))
    assert len(follow_ups) == 2
    for row in follow_ups:
        wait = row["next_attempt_at"] - dt.datetime.now(dt.UTC)
        assert dt.timedelta(hours=23) < wait <= dt.timedelta(days=1)
        assert row["done_at"] is None
    asked = [m for m in smtp.mails if m["Subject"].startswith("How was")]
    assert asked == []

    await orders.transition(tenant_id, returned, "refunded", actor="test", reason="return")
    await _make_due(tenant_id, FOLLOW_UP_TOPIC)
    await run_outbox(runtime.host)
    asked = [m for m in smtp.mails if m["Subject"].startswith("How was")]
    assert [m["Subject"] for m in asked] == [f"How was your order {kept}?"]
    assert asked[0]["X-Envelope-To"] == "lilei@example.com"
    assert "complaint" in _text(asked[0]) and asked[0]["Reply-To"] == shop.email


class FlakySms:
    """A test SMS plugin: its channel fails the first `failures` sends, then records."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.sent, self.tries = failures, [], 0
        plugin = self

        class Channel(NotificationChannel):
            kind = "sms"

            async def send(self, message: NotificationMessage) -> None:
                plugin.tries += 1
                if plugin.tries <= plugin.failures:
                    raise ConnectionError("SMS gateway down")
                plugin.sent.append(message)

        self.channel = Channel()

    @hookimpl
    def galleria_notification_channels(self, shop):
        return [self.channel]


async def test_hook_notification_channels(open_shop, runtime, smtp):
    """An SMS channel plugin gets the shopper's phone messages (and the merchant's, once the
    shop sets a notification_phone), alongside the email channel."""
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    await Tenant.update({Tenant.settings: {"notification_phone": "+86 13900000000"}}).where(
        Tenant.id == tenant_id)
    with register_plugin(runtime.host, FlakySms(), "test_sms") as sms:
        await enable_plugin(tenant_id, runtime.host, "test_sms")
        number = await _place_order(shop)
        await run_outbox(runtime.host)
    by_recipient = {m.recipient: m for m in sms.sent}
    assert set(by_recipient) == {"+8613800138000", "+86 13900000000"}
    shopper = by_recipient["+8613800138000"]
    assert (shopper.topic, shopper.order_number, shopper.locale, shopper.audience) == (
        "order.placed", number, "zh_CN", "shopper")
    assert shopper.subject == f"订单 {number} 已提交" and shopper.html is None
    assert len(smtp.mails) == 2  # email still goes out alongside


async def test_a_failing_channel_is_retried_alone_with_backoff(open_shop, runtime, smtp):
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    with register_plugin(runtime.host, FlakySms(failures=1), "test_flaky_sms") as sms:
        await enable_plugin(tenant_id, runtime.host, "test_flaky_sms")
        number = await _place_order(shop)
        await run_outbox(runtime.host)
        assert sms.sent == [] and len(smtp.mails) == 2
        async with db.shop_scope(tenant_id):
            failed = await NotificationLog.select().where(
                (NotificationLog.tenant == tenant_id)
                & (NotificationLog.channel == "test_flaky_sms:sms")).first()
        assert (failed["status"], failed["attempts"]) == ("failed", 1)
        assert "SMS gateway down" in failed["error"]
        waiting = await OutboxEvent.select().where(
            (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == SEND_TOPIC)
            & OutboxEvent.done_at.is_null())
        assert len(waiting) == 1 and waiting[0]["next_attempt_at"] > dt.datetime.now(dt.UTC)

        await _make_due(tenant_id, SEND_TOPIC)
        await run_outbox(runtime.host)
        assert [m.order_number for m in sms.sent] == [number]
        assert len(smtp.mails) == 2  # the mails that went out were not sent again
    async with db.shop_scope(tenant_id):
        row = await NotificationLog.select().where(NotificationLog.id == failed["id"]).first()
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 2, "")


async def test_without_a_mail_server_the_log_says_why(open_shop, runtime, monkeypatch):
    monkeypatch.delenv("GALLERIA_SMTP_HOST", raising=False)
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "notify_email", {})
    await _place_order(shop)
    await run_outbox(runtime.host)
    async with db.shop_scope(tenant_id):
        rows = await NotificationLog.select().where(NotificationLog.tenant == tenant_id)
    assert len(rows) == 2 and {r["status"] for r in rows} == {"failed"}
    assert all("no SMTP server" in r["error"] for r in rows)


async def test_a_shop_without_its_own_server_uses_the_platforms(
        open_shop, runtime, smtp, monkeypatch):
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(smtp.port)),
                        ("FROM", "noreply@platform.example"), ("STARTTLS", "0")):
        monkeypatch.setenv(f"GALLERIA_SMTP_{name}", value)
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "notify_email", {})
    number = await _place_order(shop)
    await run_outbox(runtime.host)
    # This shop's mails only: with the platform's server now set, run_outbox also delivers
    # other shops' sends that failed earlier for want of one, once their backoff is over.
    mails = [m for m in smtp.to("lilei@example.com") if number in m["Subject"]]
    assert [m["Subject"] for m in mails] == [f"订单 {number} 已提交"]
    assert "noreply@platform.example" in mails[0]["From"]

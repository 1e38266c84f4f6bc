"""Customer service reaches the shopper: an answered ticket is mailed (and texted, with an
SMS channel) with a link that opens the thread for a guest and nothing else; the follow-up
a day after delivery links to the rating page, and what the shopper writes there becomes a
ticket the shop answers like any other."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from test_notifications import (  # noqa: F401 - smtp is a fixture
    CONTACT,
    FlakySms,
    _deliver,
    _make_due,
    _place_order,
    _shop,
    _text,
    smtp,
)

from galleria.kernel import db
from galleria.kernel.aftersales import returns
from galleria.kernel.notifications.service import FOLLOW_UP_TOPIC
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.links import order_key
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.shops import get_shop_by_id
from galleria.testing import enable_plugin, register_plugin, run_outbox
from galleria.testing.browsers import Browser

LINK = re.compile(r"https?://\S+")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_an_answered_ticket_reaches_the_shopper_by_mail_and_sms(
        open_shop, runtime, smtp, app):  # noqa: F811 - the imported fixture
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    with register_plugin(runtime.host, FlakySms(), "test_sms_tickets") as sms:
        await enable_plugin(tenant_id, runtime.host, "test_sms_tickets")
        number = await _place_order(shop)
        other = await _place_order(shop)
        async with db.shop_scope(tenant_id):
            ticket = await tickets.open_ticket(
                tenant_id, subject="茶叶受潮", body="收到的茶叶有点潮", actor="guest",
                kind="complaint", order_number=number, contact=CONTACT)
        await run_outbox(runtime.host)
        smtp.mails.clear()
        sms.sent.clear()
        answered = await shop.post(f"/api/admin/v1/tickets/{ticket['id']}/messages",
                                   json={"body": "非常抱歉，我们马上为您补发一盒新茶。"})
        assert answered.status_code == 200, answered.text
        await run_outbox(runtime.host)

    mails = smtp.to("lilei@example.com")
    assert len(mails) == 1 and mails[0]["Subject"].endswith(f"回复了您的咨询 #{ticket['id']}")
    text = _text(mails[0])
    assert "非常抱歉，我们马上为您补发一盒新茶。" in text and "茶叶受潮" in text
    texts = [m for m in sms.sent if m.topic == "ticket.answered"]
    assert [m.recipient for m in texts] == [CONTACT["phone"]]
    link = LINK.search(text).group(0)
    assert f"/orders/{number}/tickets/{ticket['id']}?key=" in link

    guest = Browser(app, shop.host)  # never saw the order: the link alone opens the thread
    thread = await guest.get(_path(link))
    assert thread.status_code == 200 and "我们马上为您补发一盒新茶" in thread.text
    reply_form = await guest.get(f"/orders/{number}/tickets/{ticket['id']}")
    assert reply_form.status_code == 200  # the session keeps the link for the reply
    stranger = Browser(app, shop.host)
    forged = _path(link)[:-4] + "0000"
    assert (await stranger.get(forged)).status_code == 404
    elsewhere = f"/orders/{other}?key={order_key(tenant_id, number)}"
    assert (await stranger.get(elsewhere)).status_code == 404  # the key opens one order
    await guest.close()
    await stranger.close()


async def test_the_follow_up_links_to_a_rating_page_whose_reply_is_a_ticket(
        open_shop, runtime, smtp, app):  # noqa: F811 - the imported fixture
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    number = await _place_order(shop)
    await _deliver(tenant_id, number)
    await run_outbox(runtime.host)
    await _make_due(tenant_id, FOLLOW_UP_TOPIC)
    await run_outbox(runtime.host)
    asked = [m for m in smtp.to("lilei@example.com") if "欢迎评价" in m["Subject"]]
    assert len(asked) == 1
    link = LINK.search(_text(asked[0])).group(0)
    assert f"/orders/{number}/feedback?key=" in link

    shopper = Browser(app, shop.host)
    form = await shopper.get(_path(link))
    assert form.status_code == 200 and "订单还满意吗？" in form.text
    token = await shopper.csrf(f"/orders/{number}/feedback")
    missing = await shopper.http.post(f"/orders/{number}/feedback", data={
        "_csrf_token": token, "delivery": "5"})
    assert missing.status_code == 422 and "请为配送和商品各打 1–5 星" in missing.text
    sent = await shopper.http.post(f"/orders/{number}/feedback", data={
        "_csrf_token": token, "delivery": "2", "products": "5",
        "body": "快递员没打电话就把箱子放在门口，淋湿了。"})
    assert sent.status_code == 303
    assert re.fullmatch(rf"/orders/{number}/tickets/\d+", sent.headers["location"])
    listed = (await shop.get(f"/api/admin/v1/tickets?order_number={number}")).json()["items"]
    assert len(listed) == 1
    ticket = listed[0]
    assert ticket["kind"] == "complaint" and ticket["status"] == "open"
    assert ticket["subject"] == "配送 2 星，商品 5 星"
    thread = await shopper.get(sent.headers["location"])
    assert "淋湿了" in thread.text
    await shopper.close()


async def test_every_return_step_reaches_both_sides(open_shop, runtime,
                                                    smtp):  # noqa: F811 - the imported fixture
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    number = await _place_order(shop)
    for state in ("paid", "approved"):
        await orders.transition(tenant_id, number, state, actor="test")
    sent = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                           json={"carrier": "sf", "tracking_number": "SF777"})
    assert sent.status_code == 201, sent.text
    await shop.post(f"/api/admin/v1/shipments/{sent.json()['id']}/events",
                    json={"status": "delivered", "description": "已签收"})
    await run_outbox(runtime.host)
    smtp.mails.clear()
    async with db.shop_scope(tenant_id):
        order = await orders.get_order(tenant_id, number)
        line = (await orders.order_view(tenant_id, order, staff=True))["lines"][0]
        asked = await returns.request_return(
            await get_shop_by_id(tenant_id), order, kind="return",
            lines=[{"variant_id": line["variant_id"], "quantity": 1}], actor="guest")
    rid = asked["id"]
    assert (await shop.post(f"/api/admin/v1/returns/{rid}/reject",
                            json={"reason": "包装已拆封"})).status_code == 200
    await run_outbox(runtime.host)
    shopper = [m["Subject"] for m in smtp.to("lilei@example.com")]
    merchant = [m["Subject"] for m in smtp.to(shop.email)]
    assert shopper == [f"订单 {number} 售后申请已提交", f"订单 {number} 售后申请未通过"]
    assert merchant == [f"订单 {number} 售后 #{rid}：已提交", f"订单 {number} 售后 #{rid}：未通过"]
    rejected = next(m for m in smtp.to("lilei@example.com") if "未通过" in m["Subject"])
    assert "原因：包装已拆封" in _text(rejected)

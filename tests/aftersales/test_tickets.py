"""Tickets: a shopper opens one about an order (or in general), staff answer (the ticket
waits for the shopper), the shopper replies, staff resolve, the shopper rates it once;
reply-time figures are true to what happened; a return request opens its ticket itself;
another shop sees none of it."""

from __future__ import annotations

import pytest
from aftersales_helpers import (
    RecordingPayPlugin,
    add_products,
    delivered_order,
    place,
    tenant_of,
)

from galleria.kernel import hookimpl
from galleria.testing import enable_plugin, register_plugin, run_outbox


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


def _guest(order):
    return f"order_number={order['number']}&access_token={order['access_token']}"


async def test_a_complaint_from_open_to_rated(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    order = await place(shop, [(products["TEA"], 1)])
    opened = await shop.post(f"/api/v1/tickets?{_guest(order)}", admin=False, json={
        "kind": "complaint", "subject": "茶叶受潮", "body": "收到的茶叶有点潮",
        "attachments": ["https://img.example.com/tea.jpg"]})
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    assert (ticket["status"], ticket["order_number"]) == ("open", order["number"])
    assert ticket["messages"][0]["attachments"] == ["https://img.example.com/tea.jpg"]
    tid = ticket["id"]

    answered = await shop.post(f"/api/admin/v1/tickets/{tid}/messages",
                               json={"body": "非常抱歉，为您补发一盒"})
    assert answered.status_code == 200 and answered.json()["status"] == "waiting"
    replied = await shop.post(f"/api/v1/tickets/{tid}/messages?{_guest(order)}", admin=False,
                              json={"body": "好的，谢谢"})
    assert replied.json()["status"] == "open"
    assert [m["author"] for m in replied.json()["messages"]] == ["customer", "staff",
                                                                 "customer"]
    early = await shop.post(f"/api/v1/tickets/{tid}/rating?{_guest(order)}", admin=False,
                            json={"rating": 5})
    assert early.status_code == 409  # not resolved yet
    resolved = await shop.post(f"/api/admin/v1/tickets/{tid}/resolve", json={"note": "已补发"})
    assert resolved.json()["status"] == "resolved"
    closed = await shop.post(f"/api/v1/tickets/{tid}/messages?{_guest(order)}", admin=False,
                             json={"body": "还有问题"})
    assert closed.status_code == 409
    rated = await shop.post(f"/api/v1/tickets/{tid}/rating?{_guest(order)}", admin=False,
                            json={"rating": 5, "comment": "处理很快"})
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    again = await shop.post(f"/api/v1/tickets/{tid}/rating?{_guest(order)}", admin=False,
                            json={"rating": 1})
    assert again.status_code == 409

    figures = (await shop.get("/api/admin/v1/tickets/figures")).json()
    assert (figures["total"], figures["resolved"], figures["unanswered"]) == (1, 1, 0)
    assert figures["rating_avg"] == 5 and figures["first_reply_minutes_avg"] is not None
    mine = (await shop.get(f"/api/v1/tickets?{_guest(order)}", admin=False)).json()
    assert [t["id"] for t in mine["items"]] == [tid]


async def test_tickets_need_a_shopper_and_stay_in_their_shop(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    order = await place(shop, [(products["TEA"], 1)])
    nobody = await shop.post("/api/v1/tickets", admin=False,
                             json={"subject": "x", "body": "y"})
    assert nobody.status_code == 401
    assert nobody.headers["content-type"].startswith("application/problem+json")
    wrong = await shop.post(f"/api/v1/tickets?order_number={order['number']}&access_token=no",
                            admin=False, json={"subject": "x", "body": "y"})
    assert wrong.status_code == 404
    opened = await shop.post(f"/api/v1/tickets?{_guest(order)}", admin=False,
                             json={"subject": "发票", "body": "需要开发票"})
    tid = opened.json()["id"]
    other = await open_shop()
    assert (await other.get(f"/api/admin/v1/tickets/{tid}")).status_code == 404
    assert (await other.post(f"/api/admin/v1/tickets/{tid}/messages",
                             json={"body": "hi"})).status_code == 404
    assert (await other.get("/api/admin/v1/tickets")).json()["items"] == []
    bad = await shop.post(f"/api/v1/tickets?{_guest(order)}", admin=False, json={
        "subject": "x", "body": "y", "attachments": ["javascript:alert(1)"]})
    assert bad.status_code == 422
    listed = await shop.get("/api/admin/v1/tickets?status=lost")
    assert listed.status_code in (400, 422)


async def test_a_return_request_opens_its_ticket(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 1)])
    asked = await shop.post(
        f"/api/v1/orders/{order['number']}/returns?access_token={order['access_token']}",
        admin=False, json={"kind": "return", "note": "不想要了",
                           "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    assert asked.status_code == 201, asked.text
    listed = (await shop.get(f"/api/admin/v1/tickets?order_number={order['number']}")).json()
    [ticket] = listed["items"]
    assert ticket["kind"] == "return" and ticket["return_id"] == asked.json()["id"]
    assert ticket["messages"][0]["body"] == "不想要了"


class TicketListener:
    def __init__(self):
        self.opened, self.answered = [], []

    @hookimpl
    def galleria_ticket_opened(self, event):
        self.opened.append(event.payload)

    @hookimpl
    def galleria_ticket_answered(self, event):
        self.answered.append(event.payload)


async def _ticket(open_shop, runtime, kind: str):
    """A shop with the ticket listener enabled, a guest's order and a ticket about it."""
    shop = await open_shop()
    await enable_plugin(await tenant_of(shop), runtime.host, "ticket_listener")
    products = await add_products(shop, ("TEA", 2800, 10))
    order = await place(shop, [(products["TEA"], 1)])
    opened = await shop.post(f"/api/v1/tickets?{_guest(order)}", admin=False, json={
        "kind": kind, "subject": "茶叶受潮", "body": "收到的茶叶有点潮"})
    assert opened.status_code == 201, opened.text
    return shop, order, opened.json()["id"]


async def test_hook_ticket_opened(open_shop, runtime):
    with register_plugin(runtime.host, TicketListener(), "ticket_listener") as listener:
        _, order, tid = await _ticket(open_shop, runtime, "complaint")
        await run_outbox(runtime.host)
    assert listener.opened == [{"ticket_id": tid, "kind": "complaint",
                                "order_number": order["number"]}]


async def test_hook_ticket_answered(open_shop, runtime):
    with register_plugin(runtime.host, TicketListener(), "ticket_listener") as listener:
        shop, order, tid = await _ticket(open_shop, runtime, "question")
        await shop.post(f"/api/admin/v1/tickets/{tid}/messages", json={"body": "今天发出"})
        await shop.post(f"/api/v1/tickets/{tid}/messages?{_guest(order)}", admin=False,
                        json={"body": "谢谢"})  # the shopper's reply answers nothing
        await run_outbox(runtime.host)
    assert listener.answered == [{"ticket_id": tid, "order_number": order["number"],
                                  "origin": f"http://{shop.host}"}]

"""Warranty service (appliance shops): a repair or installation booked from a delivered
order becomes a ticket with its appointment; service points are listed by city; the FAQ
is edited by staff and read by shoppers, each shop its own."""

from __future__ import annotations

import datetime as dt

import pytest
from aftersales_helpers import RecordingPayPlugin, add_products, delivered_order, place, tenant_of

from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import register_plugin


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


POINTS = [{"city": "杭州市", "name": "西湖维修站", "address": "文三路 1 号", "phone": "0571-1"},
          {"city": "上海市", "name": "浦东维修站", "address": "世纪大道 2 号"}]


async def test_an_installation_is_booked_from_a_delivered_order(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("FRIDGE", 199900, 5))
    _, order, _ = await delivered_order(shop, runtime, [(products["FRIDGE"], 1)])
    path = (f"/api/v1/orders/{order['number']}/service-requests"
            f"?access_token={order['access_token']}")
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    booked = await shop.post(path, admin=False, json={
        "kind": "installation", "appointment_date": tomorrow, "time_slot": "09:00-12:00",
        "body": "请上门安装"})
    assert booked.status_code == 201, booked.text
    ticket = booked.json()
    assert (ticket["kind"], ticket["appointment_date"], ticket["time_slot"]) == (
        "installation", tomorrow, "09:00-12:00")
    assert ticket["address"]["city"] == "杭州市"  # the order's address by default
    staff_view = (await shop.get(f"/api/admin/v1/tickets/{ticket['id']}")).json()
    assert staff_view["order_number"] == order["number"]

    past = await shop.post(path, admin=False, json={
        "kind": "repair", "appointment_date": "2020-01-01", "time_slot": "09:00-12:00"})
    assert past.status_code == 422
    slot = await shop.post(path, admin=False, json={
        "kind": "repair", "appointment_date": tomorrow, "time_slot": "03:00-04:00"})
    assert slot.status_code == 422 and slot.json()["errors"][0]["field"] == "time_slot"
    undelivered = await place(shop, [(products["FRIDGE"], 1)], payment_method="afterpay")
    early = await shop.post(
        f"/api/v1/orders/{undelivered['number']}/service-requests"
        f"?access_token={undelivered['access_token']}", admin=False,
        json={"kind": "repair", "appointment_date": tomorrow, "time_slot": "09:00-12:00"})
    assert early.status_code == 422


async def test_service_points_by_city(open_shop):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    await Tenant.update({Tenant.settings: {"service_points": POINTS}}).where(
        Tenant.id == tenant_id)
    hangzhou = (await shop.get("/api/v1/service-points?city=杭州", admin=False)).json()
    assert [p["name"] for p in hangzhou["items"]] == ["西湖维修站"]
    everywhere = (await shop.get("/api/v1/service-points", admin=False)).json()
    assert len(everywhere["items"]) == 2 and everywhere["time_slots"]


async def test_the_faq_is_edited_by_staff_and_read_by_shoppers(open_shop):
    shop = await open_shop()
    added = await shop.post("/api/admin/v1/faq", json={
        "question": "多久发货？", "answer": "付款后 48 小时内发货。", "position": 1})
    assert added.status_code == 201, added.text
    hidden = await shop.post("/api/admin/v1/faq", json={
        "question": "草稿", "answer": "未发布", "published": False})
    assert hidden.status_code == 201
    public = (await shop.get("/api/v1/faq", admin=False)).json()["items"]
    assert [e["question"] for e in public] == ["多久发货？"]
    entry = added.json()["id"]
    changed = await shop.put(f"/api/admin/v1/faq/{entry}", json={
        "question": "多久发货？", "answer": "付款后 24 小时内发货。"})
    assert changed.json()["answer"] == "付款后 24 小时内发货。"
    other = await open_shop()
    assert (await other.put(f"/api/admin/v1/faq/{entry}", json={
        "question": "x", "answer": "y"})).status_code == 404
    assert (await other.get("/api/v1/faq", admin=False)).json()["items"] == []
    gone = await shop.client.delete(f"/api/admin/v1/faq/{entry}", headers=shop.headers())
    assert gone.status_code == 204
    assert (await shop.get("/api/v1/faq", admin=False)).json()["items"] == []
    empty = await shop.post("/api/admin/v1/faq", json={"question": "x", "answer": ""})
    assert empty.status_code in (400, 422)

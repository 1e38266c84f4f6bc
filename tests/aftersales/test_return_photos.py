"""Photos attached to a return request (over the API and on the storefront form) and to a
failed quality check: checked like product pictures, kept in the shop's storage, shown to
the merchant; a link elsewhere, another shop's photo or a file that is not a picture is
refused with a 422 that says so."""

from __future__ import annotations

import io

import pytest
from aftersales_helpers import RecordingPayPlugin, add_products, delivered_order, paid_order
from PIL import Image

from galleria.testing import register_plugin
from galleria.testing.browsers import Browser


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


def png(size=(600, 450), colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _returns(order):
    return f"/api/v1/orders/{order['number']}/returns?access_token={order['access_token']}"


def _upload(order):
    return _returns(order).replace("/returns?", "/returns/photos?")


async def test_a_shopper_attaches_photos_the_merchant_sees_them(open_shop, runtime, afterpay,
                                                                client):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 2)])
    uploaded = await shop.post(_upload(order), admin=False,
                               files={"file": ("broken.png", png(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    assert photo["key"].endswith(".jpg") and photo["url"].startswith("/media/")
    picture = await client.get(photo["thumb_url"], headers={"host": shop.host})
    assert picture.status_code == 200
    assert Image.open(io.BytesIO(picture.content)).format == "JPEG"  # re-encoded

    asked = await shop.post(_returns(order), admin=False, json={
        "kind": "return", "reason": "damaged", "photos": [photo["key"]],
        "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    assert asked.status_code == 201, asked.text
    assert asked.json()["photos"] == [photo]
    shown = await shop.get(f"/api/admin/v1/returns/{asked.json()['id']}")
    assert shown.json()["photos"] == [photo]


async def test_photos_must_be_pictures_uploaded_to_this_shop(open_shop, runtime, afterpay):
    shop = await open_shop()
    other = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 2)])
    not_a_picture = await shop.post(_upload(order), admin=False,
                                    files={"file": ("note.png", b"hello", "image/png")})
    assert not_a_picture.status_code == 422
    assert "JPEG, PNG or WebP" in not_a_picture.json()["detail"] + str(
        not_a_picture.json().get("errors"))
    stranger = await shop.post(_upload(order).replace(order["access_token"], "wrong"),
                               admin=False, files={"file": ("a.png", png(), "image/png")})
    assert stranger.status_code == 404

    other_products = await add_products(other, ("CUP", 1500, 10))
    _, other_order, _ = await delivered_order(other, runtime, [(other_products["CUP"], 1)])
    foreign = (await other.post(_upload(other_order), admin=False,
                                files={"file": ("a.png", png(), "image/png")})).json()["key"]
    for photos in ([foreign], ["https://evil.example/x.jpg"], ["shops/1/returns/../x.jpg"]):
        refused = await shop.post(_returns(order), admin=False, json={
            "kind": "return", "photos": photos,
            "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "photos[0]"
    listed = await shop.get(_returns(order), admin=False)
    assert listed.json()["items"] == []  # nothing was stored from the refused requests


async def test_the_return_form_takes_photos_and_the_console_shows_them(
        open_shop, runtime, afterpay, app, console):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 2)])
    browser = Browser(app, shop.host)
    opened = await browser.get(f"/orders/{order['number']}?access_token="
                               f"{order['access_token']}")  # the session remembers it
    assert opened.status_code == 200
    form = f"/orders/{order['number']}/returns/new"
    page = await browser.get(form)
    assert 'enctype="multipart/form-data"' in page.text and 'name="photos"' in page.text
    token = await browser.csrf(form)
    action = f"/orders/{order['number']}/returns"
    bad = await browser.http.post(action, data={
        "_csrf_token": token, "kind": "return", "reason": "damaged",
        f"qty-{products['TEA']}": "1"}, files=[("photos", ("x.png", b"nope", "image/png"))])
    assert bad.status_code == 422 and "每张照片须为 JPEG、PNG 或 WebP 图片" in bad.text
    sent = await browser.http.post(action, data={
        "_csrf_token": token, "kind": "return", "reason": "damaged",
        f"qty-{products['TEA']}": "1"}, files=[("photos", ("a.png", png(), "image/png")),
                                                ("photos", ("b.png", png(colour=(0, 0, 255)),
                                                            "image/png"))])
    assert sent.status_code == 303, sent.text
    requests = (await shop.get(_returns(order), admin=False)).json()["items"]
    assert len(requests) == 1 and len(requests[0]["photos"]) == 2
    order_page = await browser.get(f"/orders/{order['number']}")
    assert requests[0]["photos"][0]["thumb_url"] in order_page.text
    merchant = await console(shop)
    detail = await merchant.get(f"/console/returns/{requests[0]['id']}")
    assert "顾客上传的照片" in detail.text
    assert all(p["thumb_url"] in detail.text for p in requests[0]["photos"])
    await browser.close()


async def test_a_failed_quality_check_keeps_its_photos(open_shop, runtime, afterpay, console):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order = await paid_order(shop, runtime, [(products["TEA"], 1)])
    number = order["number"]
    uploaded = await shop.post(f"/api/admin/v1/orders/{number}/packing/photos",
                               files={"file": ("dent.png", png(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    key = uploaded.json()["key"]
    assert "/checks/" in key
    link = await shop.post(f"/api/admin/v1/orders/{number}/packing/checks", json={
        "passed": False, "notes": "盒子压扁", "photos": ["https://x.example/a.jpg"]})
    assert link.status_code == 422
    checked = await shop.post(f"/api/admin/v1/orders/{number}/packing/checks", json={
        "passed": False, "notes": "盒子压扁", "photos": [key]})
    assert checked.status_code == 201, checked.text
    assert checked.json()["photos"][0]["key"] == key
    plan = (await shop.get(f"/api/admin/v1/orders/{number}/packing")).json()
    assert plan["quality_check"]["photos"][0]["thumb_url"] == uploaded.json()["thumb_url"]

    merchant = await console(shop)
    pack = f"/console/picking/pack/{number}"
    token = await merchant.csrf(pack)
    sent = await merchant.http.post(f"{pack}/check", data={
        "_csrf_token": token, "passed": "no", "notes": "标签贴错"},
        files=[("photos", ("label.png", png(colour=(0, 90, 0)), "image/png"))])
    assert sent.status_code == 303, sent.text
    page = await merchant.get(pack)
    assert "标签贴错" in page.text and "data-quality-photos" in page.text
    latest = (await shop.get(f"/api/admin/v1/orders/{number}/packing")).json()
    assert latest["quality_check"]["photos"][0]["thumb_url"] in page.text


async def test_a_ticket_carries_the_shoppers_photos(open_shop, runtime, afterpay, app, console):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 1)])
    browser = Browser(app, shop.host)
    await browser.get(f"/orders/{order['number']}?access_token={order['access_token']}")
    form = f"/orders/{order['number']}/tickets/new"
    assert 'enctype="multipart/form-data"' in (await browser.get(form)).text
    token = await browser.csrf(form)
    action = f"/orders/{order['number']}/tickets"
    bad = await browser.http.post(action, data={"_csrf_token": token, "body": "茶叶受潮"},
                                  files=[("photos", ("x.png", b"nope", "image/png"))])
    assert bad.status_code == 303 and bad.headers["location"].endswith("error=photo")
    assert "每张照片须为 JPEG、PNG 或 WebP 图片" in (await browser.get(
        bad.headers["location"])).text
    sent = await browser.http.post(action, data={"_csrf_token": token, "body": "茶叶受潮"},
                                   files=[("photos", ("wet.png", png(), "image/png"))])
    assert sent.status_code == 303, sent.text
    thread = await browser.get(sent.headers["location"])
    tickets = (await shop.get(f"/api/admin/v1/tickets?order_number={order['number']}")
               ).json()["items"]
    mine = next(t for t in tickets if t["kind"] == "question")
    photo = mine["messages"][0]["attachments"][0] if mine.get("messages") else None
    if photo is None:
        photo = (await shop.get(f"/api/admin/v1/tickets/{mine['id']}")).json()[
            "messages"][0]["attachments"][0]
    assert photo.startswith("/media/shops/") and photo in thread.text
    merchant = await console(shop)
    page = await merchant.get(f"/console/tickets/{mine['id']}")
    assert f'<img src="{photo}"' in page.text
    await browser.close()

"""The merchant's console page for flash sales and gifts: in Chinese, money in yuan, times in
the shop's zone, and figures that match the orders the test placed; the forms pick items
from a list and say what is wrong."""

from __future__ import annotations

import re

import httpx
from helpers import campaign_shop, cart_with, order_body, window


async def _signed_in(app, shop) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                base_url=f"http://{shop.host}")
    login = await browser.get("/console/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
    signed = await browser.post("/console/login", data={
        "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9"})
    assert signed.status_code == 303
    return browser


def _row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start:html.index("</tr>", start)]


async def test_the_console_shows_true_figures_in_chinese(open_shop, runtime, app):
    shop, _, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                        ("CUP-1", 3000, 10))
    sale = (await shop.post("/api/admin/v1/marketing/flash-sales", json={
        "variant_id": v["TEA-1"], "price": 9900, "quota": 10, **window()})).json()
    gift = (await shop.post("/api/admin/v1/marketing/gifts", json={
        "gift_variant_id": v["CUP-1"], "trigger": {"product_ids": [p["TEA-1"]]},
        "safety_stock": 3})).json()
    for quantity in (1, 2):
        placed = await shop.post("/api/v1/orders", admin=False,
                                 json=order_body(await cart_with(shop, v["TEA-1"], quantity)))
        assert placed.status_code == 201, placed.text
    browser = await _signed_in(app, shop)
    try:
        page = await browser.get("/console/p/marketing_campaigns")
        assert page.status_code == 200
        html = page.text
        assert "秒杀活动" in html and "赠品活动" in html and "进行中" in html
        row = _row(html, f'data-sale="{sale["id"]}"')
        assert "3 / 10" in row  # units sold / quota
        assert re.search(r"data-orders>2<", row)
        assert "¥297.00" in row  # revenue: 3 × ¥99.00
        assert "¥87.00" in row  # discount cost: 3 × (¥128.00 − ¥99.00)
        assert "UTC" not in row and "T0" not in row  # times as people read them
        gift_row = _row(html, f'data-gift="{gift["id"]}"')
        assert "8 / 3" in gift_row and re.search(r"data-orders>2<", gift_row)
        assert "赠送中" in gift_row
        for english in ("Flash sales", "Sold / quota", "Free gifts", "running"):
            assert english not in html

        form = await browser.get("/plugins/marketing_campaigns/flash-sales/new")
        assert form.status_code == 200 and "新建秒杀" in form.text
        assert "龙井茶" in form.text and "¥128.00" in form.text  # picked from a list
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
        bad = await browser.post("/plugins/marketing_campaigns/flash-sales", data={
            "_csrf_token": token, "variant_id": str(v["CUP-1"]), "price": "50",
            "quota": "0", "starts_at": "2030-01-02T10:00", "ends_at": "2030-01-01T10:00"})
        assert bad.status_code == 422 and "quota" in bad.text and "ends_at" in bad.text
        made = await browser.post("/plugins/marketing_campaigns/flash-sales", data={
            "_csrf_token": token, "variant_id": str(v["CUP-1"]), "price": "19.90",
            "quota": "5", "per_customer_limit": "1", "starts_at": "2030-01-01T10:00",
            "ends_at": "2030-01-01T12:00"})
        assert made.status_code == 303
    finally:
        await browser.aclose()
    listed = (await shop.get("/api/admin/v1/marketing/flash-sales")).json()["items"]
    cups = [s for s in listed if s["variant_id"] == v["CUP-1"]]
    # 10:00 in the shop's zone (Asia/Shanghai) is 02:00 UTC
    assert [(s["price"], s["starts_at"][:16]) for s in cups] == [(1990, "2030-01-01T02:00")]

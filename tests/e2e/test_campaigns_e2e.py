"""A flash sale and a free gift on a phone (390 × 844, zh-CN), in Chromium: the product page
counts down and says what is left, the checkout shows the sale price and the gift line at
¥0.00, and the order keeps both. Screenshots go to the output folder for a human to judge."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def campaign_shop(server, slug: str) -> tuple[str, dict[str, int]]:
    """A tea shop with cash on delivery, a flash sale on its teapot (¥99.00 → ¥59.00, 5
    units, 1 each, for 2 hours) and a tea cup given with the teapot."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug, "password": "Correct-Horse-9",
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    ids = {}
    for name, sku, price, stock in (("青瓷茶壶", "POT-1", 9900, 20), ("品茗杯", "CUP-1", 1500, 10)):
        made = http.post("/api/admin/v1/products", headers=headers, json={
            "name": name, "variants": [{"sku": sku, "price": price, "stock": stock}]})
        assert made.status_code == 201, made.text
        ids[sku], ids[sku + ":product"] = made.json()["variants"][0]["id"], made.json()["id"]
    for plugin, body in (("payments_offline", {"enabled": True, "settings": {
            "cash_on_delivery": True}}), ("marketing_campaigns", {"enabled": True})):
        assert http.put(f"/api/admin/v1/plugins/{plugin}", headers=headers,
                        json=body).status_code == 200
    now = dt.datetime.now(dt.UTC)
    sale = http.post("/api/admin/v1/marketing/flash-sales", headers=headers, json={
        "variant_id": ids["POT-1"], "price": 5900, "quota": 5, "per_customer_limit": 1,
        "starts_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat()})
    assert sale.status_code == 201, sale.text
    gift = http.post("/api/admin/v1/marketing/gifts", headers=headers, json={
        "gift_variant_id": ids["CUP-1"], "trigger": {"product_ids": [ids["POT-1:product"]]},
        "safety_stock": 2})
    assert gift.status_code == 201, gift.text
    return server.shop_url(slug), ids


@pytest.fixture
def phone(browser: Browser) -> Page:
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_buy_in_a_flash_sale_with_a_countdown_and_get_the_gift(
        live_server, phone: Page, screenshots: Path) -> None:
    shop, ids = campaign_shop(live_server, f"flash-{uuid.uuid4().hex[:6]}")
    phone.goto(f"{shop}/products/{ids['POT-1:product']}")
    promotions = phone.locator("[data-promotions]")
    expect(promotions).to_contain_text("秒杀")
    expect(promotions.locator("[data-promotion-price]")).to_have_text("¥59.00")
    expect(phone.locator("[data-promoted-price]")).to_have_text("¥59.00")  # leads the page
    expect(promotions).to_contain_text("原价 ¥99.00，每人限购 1 件")
    expect(promotions).to_contain_text("仅剩 5 件")
    expect(promotions).to_contain_text("购买即送 品茗杯")
    countdown = promotions.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^01:5\d:\d\d$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks
    assert "Flash" not in phone.content() and "gift" not in phone.inner_text("main")
    shot(phone, screenshots, "campaigns-phone-01-product-countdown")

    phone.get_by_role("button", name="加入购物车").click()
    expect(phone).to_have_url(re.compile(r"/cart\?added=\d+$"))
    phone.get_by_role("link", name="去结算").click()
    expect(phone).to_have_url(re.compile(r"/checkout$"))
    phone.locator("#f-contact-name").fill("韩梅梅")
    phone.locator("#f-contact-phone").fill("13900139000")
    phone.locator("#f-address-province").select_option("上海市")
    phone.locator("#f-address-city").select_option("上海市")
    phone.locator("#f-address-district").select_option("静安区")
    phone.locator("#f-address-line1").fill("南京西路 1 号 2 楼")
    shipping = phone.locator('input[name="shipping_method"]')
    if shipping.count():
        shipping.first.check()
    phone.locator("label.pick", has=phone.locator('input[value="cod"]')).click()
    gift_line = phone.locator("[data-gift-line]")
    expect(gift_line).to_contain_text("赠品")
    expect(gift_line).to_contain_text("品茗杯")
    expect(gift_line).to_contain_text("¥0.00")
    expect(phone.locator(".is-discount")).to_contain_text("秒杀：青瓷茶壶 ¥59.00")
    expect(phone.locator("[data-total]")).to_have_text("¥59.00")
    shot(phone, screenshots, "campaigns-phone-02-checkout-gift")
    phone.get_by_role("button", name="提交订单").click()

    expect(phone).to_have_url(re.compile(r"/orders/\d{12}(/pay)?(\?placed=1)?$"))
    number = re.search(r"/orders/(\d{12})", phone.url).group(1)
    phone.goto(f"{shop}/orders/{number}")
    expect(phone.locator('[data-order-line="CUP-1"]')).to_contain_text("品茗杯")
    expect(phone.locator('[data-order-line="CUP-1"]')).to_contain_text("¥0.00")
    expect(phone.locator('[data-order-line="POT-1"]')).to_contain_text("青瓷茶壶")
    shot(phone, screenshots, "campaigns-phone-03-order-with-gift")

    phone.goto(f"{shop}/products/{ids['POT-1:product']}")
    expect(phone.locator("[data-promotions]")).to_contain_text("仅剩 4 件")

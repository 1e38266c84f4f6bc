"""The storefront on a phone (390 × 844, zh-CN), in Chromium: what a shopper's thumb does.

Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

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


def open_shop(server, slug: str, *products: dict) -> str:
    """Sign up a shop and stock it through the admin API; returns the shop's URL."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug, "password": "Correct-Horse-9",
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    for body in products:
        created = http.post("/api/admin/v1/products", json=body, headers=headers)
        assert created.status_code == 201, created.text
    return server.shop_url(slug)


TEAPOT = {"name": "Celadon teapot 青瓷茶壶", "variants": [
    {"sku": "POT-1", "price": 9900, "stock": 3}]}


@pytest.fixture
def phone(browser: Browser) -> Page:
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_a_quantity_typed_in_the_cart_and_sent_with_enter_is_the_quantity(
        live_server, phone: Page, screenshots: Path) -> None:
    shop = open_shop(live_server, f"enter-{uuid.uuid4().hex[:6]}", TEAPOT)
    phone.goto(shop + "/")
    phone.get_by_role("link", name=re.compile("Celadon teapot")).first.click()
    phone.get_by_role("button", name="加入购物车").click()
    expect(phone).to_have_url(re.compile(r"/cart\?added=\d+$"))

    quantity = phone.get_by_label(re.compile("Celadon teapot"))
    quantity.fill("2")
    quantity.press("Enter")  # the phone keyboard's 前往
    expect(phone).to_have_url(re.compile(r"/cart$"))
    expect(phone.get_by_label(re.compile("Celadon teapot"))).to_have_value("2")
    expect(phone.locator("[data-subtotal]")).to_have_text("¥198.00")

    quantity = phone.get_by_label(re.compile("Celadon teapot"))
    quantity.fill("7")
    quantity.press("Enter")
    expect(phone.locator(".cart-line .field-error")).to_contain_text("库存不足：仅剩 3 件。")
    expect(phone.locator("[data-subtotal]")).to_have_text("¥198.00")  # unchanged
    shot(phone, screenshots, "storefront-phone-cart-beyond-stock")


def test_error_pages_on_a_phone_are_the_shops_and_in_chinese(
        live_server, phone: Page, screenshots: Path) -> None:
    shop = open_shop(live_server, f"oops-{uuid.uuid4().hex[:6]}")
    answer = phone.goto(shop + "/products/99999999")
    assert answer.status == 404
    expect(phone.locator("h1")).to_have_text("页面不存在")
    expect(phone.get_by_role("link", name="返回店铺")).to_be_visible()
    shot(phone, screenshots, "storefront-phone-404")
    answer = phone.goto(live_server.shop_url(f"gone-{uuid.uuid4().hex[:6]}") + "/")
    assert answer.status == 404
    expect(phone.locator("h1")).to_have_text("店铺不存在")
    # Styled: the stylesheet comes from this unknown host too.
    expect(phone.locator(".error-card")).to_have_css("text-align", "center")
    shot(phone, screenshots, "storefront-phone-unknown-shop")
    phone.get_by_role("link", name="返回 Galleria").click()
    expect(phone).to_have_url(live_server.url + "/")


TEA = {"name": "西湖龙井", "status": "published", "description": "明前茶。", "variants": [
    {"sku": "LJ-50", "price": 3800, "stock": 0, "options": {"规格": "50g"}},
    {"sku": "LJ-250", "price": 16800, "stock": 4, "options": {"规格": "250g"}}]}


def test_tab_bar_product_picker_and_buy_now_on_a_phone(
        live_server, phone: Page, screenshots: Path) -> None:
    shop = open_shop(live_server, f"tabs-{uuid.uuid4().hex[:6]}", TEA, TEAPOT)
    phone.goto(shop + "/")
    tabs = phone.get_by_role("navigation", name="店铺导航")
    expect(tabs).to_be_visible()
    box = tabs.bounding_box()
    assert box and box["y"] + box["height"] >= 844 - 1  # at the bottom of the screen
    shot(phone, screenshots, "storefront-phone-home-tab-bar")
    tabs.get_by_role("link", name="分类").click()
    expect(phone).to_have_url(re.compile(r"/categories$"))

    phone.goto(shop + "/")
    phone.get_by_role("link", name=re.compile("西湖龙井")).first.click()
    expect(phone.locator("[data-picker-price]")).to_have_text("¥168.00")
    sold_out = phone.locator(".option-value", has_text=re.compile(r"^\s*50g"))
    expect(sold_out).to_contain_text("该规格已售罄")
    expect(sold_out.locator("input")).to_be_disabled()
    expect(phone.get_by_text("SKU")).to_have_count(0)
    buy_now = phone.get_by_role("button", name="立即购买")
    expect(buy_now).to_be_in_viewport()  # the buy bar sticks to the bottom
    expect(phone.get_by_role("button", name="加入购物车")).to_be_in_viewport()
    expect(tabs).to_be_hidden()
    shot(phone, screenshots, "storefront-phone-product")
    buy_now.click()
    expect(phone).to_have_url(re.compile(r"/checkout$"))
    expect(phone.locator("body")).to_contain_text("西湖龙井")


def test_the_address_cascade_suggests_cities_then_districts(
        live_server, phone: Page, screenshots: Path) -> None:
    shop = open_shop(live_server, f"addr-{uuid.uuid4().hex[:6]}", TEAPOT)
    phone.goto(shop + "/")
    phone.get_by_role("link", name=re.compile("Celadon teapot")).first.click()
    phone.get_by_role("button", name="立即购买").click()
    expect(phone).to_have_url(re.compile(r"/checkout$"))
    province, city = phone.locator("#f-address-province"), phone.locator("#f-address-city")
    district = phone.locator("#f-address-district")
    expect(province.locator('option[value="香港特别行政区"]')).to_have_text("中国香港")
    expect(city.locator("option")).to_have_count(1)  # 请选择城市 until a province is chosen
    province.select_option("浙江省")
    expect(city.locator('option[value="杭州市"]')).to_have_count(1)
    city.select_option("杭州市")
    expect(district.locator('option[value="西湖区"]')).to_have_count(1)
    district.select_option("西湖区")
    province.select_option("江苏省")  # a new province empties the lists below it
    expect(district.locator("option")).to_have_count(1)
    expect(city.locator('option[value="南京市"]')).to_have_count(1)
    city.select_option("南京市")
    expect(district.locator('option[value="玄武区"]')).to_have_count(1)
    shot(phone, screenshots, "storefront-phone-checkout-address")

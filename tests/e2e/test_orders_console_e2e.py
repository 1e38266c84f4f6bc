"""End to end in Chromium: a shopper's order placed through the storefront API is found by
the merchant in the console by its phone, opened, read (order history) and cancelled with a
reason, and its stock is available again.

Screenshots of the order list and the order page (desktop and phone) go to `test-results/`.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
PHONE_SCREEN = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                "is_mobile": True, "has_touch": True, "locale": "en-US"}
ADDRESS = {"name": "韩梅梅", "phone": "+86 139 0000 1234", "country": "CN",
           "province": "浙江省", "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


class ShopApi:
    """The shop through its HTTP APIs, as a mini-program would call them."""

    def __init__(self, server, slug: str) -> None:
        self.slug = slug
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        self.host = f"{slug}.localhost:{server.port}"
        answer = self.http.post("/api/platform/v1/signup",
                                headers={"host": f"localhost:{server.port}"},
                                json={"shop_name": "Lotus Tea House", "slug": slug,
                                      "email": f"owner@{slug}.example", "password": PASSWORD,
                                      "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["admin_token"]

    def call(self, method: str, path: str, admin: bool = False, **kwargs) -> httpx.Response:
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def available(self, product_id: int) -> int:
        product = self.call("GET", f"/api/admin/v1/products/{product_id}", admin=True).json()
        return product["variants"][0]["available"]

    def place_order(self, variant_id: int, quantity: int,
                    phone: str = "+86 139 0000 1234") -> str:
        cart = self.call("POST", "/api/v1/carts").json()["id"]
        added = self.call("POST", f"/api/v1/carts/{cart}/items",
                          json={"variant_id": variant_id, "quantity": quantity})
        assert added.status_code == 200, added.text
        preview = self.call("POST", "/api/v1/checkout/preview",
                            json={"cart_id": cart, "address": ADDRESS}).json()
        methods = self.call("GET", "/api/v1/payment-methods").json().get("items", [])
        body = {"cart_id": cart, "contact": {"name": "李雷", "phone": phone},
                "address": {**ADDRESS, "phone": phone},
                "payment_method": methods[0]["code"] if methods else "cod",
                "note": "请工作日送达"}
        if preview.get("shipping_options"):
            body["shipping_method"] = preview["shipping_options"][0]["code"]
        placed = self.call("POST", "/api/v1/orders", json=body)
        assert placed.status_code == 201, placed.text
        return placed.json()["number"]


def test_the_merchant_finds_reads_and_cancels_an_order(live_server, page: Page,
                                                      browser: Browser,
                                                      screenshots: Path) -> None:
    api = ShopApi(live_server, f"lotus-{uuid.uuid4().hex[:6]}")
    created = api.call("POST", "/api/admin/v1/products", admin=True, json={
        "name": "西湖龙井 Longjing 250g", "variants": [
            {"sku": "LJ-250", "price": 12800, "stock": 5}]})
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    variant_id = created.json()["variants"][0]["id"]
    number = api.place_order(variant_id, 2)
    api.place_order(variant_id, 1, phone="13700000000")  # another's: the search skips it
    assert api.available(product_id) == 2

    shop = live_server.shop_url(api.slug)
    page.goto(shop + "/console/orders")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    page.get_by_label("Email").fill(f"owner@{api.slug}.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(shop + "/console/orders")
    expect(page.locator(".order-table tbody tr")).to_have_count(2)

    # The shopper calls and reads out their phone, written another way.
    page.get_by_label("Search").fill("139-0000-1234")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".order-table tbody tr")).to_have_count(1)
    expect(page.locator(".order-table")).to_contain_text(number)
    expect(page.locator(".order-table")).to_contain_text("¥256.00")
    expect(page.locator("[data-export]")).to_have_attribute("href", re.compile(r"q=139"))
    shot(page, screenshots, "desktop-orders-search")

    page.get_by_role("link", name=number).click()
    expect(page).to_have_url(shop + f"/console/orders/{number}")
    expect(page.locator("[data-order-status]")).to_have_text("Pending payment")
    history = page.locator("[data-timeline]")
    expect(history).to_contain_text("placed")
    expect(history).to_contain_text("Guest")
    expect(page.locator("body")).to_contain_text("请工作日送达")
    shot(page, screenshots, "desktop-order-detail")

    page.get_by_label("Reason for cancelling").fill("Customer called: ordered twice")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator(".order-done")).to_contain_text("Order cancelled")
    expect(page.locator("[data-order-status]")).to_have_text("Cancelled")
    expect(history.locator("li").first).to_contain_text("Customer called: ordered twice")
    expect(history.locator("li").first).to_contain_text(f"owner@{api.slug}.example")
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    shot(page, screenshots, "desktop-order-cancelled")

    # The two units are for sale again: in the API and on the stock page.
    assert api.available(product_id) == 4
    page.goto(shop + f"/console/inventory/{variant_id}")
    expect(page.locator(".stat").nth(2)).to_contain_text("4")

    phone = browser.new_context(**PHONE_SCREEN)
    try:
        small = phone.new_page()
        small.goto(shop + "/console/login")
        small.get_by_label("Email").fill(f"owner@{api.slug}.example")
        small.get_by_label("Password").fill(PASSWORD)
        small.get_by_role("button", name="Sign in").click()
        small.goto(shop + "/console/orders")
        expect(small.locator(".order-table")).to_be_visible()
        shot(small, screenshots, "phone-orders")
        small.goto(shop + f"/console/orders/{number}")
        expect(small.locator("[data-timeline]")).to_contain_text("Cancelled")
        shot(small, screenshots, "phone-order-detail")
    finally:
        phone.close()
        api.http.close()

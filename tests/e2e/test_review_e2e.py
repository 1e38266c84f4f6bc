"""End to end in Chromium: a cash-on-delivery order held by the order review plugin shows
up in the console's review queue with its reason; the merchant approves it and sees it
approved. Screenshots (desktop and phone) go to `test-results/`."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "en-US"}


def held_order(server, slug: str) -> str:
    """A shop with the review and offline-payment plugins, and one first order paid on
    delivery, which the review holds (through the server's own outbox worker)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        signup = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Review Tea", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert signup.status_code == 201, signup.text
        admin = {"host": f"{slug}.localhost:{server.port}",
                 "authorization": f"Bearer {signup.json()['admin_token']}"}
        shopper = {"host": admin["host"]}
        for plugin in ("payments_offline", "order_review"):
            enabled = http.put(f"/api/admin/v1/plugins/{plugin}", headers=admin,
                               json={"enabled": True})
            assert enabled.status_code == 200, enabled.text
        product = http.post("/api/admin/v1/products", headers=admin, json={
            "name": "西湖龙井 Longjing", "variants": [{"sku": "LJ-1", "price": 12800,
                                                     "stock": 5}]})
        assert product.status_code == 201, product.text
        cart = http.post("/api/v1/carts", headers=shopper).json()["id"]
        http.post(f"/api/v1/carts/{cart}/items", headers=shopper,
                  json={"variant_id": product.json()["variants"][0]["id"], "quantity": 1})
        placed = http.post("/api/v1/orders", headers=shopper, json={
            "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
            "address": {"name": "李雷", "phone": "13800138000", "country": "CN",
                        "province": "浙江省", "city": "杭州市", "line1": "文三路 90 号"},
            "payment_method": "cod"})
        assert placed.status_code == 201, placed.text
        number = placed.json()["number"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the embedded worker reviews it
            status = http.get(f"/api/admin/v1/orders/{number}", headers=admin).json()["status"]
            if status != "pending_payment":
                break
            time.sleep(0.3)
        assert status == "under_review"
        return number


def test_a_held_order_is_approved_from_the_review_queue(live_server, page: Page,
                                                        browser: Browser,
                                                        screenshots: Path) -> None:
    slug = f"review-{uuid.uuid4().hex[:6]}"
    number = held_order(live_server, slug)
    shop = live_server.shop_url(slug)
    page.goto(f"{shop}/console/login?next=/console/p/order_review")
    page.get_by_label("Email").fill(f"owner@{slug}.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{shop}/console/p/order_review")
    held = page.locator(f'[data-order="{number}"]')
    expect(held).to_contain_text("首单货到付款")  # the shop speaks Chinese
    page.screenshot(path=str(screenshots / "review-queue.png"), full_page=True)

    phone = browser.new_context(**PHONE)
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    small.goto(f"{shop}/console/p/order_review")
    expect(small.locator(f'[data-order="{number}"]')).to_be_visible()
    small.screenshot(path=str(screenshots / "review-queue-phone.png"), full_page=True)
    small.goto(f"{shop}/plugins/order_review/orders/{number}")
    small.screenshot(path=str(screenshots / "review-order-phone.png"), full_page=True)
    phone.close()

    held.get_by_role("link").last.click()
    expect(page).to_have_url(f"{shop}/plugins/order_review/orders/{number}")
    expect(page.locator(".review-verdicts")).to_contain_text("首单货到付款")
    page.screenshot(path=str(screenshots / "review-order.png"), full_page=True)
    page.get_by_label("Note (optional)").fill("Called the shopper: genuine order")
    page.locator('[data-action="approve"]').click()
    expect(page.locator(".review-done")).to_contain_text("Order approved.")
    expect(page.locator('[data-order-status="approved"]')).to_be_visible()
    page.goto(f"{shop}/console/p/order_review")
    expect(page.locator(f'[data-order="{number}"]')).to_have_count(0)

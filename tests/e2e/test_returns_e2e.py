"""End to end in Chromium: a shopper returns one line of a delivered order from the order
page on a phone (zh-CN), the merchant approves it, receives it back into stock and refunds
it in the console, and the shopper sees the refund on the order page.

Screenshots of each step (phone and desktop) go to `test-results/returns-*.png`.
"""

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
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
ADDRESS = {"name": "韩梅梅", "phone": "13900001234", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"returns-{name}.png"), full_page=True)


class Shop:
    def __init__(self, server, slug: str) -> None:
        self.slug = slug
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        self.host = f"{slug}.localhost:{server.port}"
        answer = self.http.post("/api/platform/v1/signup",
                                headers={"host": f"localhost:{server.port}"},
                                json={"shop_name": "莲心茶舍", "slug": slug,
                                      "email": f"owner@{slug}.example", "password": PASSWORD,
                                      "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["admin_token"]

    def call(self, method: str, path: str, admin: bool = True, **kwargs) -> httpx.Response:
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        answer = self.http.request(method, path, headers=headers, **kwargs)
        assert answer.status_code < 400, answer.text
        return answer

    def wait_for(self, number: str, status: str) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.call("GET", f"/api/admin/v1/orders/{number}").json()["status"] == status:
                return
            time.sleep(0.2)
        raise AssertionError(f"order {number} did not become {status}")

    def delivered_order(self) -> tuple[str, str, int, int]:
        """A bank-transfer order of two teas and a cup, paid, shipped and delivered."""
        self.call("PUT", "/api/admin/v1/plugins/payments_offline", json={
            "enabled": True, "settings": {"bank_transfer": True,
                                          "bank_instructions": "招商银行 6225"}})
        ids = {}
        for sku, name, price in (("LJ-250", "西湖龙井 250g", 12800), ("CUP", "青瓷杯", 3500)):
            made = self.call("POST", "/api/admin/v1/products", json={
                "name": name, "variants": [{"sku": sku, "price": price, "stock": 10}]}).json()
            ids[sku] = (made["id"], made["variants"][0]["id"])
        cart = self.call("POST", "/api/v1/carts", admin=False).json()["id"]
        for sku, quantity in (("LJ-250", 2), ("CUP", 1)):
            self.call("POST", f"/api/v1/carts/{cart}/items", admin=False,
                      json={"variant_id": ids[sku][1], "quantity": quantity})
        placed = self.call("POST", "/api/v1/orders", admin=False, json={
            "cart_id": cart, "contact": {"name": "韩梅梅", "phone": "13900001234"},
            "address": ADDRESS, "payment_method": "bank_transfer"}).json()
        number = placed["number"]
        self.call("POST", f"/api/admin/v1/orders/{number}/mark-paid", json={"note": "到账"})
        self.wait_for(number, "approved")
        shipment = self.call("POST", f"/api/admin/v1/orders/{number}/shipments", json={
            "carrier": "sf", "tracking_number": "SF1234567890"}).json()
        self.call("POST", f"/api/admin/v1/shipments/{shipment['id']}/events",
                  json={"status": "delivered", "description": "已签收"})
        self.wait_for(number, "delivered")
        return number, placed["access_token"], ids["LJ-250"][0], ids["LJ-250"][1]


def test_a_shopper_returns_a_line_and_sees_the_refund(live_server, page: Page,
                                                     browser: Browser,
                                                     screenshots: Path) -> None:
    api = Shop(live_server, f"lotus-{uuid.uuid4().hex[:6]}")
    number, token, product_id, variant_id = api.delivered_order()
    shop = live_server.shop_url(api.slug)

    phone = browser.new_context(**PHONE)
    try:
        shopper = phone.new_page()
        shopper.goto(f"{shop}/orders/{number}?access_token={token}")
        expect(shopper.locator("[data-return-start]")).to_be_visible()
        shot(shopper, screenshots, "1-phone-order-delivered")
        shopper.locator("[data-return-start]").click()
        expect(shopper.locator("[data-return-policy]")).to_contain_text("7 天内无理由退货")
        shopper.select_option(f"#q-{variant_id}", "1")
        shopper.locator("textarea[name=note]").fill("买多了一盒")
        shot(shopper, screenshots, "2-phone-return-form")
        shopper.locator("[data-return-submit]").click()
        expect(shopper.locator("[data-return-status]").first).to_have_text("等待商家处理")
        expect(shopper.locator("[data-returns]")).to_contain_text("西湖龙井 250g × 1")
        shot(shopper, screenshots, "3-phone-return-requested")

        merchant = page
        merchant.context.add_cookies([{"name": "galleria_lang", "value": "zh_CN",
                                       "url": shop}])
        merchant.goto(shop + "/console/returns")
        merchant.locator("input[name=email]").fill(f"owner@{api.slug}.example")
        merchant.locator("input[name=password]").fill(PASSWORD)
        merchant.locator("form button[type=submit]").click()
        merchant.goto(shop + "/console/returns")
        expect(merchant.locator("[data-return-row]")).to_have_count(1)
        shot(merchant, screenshots, "4-desktop-returns")
        merchant.locator("[data-return-row] a").first.click()
        merchant.locator("#f-return-address").fill("杭州市西湖区文三路 100 号 莲心茶舍售后部")
        merchant.locator("[data-return-approve] button").click()
        expect(merchant.locator("[data-return-status]")).to_have_text("已同意，请寄回")

        shopper.reload()
        expect(shopper.locator("[data-return-address]")).to_contain_text("文三路 100 号")
        shopper.locator("input[name=tracking_number]").fill("SF9876543210")
        shot(shopper, screenshots, "5-phone-send-back")
        shopper.locator("[data-return-tracking] button").click()
        expect(shopper.locator("[data-return-status]").first).to_have_text("已寄回")

        merchant.reload()
        merchant.locator("[data-return-receive] button").click()
        expect(merchant.locator("[data-return-status]")).to_have_text("商家已收货")
        expect(merchant.locator("#f-refund-amount")).to_have_value("128.00")
        shot(merchant, screenshots, "6-desktop-received")
        merchant.locator("[data-return-refund-form] button").click()
        expect(merchant.locator("[data-return-status]")).to_have_text("已退款")
        expect(merchant.locator("[data-return-refund]")).to_have_text("¥128.00")
        shot(merchant, screenshots, "7-desktop-refunded")

        stock = api.call("GET", f"/api/admin/v1/products/{product_id}").json()
        assert stock["variants"][0]["stock"]["on_hand"] == 9  # 10 − 2 shipped + 1 back

        shopper.reload()
        expect(shopper.locator("[data-return-status]").first).to_have_text("已退款")
        expect(shopper.locator("[data-return-refund]")).to_contain_text("¥128.00")
        expect(shopper.locator("body")).to_contain_text("¥128.00")
        shot(shopper, screenshots, "8-phone-refunded")
    finally:
        phone.close()
        api.http.close()


def test_a_shopper_contacts_the_shop_and_rates_the_answer(live_server, page: Page,
                                                          browser: Browser,
                                                          screenshots: Path) -> None:
    api = Shop(live_server, f"lotus-{uuid.uuid4().hex[:6]}")
    number, token, product_id, _ = api.delivered_order()
    api.call("PUT", f"/api/admin/v1/products/{product_id}/after-sales",
             json={"returnable": True, "warranty_months": 12, "warranty_covers": "包装破损"})
    api.call("POST", "/api/admin/v1/faq", json={"question": "多久发货？",
                                                "answer": "付款后 48 小时内发货。"})
    shop = live_server.shop_url(api.slug)
    phone = browser.new_context(**PHONE)
    try:
        shopper = phone.new_page()
        shopper.goto(f"{shop}/orders/{number}?access_token={token}")
        expect(shopper.locator("[data-warranty]").first).to_contain_text("保修 12 个月")
        shopper.locator("[data-ticket-start]").click()
        shopper.locator("#f-ticket-body").fill("茶叶包装有破损，可以补发吗？")
        shopper.locator("[data-ticket-form] button[type=submit]").click()
        expect(shopper.locator("[data-ticket-status]")).to_have_text("等待商家处理")
        shot(shopper, screenshots, "9-phone-ticket-open")

        merchant = page
        merchant.context.add_cookies([{"name": "galleria_lang", "value": "zh_CN",
                                       "url": shop}])
        merchant.goto(shop + "/console/tickets")
        merchant.locator("input[name=email]").fill(f"owner@{api.slug}.example")
        merchant.locator("input[name=password]").fill(PASSWORD)
        merchant.locator("form button[type=submit]").click()
        merchant.goto(shop + "/console/tickets")
        expect(merchant.locator("[data-figure=unanswered]")).to_have_text("1")
        merchant.locator("[data-ticket-row] a").first.click()
        merchant.locator("[data-ticket-answer] textarea").fill("非常抱歉，今天为您补发一盒。")
        merchant.locator("[data-ticket-answer] button").click()
        expect(merchant.locator("[data-ticket-status]")).to_have_text("商家已回复")
        merchant.locator("[data-ticket-resolve] button").click()
        expect(merchant.locator("[data-ticket-status]")).to_have_text("已解决")
        shot(merchant, screenshots, "10-desktop-ticket")

        shopper.reload()
        expect(shopper.locator("[data-thread]")).to_contain_text("今天为您补发一盒")
        shopper.locator("[data-ticket-rating] button").click()
        expect(shopper.locator("[data-ticket-rated]")).to_contain_text("★★★★★")
        shot(shopper, screenshots, "11-phone-ticket-rated")

        merchant.goto(shop + "/console/tickets")
        expect(merchant.locator("[data-figure=rating]")).to_contain_text("5")
        expect(merchant.locator("[data-figure=unanswered]")).to_have_text("0")
        shot(merchant, screenshots, "12-desktop-tickets")

        shopper.goto(f"{shop}/help")
        expect(shopper.locator("[data-faq]")).to_contain_text("多久发货？")
        shot(shopper, screenshots, "13-phone-help")
    finally:
        phone.close()
        api.http.close()


def test_live_chat_between_a_shopper_and_staff(live_server, page: Page, browser: Browser,
                                               screenshots: Path) -> None:
    api = Shop(live_server, f"lotus-{uuid.uuid4().hex[:6]}")
    number, token, _, _ = api.delivered_order()
    shop = live_server.shop_url(api.slug)
    phone = browser.new_context(**PHONE)
    try:
        shopper = phone.new_page()
        shopper.goto(f"{shop}/orders/{number}?access_token={token}")
        shopper.locator("[data-chat-start]").click()
        expect(shopper.locator("[data-chat-order]")).to_contain_text(number)
        expect(shopper.locator("[data-chat]")).to_have_attribute("data-connected", "1")
        shopper.locator("#f-chat-body").fill("请问可以开发票吗？")
        shopper.locator("[data-chat-form] button").click()
        expect(shopper.locator("[data-chat-message]")).to_have_count(1)

        merchant = page
        merchant.context.add_cookies([{"name": "galleria_lang", "value": "zh_CN",
                                       "url": shop}])
        merchant.goto(shop + "/console/chat")
        merchant.locator("input[name=email]").fill(f"owner@{api.slug}.example")
        merchant.locator("input[name=password]").fill(PASSWORD)
        merchant.locator("form button[type=submit]").click()
        merchant.goto(shop + "/console/chat")
        expect(merchant.locator("[data-unread]")).to_have_text("1")
        shot(merchant, screenshots, "14-desktop-chat-list")
        merchant.locator("[data-chat-row] a").first.click()
        expect(merchant.locator("[data-chat-order]")).to_contain_text(number)
        expect(merchant.locator("[data-chat]")).to_have_attribute("data-connected", "1")
        merchant.locator("#f-chat-body").fill("可以的，请在订单页填写发票抬头。")
        merchant.locator("[data-chat-form] button").click()
        expect(merchant.locator("[data-chat-message]")).to_have_count(2)
        shot(merchant, screenshots, "15-desktop-chat")

        expect(shopper.locator("[data-chat-message]")).to_have_count(2)
        expect(shopper.locator("[data-chat-messages]")).to_contain_text("请在订单页填写发票抬头")
        shot(shopper, screenshots, "16-phone-chat")
    finally:
        phone.close()
        api.http.close()

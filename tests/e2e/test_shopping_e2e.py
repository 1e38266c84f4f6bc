"""End to end in Chromium: a guest buys two items and sees the order; the merchant finds it.

The guest picks a tea by its option and a teapot, checks out with an address, pays by bank
transfer (the offline plugin), waits on the payment page until the merchant confirms the
money, and lands on the order page with both lines. The merchant then signs in to the
console and finds the order in /console/orders.

Screenshots (1280px desktop, 390px phone) go to the output folder for a human to judge.
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
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "en-US"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


class Merchant:
    """The shop's admin API, as a merchant's integration calls it."""

    def __init__(self, server, slug: str) -> None:
        self.server, self.slug = server, slug
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        answer = self.http.post(
            "/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
            json={"shop_name": "Lotus Tea House 莲心茶舍", "slug": slug,
                  "email": f"owner@{slug}.example", "password": PASSWORD,
                  "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.headers = {"host": f"{slug}.localhost:{server.port}",
                        "authorization": f"Bearer {answer.json()['admin_token']}"}

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.http.request(method, path, headers=self.headers, **kwargs)

    def stock_the_shop(self) -> None:
        for body in (
            {"name": "西湖龙井 Longjing", "description": "Spring harvest. 明前茶。",
             "variants": [{"sku": "LJ-50", "price": 3800, "stock": 10, "options": {"Size": "50g"}},
                          {"sku": "LJ-250", "price": 16800, "stock": 0,
                           "options": {"Size": "250g"}}]},
            {"name": "Celadon teapot 青瓷茶壶", "variants": [
                {"sku": "POT-1", "price": 9900, "stock": 3}]},
        ):
            created = self.call("POST", "/api/admin/v1/products", json=body)
            assert created.status_code == 201, created.text
        offline = self.call("PUT", "/api/admin/v1/plugins/payments_offline", json={
            "enabled": True, "settings": {
                "cash_on_delivery": True, "bank_transfer": True,
                "bank_instructions": "China Merchants Bank · Lotus Tea House · 6225 8800 1234"}})
        assert offline.status_code == 200, offline.text


def add_to_cart(page: Page, shop: str, product: str, quantity: int = 1) -> None:
    page.goto(shop + "/")
    page.get_by_role("link", name=re.compile(product)).first.click()
    expect(page.locator("h1")).to_contain_text(product)
    page.wait_for_load_state()  # the stepper's script is attached
    for _ in range(quantity - 1):
        page.get_by_role("button", name="More").click()
    expect(page.locator("#f-quantity")).to_have_value(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))


def choose_payment(page: Page, code: str) -> None:
    """Click the method's card (its name is in the shop's language)."""
    page.locator("label.pick", has=page.locator(f'input[value="{code}"]')).click()
    expect(page.locator(f'input[value="{code}"]')).to_be_checked()


def test_guest_buys_two_items_and_the_merchant_finds_the_order(
        live_server, page: Page, browser: Browser, screenshots: Path) -> None:
    slug = f"lotus-{uuid.uuid4().hex[:6]}"
    merchant = Merchant(live_server, slug)
    merchant.stock_the_shop()
    shop = live_server.shop_url(slug)

    # Two different items; the sold-out size cannot be picked.
    page.goto(shop + "/")
    page.get_by_role("link", name=re.compile("Longjing")).first.click()
    expect(page.locator(".option-value", has_text="250g").locator("input")).to_be_disabled()
    expect(page.locator(".option-value", has_text="250g")).to_contain_text(
        "This option is sold out")
    shot(page, screenshots, "shopping-desktop-01-product")
    add_to_cart(page, shop, "Longjing", quantity=2)
    add_to_cart(page, shop, "Celadon teapot")
    lines = page.locator(".cart-line")
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text("50g")
    expect(page.locator("[data-subtotal]")).to_have_text("¥175.00")  # 2 × 38 + 99
    expect(page.locator("[data-cart-count]")).to_have_text("3")
    shot(page, screenshots, "shopping-desktop-02-cart")

    # Checkout: contact and address; shipping if the shop offers any; bank transfer.
    page.get_by_role("link", name="Check out").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-contact-email").fill("meimei@example.com")
    page.locator("#f-address-province").select_option("上海市")
    page.locator("#f-address-city").select_option("上海市")
    page.locator("#f-address-district").select_option("静安区")
    page.locator("#f-address-line1").fill("南京西路 1 号 2 楼")
    shipping = page.locator('input[name="shipping_method"]')
    if shipping.count():
        shipping.first.check()
    choose_payment(page, "bank_transfer")
    # The summary is priced again in the background, without leaving the page.
    page.evaluate("window.stillHere = true")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(
            "/checkout")) as repriced:
        page.locator("#f-address-district").select_option("黄浦区")
    assert repriced.value.status == 200
    assert page.evaluate("window.stillHere") is True
    expect(page.locator("[data-total]")).to_have_text("¥175.00")
    shot(page, screenshots, "shopping-desktop-03-checkout")
    page.get_by_role("button", name="Place order").dblclick()  # still one order

    # The payment page shows the transfer details and waits for the money.
    expect(page).to_have_url(re.compile(r"/orders/\d{12}/pay$"))
    number = re.search(r"/orders/(\d{12})/pay", page.url).group(1)
    expect(page.locator("[data-pay-instructions]")).to_contain_text("6225 8800 1234")
    expect(page.locator(".pay-amount")).to_have_text("¥175.00")
    shot(page, screenshots, "shopping-desktop-04-pay")
    paid = merchant.call("POST", f"/api/admin/v1/orders/{number}/mark-paid",
                         json={"note": "transfer received"})
    assert paid.status_code == 200, paid.text

    # The page notices by itself and shows the order.
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"), timeout=20_000)
    expect(page.locator("[data-order-number]")).to_have_text(number)
    expect(page.locator("[data-order-line]")).to_have_count(2)
    expect(page.locator('[data-order-line="LJ-50"]')).to_contain_text("× 2")
    expect(page.locator('[data-order-line="POT-1"]')).to_contain_text("Celadon teapot")
    expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status",
                                                                   re.compile("paid|review|approved"))
    link = page.locator("[data-order-link]").input_value()
    shot(page, screenshots, "shopping-desktop-05-order")

    # Only the guest's link opens it elsewhere.
    stranger = browser.new_context(**PHONE)
    phone = stranger.new_page()
    assert phone.goto(f"{shop}/orders/{number}").status == 404
    phone.goto(link)
    expect(phone.locator("[data-order-number]")).to_have_text(number)
    shot(phone, screenshots, "shopping-phone-01-order")
    stranger.close()

    orders = merchant.call("GET", "/api/admin/v1/orders").json()["items"]
    assert [o["number"] for o in orders] == [number]

    # The merchant finds it in the console.
    page.goto(shop + "/console/login")
    page.get_by_label("Email").fill(f"owner@{slug}.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.goto(shop + "/console/orders")
    page.get_by_role("link", name=number).first.click()
    expect(page.locator("body")).to_contain_text("Celadon teapot")
    expect(page.locator("body")).to_contain_text("韩梅梅")
    shot(page, screenshots, "shopping-desktop-06-console-order")


def test_the_shopping_pages_on_a_phone(live_server, browser: Browser,
                                       screenshots: Path) -> None:
    slug = f"lotus-{uuid.uuid4().hex[:6]}"
    Merchant(live_server, slug).stock_the_shop()
    shop = live_server.shop_url(slug)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    add_to_cart(page, shop, "Celadon teapot", quantity=2)
    shot(page, screenshots, "shopping-phone-02-cart")
    page.get_by_role("link", name="Check out").click()
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#f-address-line1-error")).to_be_visible()  # nothing filled in
    shot(page, screenshots, "shopping-phone-03-checkout-errors")
    page.locator("#f-contact-name").fill("Li Lei")
    page.locator("#f-contact-phone").fill("13800138000")
    page.locator("#f-address-province").select_option("北京市")
    page.locator("#f-address-city").select_option("北京市")
    page.locator("#f-address-line1").fill("长安街 1 号")
    choose_payment(page, "cod")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}\?placed=1$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("[data-order-line]")).to_have_count(1)
    shot(page, screenshots, "shopping-phone-04-order-cod")
    context.close()

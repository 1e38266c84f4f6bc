"""In Chromium, against a real `galleria` server in sandbox mode (GALLERIA_SANDBOX=1): a
shopper buys with WeChat Pay and the order becomes paid through the simulator's signed
notification — by QR code on a desktop (the "phone" opens the simulator's page, as scanning
the code would) and by H5 in a phone browser (redirect, pay, back to the shop).

Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e.conftest import LiveServer, migrate, server_env, serving
from playwright.sync_api import Browser, Page, expect

from galleria_plugins.payments_wechat.sandbox import sandbox_settings

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
IPHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
          "is_mobile": True, "has_touch": True, "locale": "en-US",
          "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                        "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1"}


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """pytest-playwright's output folder, as in tests/e2e."""
    folder = Path(pytestconfig.getoption("--output")).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var = tmp_path_factory.mktemp("wechat-sandbox")
    env = server_env(var, GALLERIA_SANDBOX="1")
    migrate(env)
    with serving(env, var) as server:
        yield server


class Merchant:
    def __init__(self, server: LiveServer, slug: str) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        answer = self.http.post(
            "/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
            json={"shop_name": "Lotus Tea House 莲心茶舍", "slug": slug,
                  "email": f"owner@{slug}.example", "password": PASSWORD,
                  "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.headers = {"host": f"{slug}.localhost:{server.port}",
                        "authorization": f"Bearer {answer.json()['admin_token']}"}
        created = self.call("POST", "/api/admin/v1/products", json={
            "name": "西湖龙井 Longjing", "variants": [{"sku": "LJ-50", "price": 3800,
                                                       "stock": 10}]})
        assert created.status_code == 201, created.text
        enabled = self.call("PUT", "/api/admin/v1/plugins/payments_wechat", json={
            "enabled": True,
            "settings": sandbox_settings(f"http://localhost:{server.port}/sandbox/wechat")})
        assert enabled.status_code == 200, enabled.text
        assert enabled.json()["settings"]["merchant_private_key"] == {"set": True}
        assert "PRIVATE KEY" not in enabled.text

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.http.request(method, path, headers=self.headers, **kwargs)

    def payment_action(self, number: str) -> dict:
        payments = self.call("GET", f"/api/admin/v1/orders/{number}/payments").json()
        return payments["payments"][-1]["action"]


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def check_out_with_wechat(page: Page, shop: str) -> str:
    page.goto(shop + "/")
    page.get_by_role("link", name=re.compile("Longjing")).first.click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))
    page.get_by_role("link", name="Check out").click()
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-address-province").select_option("浙江省")
    page.locator("#f-address-city").select_option("杭州市")
    page.locator("#f-address-line1").fill("龙井路 1 号")
    shipping = page.locator('input[name="shipping_method"]')
    if shipping.count():
        shipping.first.check()
    page.locator("label.pick", has=page.locator('input[value="wechat"]')).click()
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}/pay$"))
    return re.search(r"/orders/(\d{12})/pay", page.url).group(1)


def test_qr_code_payment_on_a_desktop(sandbox_server, page: Page, browser: Browser,
                                      screenshots: Path) -> None:
    slug = f"wxqr-{uuid.uuid4().hex[:6]}"
    merchant = Merchant(sandbox_server, slug)
    number = check_out_with_wechat(page, sandbox_server.shop_url(slug))
    expect(page.locator("[data-pay-qr]")).to_be_visible()
    shot(page, screenshots, "wechat-desktop-01-qr")

    action = merchant.payment_action(number)
    assert action["qr_code"].startswith("weixin://wxpay/bizpayurl?pr=")
    phone = browser.new_context(**IPHONE).new_page()  # scanning the code opens WeChat Pay
    phone.goto(action["sandbox_url"])
    expect(phone.locator("body")).to_contain_text("¥38.00")
    shot(phone, screenshots, "wechat-phone-01-simulator")
    phone.locator("[data-testid=simulator-pay]").click()
    expect(phone.locator("[data-testid=simulator-paid]")).to_be_visible()
    phone.context.close()

    # The payment page notices the notification by itself and shows the paid order.
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"), timeout=20_000)
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", re.compile("paid|review|approved"))
    shot(page, screenshots, "wechat-desktop-02-paid")
    order = merchant.call("GET", f"/api/admin/v1/orders/{number}").json()
    assert order["paid_at"] and order["payments"][-1]["status"] == "paid"


def test_h5_payment_in_a_phone_browser(sandbox_server, browser: Browser,
                                       screenshots: Path) -> None:
    slug = f"wxh5-{uuid.uuid4().hex[:6]}"
    merchant = Merchant(sandbox_server, slug)
    context = browser.new_context(**IPHONE)
    page = context.new_page()
    number = check_out_with_wechat(page, sandbox_server.shop_url(slug))
    page.locator("[data-pay-redirect]").click()
    expect(page).to_have_url(re.compile(r"/sandbox/wechat/pay/"))
    shot(page, screenshots, "wechat-phone-02-h5")
    page.locator("[data-testid=simulator-pay]").click()
    page.get_by_role("link", name=re.compile("Back to the shop")).click()
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"))
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", re.compile("paid|review|approved"))
    shot(page, screenshots, "wechat-phone-03-paid")
    context.close()
    assert merchant.call("GET", f"/api/admin/v1/orders/{number}").json()["paid_at"]

"""A freshly signed-up shop tries WeChat Pay in sandbox (issue 13, item 7), in Chromium
against a real `galleria` server in sandbox mode: the merchant presses 沙箱试用 on the
console's Plugins page (desktop, zh-CN), the card says 沙箱; a shopper on a phone sees
微信支付 badged 沙箱 at checkout and on the payment page, pays in the simulator and the
order is paid. axe-core finds no serious violation on the Plugins page or the checkout.

Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import LiveServer, migrate, server_env, serving
from e2e.test_accessibility_e2e import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN",
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                       "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1"}


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var = tmp_path_factory.mktemp("sandbox-payments")
    env = server_env(var, GALLERIA_SANDBOX="1")
    migrate(env)
    with serving(env, var) as server:
        yield server


def signed_up_shop(server: LiveServer) -> tuple[str, dict[str, str], httpx.Client]:
    slug = f"sbx-{uuid.uuid4().hex[:6]}"
    http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug, "password": PASSWORD,
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    created = http.post("/api/admin/v1/products", headers=headers, json={
        "name": "西湖龙井", "status": "published",
        "variants": [{"sku": "LJ-50", "price": 3800, "stock": 10}]})
    assert created.status_code == 201, created.text
    return slug, headers, http


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_new_shop_takes_a_wechat_payment_in_sandbox(sandbox_server: LiveServer,
                                                      browser: Browser,
                                                      screenshots: Path) -> None:
    slug, headers, http = signed_up_shop(sandbox_server)
    shop = sandbox_server.shop_url(slug)

    console = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  bypass_csp=True).new_page()
    console.goto(shop + "/console/login")
    console.locator("input[name=email]").fill(f"owner@{slug}.example")
    console.locator("input[type=password]").fill(PASSWORD)
    console.locator("form button[type=submit]").first.click()
    console.wait_for_url(re.compile(r"/console/$"))
    console.goto(shop + "/console/plugins")
    card = console.locator("#plugin-payments_wechat")
    card.scroll_into_view_if_needed()
    console.screenshot(path=str(screenshots / "sandbox-01-console-offer.png"))
    card.get_by_role("button", name="沙箱试用").click()
    card = console.locator("#plugin-payments_wechat")
    expect(card.locator("h2 [data-sandbox]")).to_have_text("沙箱")
    expect(card).to_contain_text("已启用")
    expect(card).to_contain_text("不会真实扣款")
    card.scroll_into_view_if_needed()
    console.screenshot(path=str(screenshots / "sandbox-02-console-enabled.png"))
    assert serious_violations(console) == []
    console.context.close()

    phone = browser.new_context(**PHONE, bypass_csp=True).new_page()
    phone.goto(shop + "/")
    phone.get_by_role("link", name=re.compile("西湖龙井")).first.click()
    phone.get_by_role("button", name="加入购物车").click()
    phone.wait_for_url(re.compile(r"/cart"))
    phone.goto(shop + "/checkout")
    wechat = phone.locator("label.pick", has=phone.locator('input[value="wechat"]'))
    expect(wechat.locator("[data-sandbox]")).to_have_text("沙箱")
    assert serious_violations(phone) == []
    phone.locator("#f-contact-name").fill("韩梅梅")
    phone.locator("#f-contact-phone").fill("13900139000")
    phone.locator("#f-address-province").select_option("浙江省")
    phone.locator("#f-address-city").select_option("杭州市")
    phone.locator("#f-address-line1").fill("龙井路 1 号")
    shipping = phone.locator('input[name="shipping_method"]')
    if shipping.count():
        shipping.first.check()
    wechat.click()
    wechat.scroll_into_view_if_needed()
    shot(phone, screenshots, "sandbox-03-phone-checkout")
    phone.get_by_role("button", name="提交订单").click()
    expect(phone).to_have_url(re.compile(r"/orders/\d{12}/pay$"))
    number = re.search(r"/orders/(\d{12})/pay", phone.url).group(1)
    expect(phone.locator("[data-pay-method] [data-sandbox]")).to_have_text("沙箱")
    shot(phone, screenshots, "sandbox-04-phone-pay")
    phone.locator("[data-pay-redirect]").click()  # H5: on to the simulated WeChat Pay
    expect(phone).to_have_url(re.compile(r"/sandbox/wechat/pay/"))
    phone.locator("[data-testid=simulator-pay]").click()
    phone.get_by_role("link", name=re.compile("Back to the shop")).click()
    expect(phone.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", re.compile("paid|review|approved"), timeout=20_000)
    shot(phone, screenshots, "sandbox-05-phone-paid")
    order = http.get(f"/api/admin/v1/orders/{number}", headers=headers).json()
    assert order["paid_at"] and order["payments"][-1]["status"] == "paid"
    phone.context.close()

"""Steps the browser journeys share (issue 13's "Done when"): a shop signed up a moment ago
through the platform's API, the merchant's console sign-in, WeChat Pay switched on in sandbox
with the console's one-click button, a phone's browser, the checkout's contact and
province → city → district cascade, the SMS-code sign-in (验证码登录), and paying in the
WeChat Pay simulator. Each step asserts what a person would notice on the way.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

PASSWORD = "Correct-Horse-9"
# A phone in Chinese (iPhone-sized): WeChat Pay then takes its H5 flow.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
    "has_touch": True, "locale": "zh-CN",
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                  "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1"}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def shot(page: Page, folder: Path, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


class SignedUpShop:
    """A shop signed up through the platform's API a moment ago (template `blank`), its
    owner's admin API token, and calls to its APIs as the owner or as a shopper."""

    def __init__(self, server: Any, prefix: str = "shop", name: str = "莲心茶舍") -> None:
        self.server = server
        self.slug = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.email = f"owner@{self.slug}.example"
        self.url = server.shop_url(self.slug)
        self.host = f"{self.slug}.localhost:{server.port}"
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        answer = self.http.post("/api/platform/v1/signup",
                                headers={"host": f"localhost:{server.port}"},
                                json={"shop_name": name, "slug": self.slug, "email": self.email,
                                      "password": PASSWORD, "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["admin_token"]

    def call(self, method: str, path: str, admin: bool = False, **kwargs: Any) -> httpx.Response:
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def admin(self, method: str, path: str, expect_status: int = 200,
              **kwargs: Any) -> dict[str, Any]:
        answer = self.call(method, path, admin=True, **kwargs)
        assert answer.status_code == expect_status, f"{method} {path}: {answer.text}"
        return answer.json()

    def product(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a product through the admin API; returns it (`id`, `variants`)."""
        return self.admin("POST", "/api/admin/v1/products", 201, json=body)

    def enable(self, plugin: str, settings: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"enabled": True}
        if settings is not None:
            body["settings"] = settings
        self.admin("PUT", f"/api/admin/v1/plugins/{plugin}", json=body)

    def order(self, number: str) -> dict[str, Any]:
        return self.admin("GET", f"/api/admin/v1/orders/{number}")

    def close(self) -> None:
        self.http.close()


# -- the merchant ------------------------------------------------------------------------
def console_sign_in(page: Page, shop: SignedUpShop) -> None:
    page.goto(shop.url + "/console/login")
    page.locator("input[name=email]").fill(shop.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/?$"))


def switch_on_wechat_sandbox(page: Page, shop: SignedUpShop) -> Locator:
    """The console's Plugins page: 沙箱试用 on WeChat Pay's card; the card then says 沙箱
    and 已启用. Returns the card."""
    page.goto(shop.url + "/console/plugins")
    card = page.locator("#plugin-payments_wechat")
    card.scroll_into_view_if_needed()
    card.get_by_role("button", name="沙箱试用").click()
    card = page.locator("#plugin-payments_wechat")
    expect(card.locator("h2 [data-sandbox]")).to_have_text("沙箱")
    expect(card).to_contain_text("已启用")
    expect(card).to_contain_text("不会真实扣款")
    card.scroll_into_view_if_needed()
    return card


# -- the shopper -------------------------------------------------------------------------
def fill_contact(page: Page, name: str = "韩梅梅", phone: str = "13900139000") -> None:
    page.locator("#f-contact-name").fill(name)
    page.locator("#f-contact-phone").fill(phone)


def choose_address(page: Page, province: str = "浙江省", city: str = "杭州市",
                   district: str = "西湖区", line1: str = "龙井路 1 号") -> None:
    """The checkout's cascade: each choice fills the next list from the region data."""
    page.locator("#f-address-province").select_option(province)
    expect(page.locator(f'#f-address-city option[value="{city}"]')).to_have_count(1)
    page.locator("#f-address-city").select_option(city)
    if district:
        expect(page.locator(f'#f-address-district option[value="{district}"]')).to_have_count(1)
        page.locator("#f-address-district").select_option(district)
    page.locator("#f-address-line1").fill(line1)


def wechat_choice(page: Page) -> Locator:
    return page.locator("label.pick", has=page.locator('input[value="wechat"]'))


def place_with_wechat(page: Page) -> str:
    """At the filled checkout: choose 微信支付 (badged 沙箱) and 提交订单; lands on the
    payment page, which says 沙箱 too. Returns the order number."""
    wechat = wechat_choice(page)
    expect(wechat.locator("[data-sandbox]")).to_have_text("沙箱")
    shipping = page.locator('input[name="shipping_method"]')
    if shipping.count():
        shipping.first.check()
    wechat.click()
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}/pay$"))
    expect(page.locator("[data-pay-method] [data-sandbox]")).to_have_text("沙箱")
    return re.search(r"/orders/(\d{12})/pay", page.url).group(1)


def pay_in_wechat_simulator(page: Page) -> None:
    """From the payment page on a phone: on to the simulated WeChat Pay (H5), pay, and back
    to the shop's order page, which then says the order is paid."""
    page.locator("[data-pay-redirect]").click()
    expect(page).to_have_url(re.compile(r"/sandbox/wechat/pay/"))
    page.locator("[data-testid=simulator-pay]").click()
    page.get_by_role("link", name=re.compile("Back to the shop")).click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}"))
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", re.compile("paid|review|approved"), timeout=20_000)


def buy_on_a_phone_with_wechat(browser: Browser, shop: SignedUpShop, product: str,
                               folder: Path, prefix: str,
                               at_checkout: Callable[[Page], None] | None = None,
                               **context: Any) -> str:
    """A shopper on a phone: the product from the home page, 加入购物车, the checkout
    (`at_checkout(page)` runs there, before anything is filled), contact and address, 微信支付
    in sandbox, paid in the simulator, back on the order page. Screenshots
    `<prefix>-checkout`, `-pay`, `-paid`. Returns the order number."""
    page = browser.new_context(**PHONE, **context).new_page()
    page.goto(shop.url + "/")
    page.get_by_role("link", name=re.compile(re.escape(product))).first.click()
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart"))
    page.goto(shop.url + "/checkout")
    if at_checkout is not None:
        at_checkout(page)
    fill_contact(page)
    choose_address(page)
    wechat_choice(page).click()
    wechat_choice(page).scroll_into_view_if_needed()
    shot(page, folder, f"{prefix}-checkout")
    number = place_with_wechat(page)
    shot(page, folder, f"{prefix}-pay")
    pay_in_wechat_simulator(page)
    shot(page, folder, f"{prefix}-paid")
    page.context.close()
    return number


def sign_in_with_code(page: Page, phone: str, read_code: Callable[[str], str],
                      folder: Path | None = None, name: str = "sms-sign-in") -> None:
    """On the sign-in page: 验证码登录, the phone number, 获取验证码, the texted code (read
    with `read_code(digits)`), 登录. A screenshot of the filled form when `folder`."""
    page.get_by_role("link", name="验证码登录").click()
    expect(page.locator("h1")).to_have_text("验证码登录")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    digits = re.sub(r"\D", "", phone)
    expect(page.get_by_role("status")).to_contain_text(
        f"验证码已发送至 {digits[:3]}****{digits[-4:]}")
    page.get_by_label("验证码", exact=True).fill(read_code(digits))
    if folder is not None:
        shot(page, folder, name)
    page.get_by_role("button", name="登录", exact=True).click()


def sandbox_sms_code(server: Any, timeout: float = 30) -> Callable[[str], str]:
    """`read_code` for a server in sandbox mode: the code texted to a number, from the SMS
    simulator's inbox (`/sandbox/sms/inbox.json`), as a demo shopper reads it."""
    def read(phone: str) -> str:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as http:
            while time.monotonic() < deadline:
                inbox = http.get("/sandbox/sms/inbox.json",
                                 headers={"host": f"localhost:{server.port}"})
                assert inbox.status_code == 200, inbox.text
                codes = [m["params"].get("code") for m in inbox.json()["items"]
                         if m["phone"].endswith(phone) and m["params"].get("code")]
                if codes:
                    return codes[0]  # the newest first
                time.sleep(0.2)
        raise AssertionError(f"no code was texted to {phone} in {timeout}s")
    return read


__all__ = ["DESKTOP", "PASSWORD", "PHONE", "SignedUpShop", "buy_on_a_phone_with_wechat",
           "choose_address", "console_sign_in",
           "fill_contact", "pay_in_wechat_simulator", "place_with_wechat", "sandbox_sms_code",
           "shot", "sign_in_with_code", "switch_on_wechat_sandbox", "wechat_choice"]

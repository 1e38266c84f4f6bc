"""A freshly signed-up shop tries WeChat Pay in sandbox (issue 13, item 7), in Chromium
against a real `galleria` server in sandbox mode: the merchant presses 沙箱试用 on the
console's Plugins page (desktop, zh-CN), the card says 沙箱; a shopper on a phone sees
微信支付 badged 沙箱 at checkout and on the payment page, pays in the simulator and the
order is paid. axe-core finds no serious violation on the Plugins page or the checkout.
(test_new_shop_journey_e2e.py goes on to the refund and the dashboard.)

Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from e2e.conftest import LiveServer
from e2e.journeys import (
    DESKTOP,
    SignedUpShop,
    buy_on_a_phone_with_wechat,
    console_sign_in,
    shot,
    switch_on_wechat_sandbox,
)
from e2e.test_accessibility_e2e import serious_violations

pytestmark = pytest.mark.e2e


def test_a_new_shop_takes_a_wechat_payment_in_sandbox(sandbox_server: LiveServer,
                                                      browser: Browser,
                                                      screenshots: Path) -> None:
    shop = SignedUpShop(sandbox_server, "sbx")
    shop.product({"name": "西湖龙井", "status": "published",
                  "variants": [{"sku": "LJ-50", "price": 3800, "stock": 10}]})

    console = browser.new_context(**DESKTOP, bypass_csp=True).new_page()
    console_sign_in(console, shop)
    console.goto(shop.url + "/console/plugins")
    console.locator("#plugin-payments_wechat").scroll_into_view_if_needed()
    shot(console, screenshots, "sandbox-01-console-offer", full_page=False)
    switch_on_wechat_sandbox(console, shop)
    shot(console, screenshots, "sandbox-02-console-enabled", full_page=False)
    assert serious_violations(console) == []
    console.context.close()

    def accessible(page: Page) -> None:
        assert serious_violations(page) == []

    number = buy_on_a_phone_with_wechat(browser, shop, "西湖龙井", screenshots, "sandbox-03-phone",
                                        at_checkout=accessible, bypass_csp=True)
    order = shop.order(number)
    assert order["paid_at"] and order["payments"][-1]["status"] == "paid"

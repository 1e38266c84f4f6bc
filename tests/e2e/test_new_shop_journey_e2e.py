"""The console journey of a freshly signed-up shop, in Chinese (issue 13, "Done when"),
against a server in sandbox mode: the merchant switches WeChat Pay on in sandbox with the
console's one-click button (沙箱试用), a shopper on a phone buys and pays in the WeChat Pay
simulator, the merchant refunds ¥3.50 of it in the console (back through the simulator), and
the dashboard shows the sale and the refund.

Screenshots go to `test-results/new-shop-*.png`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import LiveServer
from e2e.journeys import (
    DESKTOP,
    SignedUpShop,
    buy_on_a_phone_with_wechat,
    console_sign_in,
    shot,
    switch_on_wechat_sandbox,
)

pytestmark = pytest.mark.e2e


def test_a_new_shop_takes_a_wechat_payment_and_refunds_part_of_it(
        sandbox_server: LiveServer, browser: Browser, screenshots: Path) -> None:
    shop = SignedUpShop(sandbox_server, "fresh", name="新开茶铺")  # signed up a moment ago
    shop.product({"name": "西湖龙井 250g", "status": "published",
                  "variants": [{"sku": "LJ-250", "price": 12800, "stock": 5}]})
    page = browser.new_context(**DESKTOP).new_page()
    console_sign_in(page, shop)
    switch_on_wechat_sandbox(page, shop)
    shot(page, screenshots, "new-shop-plugins", full_page=False)

    number = buy_on_a_phone_with_wechat(browser, shop, "西湖龙井", screenshots,
                                        "new-shop-phone")  # ¥128.00, paid by WeChat Pay

    page.goto(f"{shop.url}/console/orders/{number}")
    expect(page.locator("body")).to_contain_text("微信支付")
    expect(page.locator("#f-refund-amount")).to_be_visible()
    page.locator("#f-refund-amount").fill("3.50")
    page.locator("#f-refund-reason").fill("少送一包茶样")
    page.get_by_role("button", name="退款", exact=True).click()
    expect(page.locator("body")).to_contain_text("¥3.50")
    shot(page, screenshots, "new-shop-refunded")
    expect(page.locator("body")).not_to_contain_text("gateway:")  # who paid: 支付平台
    expect(page.locator("#f-refund-amount")).to_have_value("124.50")  # what is left
    for _ in range(40):  # WeChat Pay confirms the refund by its notice, a moment later
        if shop.order(number)["refunded_total"] == 350:
            break
        page.wait_for_timeout(500)
    assert shop.order(number)["refunded_total"] == 350

    # The figures come from daily rollups a job keeps (after the request): look again
    # until the refund is counted, as a merchant would.
    refunds = page.locator('[data-figure="refunded_total"] .stat-value')
    for _ in range(40):
        page.goto(shop.url + "/console/?range=today")
        if refunds.count() and refunds.inner_text() == "¥3.50":
            break
        page.wait_for_timeout(500)
    expect(refunds).to_have_text("¥3.50")
    # The sale: one order of ¥128.00, ¥124.50 once the refund is taken off.
    expect(page.locator('[data-figure="orders"] .stat-value')).to_have_text("1")
    expect(page.locator('[data-figure="sales"] .stat-value')).to_have_text("¥124.50")
    expect(page.locator('[data-figure="awaiting-shipment"]')).to_have_text("1")
    shot(page, screenshots, "new-shop-dashboard")
    page.context.close()
    shop.close()

"""The storefront on a phone (390 × 844, zh-CN), in Chromium: what a shopper's thumb does,
and (issue 13, "Done when") one whole purchase: the tab bar, a category, a product, 立即购买,
the SMS-code sign-in and WeChat Pay in sandbox, the address by the province → city →
district cascade, and the order page after paying.

Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.journeys import (
    PHONE,
    SignedUpShop,
    choose_address,
    fill_contact,
    pay_in_wechat_simulator,
    place_with_wechat,
    sandbox_sms_code,
    shot,
    sign_in_with_code,
)
from e2e.test_accessibility_e2e import serious_violations
from galleria_plugins.notify_sms.sandbox import sandbox_settings

pytestmark = pytest.mark.e2e


def open_shop(server, prefix: str, *products: dict) -> str:
    """Sign up a shop and stock it through the admin API; returns the shop's URL."""
    shop = SignedUpShop(server, prefix)
    for body in products:
        shop.product(body)
    return shop.url


TEAPOT = {"name": "Celadon teapot 青瓷茶壶", "variants": [
    {"sku": "POT-1", "price": 9900, "stock": 3}]}


@pytest.fixture
def phone(browser: Browser) -> Page:
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_a_quantity_typed_in_the_cart_and_sent_with_enter_is_the_quantity(
        live_server, phone: Page, screenshots: Path) -> None:
    shop = open_shop(live_server, "enter", TEAPOT)
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
    shop = open_shop(live_server, "oops")
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
    shop = open_shop(live_server, "tabs", TEA, TEAPOT)
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
    shop = open_shop(live_server, "addr", TEAPOT)
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


TAB_NAMES = ["首页", "分类", "购物车", "我的"]
# Latin words a zh-CN shopper may see: units, the language switcher, the platform's name.
ALLOWED_LATIN = re.compile(r"^(g|kg|ml|English|Galleria)$")


def english_words(page: Page) -> list[str]:
    """Latin words of two letters or more in the page's visible text, but those allowed."""
    text = page.locator("body").inner_text()
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if not ALLOWED_LATIN.match(w)})


def small_tap_targets(page: Page, scope: str = "body") -> list[str]:
    """Visible links and buttons in `scope` smaller than 40 × 40 CSS pixels, by their text,
    except links inside running text."""
    return page.evaluate("""(scope) => [...document.querySelectorAll(
        scope + ' a[href], ' + scope + ' button, ' + scope + ' select, ' + scope + ' input')]
      .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
      .filter((el) => !(el.tagName === 'A' && el.closest('p, li.muted, small')))
      .map((el) => [el, el.getBoundingClientRect()])
      .filter(([el, box]) => box.width > 0 && (box.height < 40 || box.width < 40))
      .map(([el, box]) => `${el.tagName} ${(el.innerText || el.name ||
        el.getAttribute('aria-label') || '').trim().slice(0, 20)} ${Math.round(box.width)}×${
        Math.round(box.height)}`)""",
                         scope)


def test_a_phone_purchase_in_chinese_from_tab_bar_to_paid_order(
        sandbox_server, browser: Browser, screenshots: Path) -> None:
    """A shopper on a phone buys from a shop signed up a moment ago, in sandbox mode: the
    shop's WeChat Pay is in sandbox, its texts go to the SMS simulator's inbox."""
    shop = SignedUpShop(sandbox_server, "buy")
    shop.admin("POST", "/api/admin/v1/categories", 201,
               json={"slug": "green-tea", "name": "绿茶"})
    shop.product({**TEA, "category": "green-tea"})
    shop.enable("payments_wechat", {"sandbox": True})
    shop.enable("notify_sms", sandbox_settings(f"{sandbox_server.url}/sandbox/sms"))
    page = browser.new_context(**PHONE, bypass_csp=True).new_page()  # axe is injected
    axe: dict[str, list[str]] = {}

    page.goto(shop.url + "/")
    tabs = page.get_by_role("navigation", name="店铺导航")
    expect(tabs.get_by_role("link")).to_have_text(
        [re.compile(rf"^\s*{name}") for name in TAB_NAMES])
    assert small_tap_targets(page, "nav.tab-bar") == []
    assert english_words(page) == []
    shot(page, screenshots, "phone-buy-01-home")

    tabs.get_by_role("link", name="分类").click()
    expect(page).to_have_url(re.compile(r"/categories$"))
    expect(tabs.get_by_role("link", name="分类")).to_have_attribute("aria-current", "page")
    expect(page.locator(".category-list")).to_have_css("list-style-type", "none")
    assert small_tap_targets(page, "main") == []  # a category is a thumb's target
    assert english_words(page) == []
    shot(page, screenshots, "phone-buy-02-categories")
    page.get_by_role("link", name="绿茶").click()
    expect(page).to_have_url(re.compile(r"category=green-tea"))
    expect(tabs.get_by_role("link", name="分类")).to_have_attribute("aria-current", "page")
    # The 50g is sold out: the card's price is the 250g's, the one a shopper can buy.
    expect(page.locator("main .price").first).to_have_text("¥168.00")
    shot(page, screenshots, "phone-buy-03-category")

    page.get_by_role("link", name=re.compile("西湖龙井")).first.click()
    expect(page.locator("[data-picker-price]")).to_have_text("¥168.00")
    assert english_words(page) == []
    shot(page, screenshots, "phone-buy-04-product")
    page.get_by_role("button", name="立即购买").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))

    # A guest at checkout signs in with a texted code and comes back to the same checkout.
    page.locator("[data-sign-in-hint]").get_by_role("link", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account/sign-in\?next=/checkout"))
    sign_in_with_code(page, "139 0013 8111", sandbox_sms_code(sandbox_server), screenshots,
                      "phone-buy-05-sms-code")
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.locator("body")).to_contain_text("西湖龙井")
    expect(page.locator("[data-sign-in-hint]")).to_have_count(0)

    fill_contact(page, phone="13900138111")
    choose_address(page, "浙江省", "杭州市", "西湖区", "龙井路 1 号")
    expect(page.locator("#f-address-district")).to_have_value("西湖区")
    assert english_words(page) == []
    page.wait_for_timeout(500)  # the re-pricing after the last change starts…
    expect(page.locator("form[data-checkout]")).not_to_have_class(re.compile("is-updating"))
    page.wait_for_timeout(300)  # the summary's fade back in
    shot(page, screenshots, "phone-buy-06-checkout")
    axe["checkout"] = serious_violations(page)  # …and is done (it dims the summary meanwhile)
    number = place_with_wechat(page)
    assert english_words(page) == []
    shot(page, screenshots, "phone-buy-07-pay")
    axe["pay"] = serious_violations(page)
    pay_in_wechat_simulator(page)
    expect(page.locator("body")).to_contain_text("西湖龙井")
    expect(page.locator("body")).to_contain_text("微信支付")
    expect(page.locator("body")).to_contain_text("西湖区")
    expect(page.locator("[data-order-link]")).to_have_count(0)  # it is in their account
    expect(page.locator("body")).to_contain_text(re.compile(r"支付方式：\s*微信支付"))
    assert english_words(page) == []
    shot(page, screenshots, "phone-buy-08-order")
    axe["order"] = serious_violations(page)
    order = shop.order(number)
    assert order["paid_at"] and order["total"] == 16800
    assert order["customer_id"], "the order is the signed-in shopper's"
    page.context.close()
    shop.close()
    assert not {step: found for step, found in axe.items() if found}


SAME_CITY = {"name": "同城配送", "lat": 30.2741, "lng": 120.1551, "radius_km": 8,
             "bands": [{"up_to_km": 8, "fee": 500}],
             "slots": [{"start": "00:00", "end": "23:59", "capacity": 5}], "lead_minutes": 0}
EXPRESS = {"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 800, "additional": 1, "additional_fee": 300,
     "eta_days": [2, 4]}]}


def test_the_checkout_says_in_chinese_why_same_city_delivery_is_not_offered(
        live_server, phone: Page, screenshots: Path) -> None:
    shop = SignedUpShop(live_server, "far")
    shop.product(TEAPOT)
    shop.enable("payments_offline", {"cash_on_delivery": True})
    shop.enable("shipping", {"templates": json.dumps(EXPRESS, ensure_ascii=False),
                             "same_city": json.dumps(SAME_CITY, ensure_ascii=False)})
    phone.goto(shop.url + "/")
    phone.get_by_role("link", name=re.compile("Celadon teapot")).first.click()
    phone.get_by_role("button", name="立即购买").click()
    refused = phone.locator('[data-unavailable-shipping] [data-code="same_city_1"]')
    expect(refused).to_contain_text("请先填写收货地址")  # no address yet
    fill_contact(phone)
    choose_address(phone, "浙江省", "杭州市", "西湖区")  # near the shop: both offered
    expect(phone.locator('input[name="shipping_method"][value="same_city_1"]')).to_have_count(1)
    choose_address(phone, "西藏自治区", "拉萨市", "城关区")  # re-priced as it changes
    expect(refused).to_contain_text(re.compile(
        r"超出配送范围：距离 [\d.]+ 公里，本店仅配送 8 公里以内"))
    expect(phone.locator('input[name="shipping_method"][value="same_city_1"]')).to_have_count(0)
    refused.scroll_into_view_if_needed()
    shot(phone, screenshots, "storefront-phone-checkout-not-offered", full_page=False)
    shop.close()

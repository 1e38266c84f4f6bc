"""End to end in Chromium, in Chinese: every page the last round of work added, opened with
real data in it, as a Chinese merchant (console, 1280 wide) and shopper (phone, 390 × 844)
see it — stores and warehouses, transfers, categories, the service phone and requested
delivery dates on Settings, 店内码 labels, product videos, stock alerts, the promotion form,
the marketing cost report, report downloads, review moderation and its report; on the phone
the category pages, per-store stock on the product page, store pickup, the reviews block and
the requested delivery date.

Each page is saved as `test-results/zh-pages-*.png` for a human to judge, and none may show
an English word, an internal code (`in_transit`, `default`, a plugin's name), a raw ISO time
or "UTC" (issue 13, shared/STYLE.md "The merchant's face")."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.shop_api import PASSWORD, ShopApi, mp4, png

pytestmark = pytest.mark.e2e
SHOPPER_PASSWORD = "Plum-blossom-8"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
ADDRESS = {"name": "韩梅梅", "phone": "13900001234", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
EXPRESS = {"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 800, "additional": 1, "additional_fee": 300,
     "eta_days": [2, 4]}]}
# Latin words a Chinese page may show: file formats, the platform's name, the language
# switch's "English", and the trade's own words that Chinese admin pages write in Latin
# letters too (SKU, API, Webhook). Anything else of three letters or more is untranslated.
ALLOWED = {"Galleria", "English", "CSV", "Excel", "MP4", "JPEG", "PNG", "WebP", "PDF", "SKU",
           "API", "Webhook"}
CODES = re.compile(r"\b[a-z]+_[a-z_]+\b|\d{4}-\d{2}-\d{2}T\d\d|\bUTC\b")


def foreign(text: str, own: tuple[str, ...] = ()) -> list[str]:
    """What in `text` a Chinese reader would not read as Chinese: English words (beyond
    ALLOWED) and internal codes; `own` is the merchant's and shopper's own data (codes
    they chose, e-mail addresses), left out."""
    for mine in sorted(own, key=len, reverse=True):
        text = text.replace(mine, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z]{2,}", text)) - ALLOWED
    return sorted(words | set(CODES.findall(text)))


class Shots:
    def __init__(self, folder: Path, own: tuple[str, ...]) -> None:
        self.folder, self.own, self.found = folder, own, {}

    def take(self, page: Page, name: str) -> None:
        """Save the page and note what foreign text it shows (all pages are seen before
        the test fails, so that one run names every page that needs work)."""
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(self.folder / f"zh-pages-{name}.png"), full_page=True)
        text = page.locator("body").inner_text()
        if found := foreign(text, self.own):
            self.found[name] = found

    def overflow(self, page: Page, name: str) -> None:
        """A phone page is no wider than the phone."""
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            self.found.setdefault(name, []).append(f"{width}px wide")


class Shop(ShopApi):
    """A tea shop set up through the APIs, as its merchant and a shopper would."""

    def set_up(self) -> dict:
        for plugin, settings in (
                ("payments_offline", {"bank_transfer": True, "cash_on_delivery": True,
                                      "bank_instructions": "招商银行 6225"}),
                ("shipping", {"templates": json.dumps(EXPRESS, ensure_ascii=False)}),
                ("marketing", {}), ("reviews", {"sensitive_words": "返现"})):
            self.call("PUT", f"/api/admin/v1/plugins/{plugin}",
                      json={"enabled": True, "settings": settings})
        for slug, name, parent in (("tea", "茶叶", None), ("green", "绿茶", "tea"),
                                   ("black", "红茶", "tea"), ("ware", "茶具", None)):
            self.call("POST", "/api/admin/v1/categories",
                      json={"slug": slug, "name": name, **({"parent": parent} if parent else {})})
        tea = self.call("POST", "/api/admin/v1/products", json={
            "name": "西湖龙井 250g", "category": "green", "description": "明前头采，豆花香。",
            "variants": [{"sku": "LJ-250", "price": 12800, "stock": 30}]}).json()
        self.call("POST", f"/api/admin/v1/products/{tea['id']}/images",
                  files={"file": ("a.png", png("olivedrab"), "image/png")})
        self.call("PUT", f"/api/admin/v1/products/{tea['id']}/video", files={
            "video": ("a.mp4", mp4(), "video/mp4"),
            "poster": ("p.png", png("darkolivegreen"), "image/png")})
        pot = self.call("POST", "/api/admin/v1/products", json={
            "name": "青瓷茶壶", "category": "ware", "variants": [
                {"sku": "POT-S", "price": 9900, "stock": 3, "options": {"容量": "300ml"}},
                {"sku": "POT-L", "price": 12900, "stock": 8, "options": {"容量": "500ml"}}]}
        ).json()
        self.call("POST", f"/api/admin/v1/products/{pot['id']}/store-codes")
        self.call("PUT", f"/api/admin/v1/inventory/{pot['variants'][0]['id']}/safety-stock",
                  json={"safety_stock": 5})  # 3 left: low stock
        self.call("PUT", "/api/admin/v1/service-contact",
                  json={"phone": "400-820-8820", "hours": "每天 9:00–21:00"})

        self.call("POST", "/api/admin/v1/locations", json={
            "code": "xihu", "name": "西湖店", "kind": "store", "offers_pickup": True,
            "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区",
                        "line1": "龙井路 1 号"}, "phone": "0571-88886666",
            "hours": [{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "21:00"},
                      {"days": [6, 7], "open": "10:00", "close": "18:00"}]})
        self.call("POST", "/api/admin/v1/locations", json={
            "code": "north", "name": "城北仓", "kind": "warehouse",
            "address": {"province": "浙江省", "city": "杭州市", "district": "拱墅区",
                        "line1": "莫干山路 88 号"}})
        tea_variant = tea["variants"][0]["id"]
        self.call("POST", "/api/admin/v1/inventory/receive", json={
            "variant_id": tea_variant, "quantity": 6, "location": "xihu"})
        moves = []
        for destination, quantity in (("xihu", 4), ("north", 5), ("north", 2)):
            moves.append(self.call("POST", "/api/admin/v1/inventory/transfers", json={
                "source": "default", "destination": destination, "note": "补货",
                "lines": [{"variant_id": tea_variant, "quantity": quantity}]}).json()["id"])
        self.call("POST", f"/api/admin/v1/inventory/transfers/{moves[0]}/ship")
        self.call("POST", f"/api/admin/v1/inventory/transfers/{moves[0]}/receive")
        self.call("POST", f"/api/admin/v1/inventory/transfers/{moves[1]}/ship")

        self.call("POST", "/api/admin/v1/marketing/promotions", json={
            "kind": "tiers", "name": "满100减10", "rule": {"tiers": [
                {"threshold": 10000, "amount_off": 1000}]}})
        timed = self.call("POST", "/api/admin/v1/marketing/promotions", json={
            "kind": "timed", "name": "新茶上市", "rule": {"products": [pot["id"]],
                                                       "percent_off": 10}}).json()
        return {"tea": tea, "pot": pot, "promotion": timed["id"]}

    def reviewed_order(self, tea: dict) -> tuple[str, str]:
        """A registered shopper's paid, delivered order of the tea, reviewed with five
        stars, and a second review held for a sensitive word."""
        shopper = self.call("POST", "/api/v1/account/register", token=None, json={
            "phone": ADDRESS["phone"], "password": SHOPPER_PASSWORD, "name": "韩梅梅"}).json()
        token = shopper["token"]
        numbers = [self.delivered_order_of(token, tea["variants"][0]["id"], ADDRESS,
                                           shipping_method="express") for _ in range(2)]
        for number, text in ((numbers[0], "茶汤清亮，豆花香明显，回甘快。"),
                             (numbers[1], "好评返现才写的，一般。")):
            lines = self.call("GET", f"/api/v1/orders/{number}/reviews",
                              token=token).json()["lines"]
            self.call("POST", f"/api/v1/orders/{number}/reviews", token=token, json={
                "items": [{"line_id": lines[0]["line_id"], "rating": 5 if "清亮" in text
                           else 3, "text": text}],
                "shop_rating": {"described": 5, "logistics": 4, "service": 5}})
        return numbers[0], token


def sign_in_console(page: Page, shop: str, slug: str) -> None:
    page.goto(shop + "/console/login")
    page.locator('input[name="email"]').fill(f"owner@{slug}.example")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('button[type="submit"]').first.click()
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_the_new_pages_read_in_chinese(live_server, browser: Browser,
                                       screenshots: Path) -> None:
    api = Shop(live_server, f"zh-{uuid.uuid4().hex[:6]}", "西湖茶庄")
    made = api.set_up()
    number, _ = api.reviewed_order(made["tea"])
    shop = live_server.shop_url(api.slug)
    shots = Shots(screenshots, own=(f"owner@{api.slug}.example", api.slug, "localhost",
                                    "xihu", "north",
                                    "SF1234567890", "300ml", "500ml", "250g", "LJ-250",
                                    "POT-S", "POT-L"))
    tea, pot = made["tea"]["id"], made["pot"]["id"]

    # -- the console, on a desktop -----------------------------------------------------------
    desktop = browser.new_context(**DESKTOP)
    page = desktop.new_page()
    sign_in_console(page, shop, api.slug)
    page.goto(shop + "/console/inventory/locations")
    expect(page.locator("#location-xihu")).to_contain_text("西湖店")
    expect(page.locator(".locations-table")).not_to_contain_text("default")
    shots.take(page, "01-locations")
    page.goto(shop + "/console/inventory/locations/xihu")
    shots.take(page, "02-location-edit")
    page.goto(shop + "/console/inventory/transfers")
    expect(page.locator(".transfers-table")).to_contain_text("运输中")
    shots.take(page, "03-transfers")
    page.goto(shop + "/console/categories")
    expect(page.locator(".category-admin-name")).to_have_text(["茶叶", "绿茶", "红茶", "茶具"])
    shots.take(page, "04-categories")

    page.goto(shop + "/console/settings")
    form = page.locator("#delivery-dates form")
    form.locator("input[name=enabled]").check()
    form.locator("input[name=earliest_days]").fill("1")
    form.locator("input[name=latest_days]").fill("7")
    for box in form.locator("input[name=weekdays]").all():
        box.check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"saved=delivery"))
    expect(page.locator("#service-contact input[name=phone]")).to_have_value("400-820-8820")
    expect(page.locator(".spec").first).to_contain_text("人民币")
    expect(page.locator(".spec").first).to_contain_text("免费版")
    expect(page.locator(".spec").first).to_contain_text("中国（上海）时间")
    shots.take(page, "05-settings")

    page.goto(f"{shop}/console/products/{pot}")
    expect(page.locator("#labels")).to_be_visible()
    shots.take(page, "06-product-labels")
    page.goto(f"{shop}/console/products/{tea}")
    expect(page.locator("#video video")).to_have_count(1)
    shots.take(page, "07-product-video")
    page.goto(shop + "/console/stock-alerts")
    shots.take(page, "08-my-stock-alerts")
    page.goto(shop + "/console/inventory/alerts")
    expect(page.locator("form[action='/console/inventory/alerts']")).to_contain_text("未来")
    expect(page.locator("#f-days-unit")).to_have_text("天内到期")
    shots.take(page, "09-stock-alerts")

    page.goto(shop + "/console/p/marketing-promotions")
    expect(page.locator("body")).to_contain_text("满100减10")
    shots.take(page, "10-promotions")
    page.goto(shop + "/plugins/marketing/promotions/new")
    shots.take(page, "11-promotion-new")
    page.goto(f"{shop}/plugins/marketing/promotions/{made['promotion']}")
    shots.take(page, "12-promotion-edit")

    page.goto(shop + "/console/reports/marketing")
    shots.take(page, "13-report-marketing")
    page.locator("[data-export=background]").click()
    expect(page).to_have_url(re.compile(r"/console/reports/exports"))
    expect(page.locator("[data-export-link] a")).to_have_count(1, timeout=30_000)
    shots.take(page, "14-report-downloads")

    page.goto(shop + "/plugins/reviews/manage")
    expect(page.locator("[data-console-review]").first).to_contain_text("韩**")
    shots.take(page, "15-reviews-manage")
    page.goto(shop + "/plugins/reviews/report")
    shots.take(page, "16-reviews-report")
    desktop.close()

    # -- the storefront, on a phone ----------------------------------------------------------
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(shop + "/categories")
    expect(page.locator("body")).to_contain_text("绿茶")
    shots.take(page, "20-phone-categories")
    shots.overflow(page, "20-phone-categories")
    page.goto(shop + "/?category=green")
    expect(page.locator("body")).to_contain_text("西湖龙井")
    # 绿茶 is under 茶叶: that chip is lit, its subcategories a tap away, 分类 the tab.
    expect(page.locator(".chips .chip.is-active").first).to_have_text("茶叶")
    expect(page.locator("[data-subcategories] .chip")).to_have_text(["全部茶叶", "绿茶", "红茶"])
    expect(page.locator(".tab-bar [aria-current=page]")).to_contain_text("分类")
    shots.take(page, "21-phone-category")
    shots.overflow(page, "21-phone-category")
    page.goto(f"{shop}/products/{tea}")
    expect(page.locator("[data-store-stock]")).to_contain_text("西湖店")
    expect(page.locator("[data-product-reviews]")).to_contain_text("共 1 条评价")
    shots.take(page, "22-phone-product")
    shots.overflow(page, "22-phone-product")

    page.goto(shop + "/account/sign-in")
    page.locator("#f-login").fill(ADDRESS["phone"])
    page.locator("#f-password").fill(SHOPPER_PASSWORD)
    page.locator("form[action='/account/sign-in'] button[type=submit]").click()
    expect(page).to_have_url(shop + "/account")
    page.goto(f"{shop}/products/{tea}")
    page.get_by_role("button", name="加入购物车").click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))
    page.goto(shop + "/checkout")
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill(ADDRESS["phone"])
    page.locator("#f-address-province").select_option("浙江省")
    page.locator("#f-address-city").select_option("杭州市")
    page.locator("#f-address-district").select_option("西湖区")
    page.locator("#f-address-line1").fill("文三路 90 号")
    pickup = page.locator("label.pick", has_text="西湖店")
    expect(pickup).to_be_visible()
    pickup.click()
    shots.take(page, "23-phone-checkout-pickup")
    shots.overflow(page, "23-phone-checkout-pickup")
    page.locator("label.pick", has=page.locator('input[value="express"]')).click()
    date = page.locator("#f-requested_delivery_date")
    expect(date).to_be_visible()
    date.fill(date.get_attribute("min") or "")
    page.locator("label.pick", has=page.locator('input[value="cod"]')).click()
    shots.take(page, "24-phone-checkout-date")
    shots.overflow(page, "24-phone-checkout-date")
    page.locator("[data-place-order]").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}\?placed=1$"))
    shots.take(page, "25-phone-order-date")
    shots.overflow(page, "25-phone-order-date")
    page.goto(f"{shop}/orders/{number}")
    shots.take(page, "26-phone-order-reviewed")
    shots.overflow(page, "26-phone-order-reviewed")
    phone.close()

    assert shots.found == {}, json.dumps(shots.found, ensure_ascii=False, indent=1)

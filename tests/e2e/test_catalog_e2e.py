"""End to end in Chromium: create a product with two variants and pictures in the console,
find it in the storefront by a Chinese word, receive and count stock, and watch it sell out.

Screenshots (1280px desktop, 390px phone) go to the output folder for a human to judge.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "en-US"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_empty_shop(server, slug: str) -> str:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        answer = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Fresh Dairy 鲜奶铺", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert answer.status_code == 201, answer.text
    return f"owner@{slug}.example"


def pictures(folder: Path) -> list[str]:
    paths = []
    for name, color in (("milk-white.png", (245, 245, 240)), ("milk-blue.png", (70, 120, 220))):
        path = folder / name
        image = Image.new("RGB", (600, 600), color)
        for x in range(150, 450):  # a simple "bottle" so the pictures differ visibly
            for y in range(120, 520, 4):
                image.putpixel((x, y), (30, 60, 140) if color[0] > 200 else (250, 250, 250))
        image.save(path, "PNG")
        paths.append(str(path))
    return paths


def test_product_editor_storefront_and_stock(live_server, page: Page, browser: Browser,
                                             screenshots: Path, tmp_path: Path) -> None:
    slug = f"milk-{uuid.uuid4().hex[:6]}"
    email = open_empty_shop(live_server, slug)
    shop = live_server.shop_url(slug)

    page.goto(shop + "/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/console/$"))

    page.goto(shop + "/console/products/new")
    page.get_by_label("Product name").fill("测试牛奶")
    page.get_by_label("Description").fill("Whole milk from Inner Mongolia. 内蒙古全脂牛奶。")
    page.locator('input[name="attr_key"]').nth(0).fill("产地")
    page.locator('input[name="attr_value"]').nth(0).fill("内蒙古")
    page.locator('input[name="attr_key"]').nth(1).fill("保质期")
    page.locator('input[name="attr_value"]').nth(1).fill("21 天")
    rows = {"0": ("容量=1L", "E2E-MILK-1L", "12.50", "3", "1030",
                  "6900000000014, 6900000000021*24"),
            "1": ("容量=250ml", "E2E-MILK-250", "3.90", "0", "260", "")}
    for i, (options, sku, price, stock, weight, codes) in rows.items():
        page.locator(f"#f-v-{i}-options").fill(options)
        page.locator(f"#f-v-{i}-sku").fill(sku)
        page.locator(f"#f-v-{i}-price").fill(price)
        page.locator(f"#f-v-{i}-stock").fill(stock)
        page.locator(f"#f-v-{i}-weight").fill(weight)
        page.locator(f"#f-v-{i}-barcodes").fill(codes)
    page.locator("#f-images").set_input_files(pictures(tmp_path))
    expect(page.locator("#picture-preview img")).to_have_count(2)
    shot(page, screenshots, "catalog-desktop-01-new-product")
    page.get_by_role("button", name="Create product").click()
    expect(page.locator(".alert-success")).to_contain_text("Product created.")
    expect(page.locator(".picture-grid img")).to_have_count(2)
    expect(page.locator("#f-v-0-price")).to_have_value("12.50")
    shot(page, screenshots, "catalog-desktop-02-edit-product")
    product_url = page.url

    # A server-side error shown at its input, the other values kept.
    page.locator("#f-v-0-price").fill("12.345")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#f-v-0-price-error")).to_contain_text("two decimal places")
    expect(page.get_by_label("Product name")).to_have_value("测试牛奶")
    shot(page, screenshots, "catalog-desktop-03-editor-errors")
    page.goto(product_url)

    # The storefront finds it by a Chinese word; the sold-out variant cannot be picked.
    page.goto(shop + "/lang/zh_CN?next=/")
    page.goto(shop + "/?q=" + "牛奶")
    card = page.get_by_role("link", name=re.compile("测试牛奶")).first
    expect(card).to_be_visible()
    card.click()
    expect(page.locator("h1")).to_have_text("测试牛奶")
    expect(page.locator("[data-variant-choice]")).to_be_visible()
    expect(page.locator("select[name=variant_id]")).to_have_count(0)  # one picker only
    sold_out = page.locator(".option-value", has_text="250ml")
    expect(sold_out).to_contain_text("该规格已售罄")
    expect(sold_out.locator("input")).to_be_disabled()
    expect(page.locator("[data-picker-price]")).to_have_text("¥12.50")
    expect(page.locator("[data-picker-stock]")).to_contain_text("可售 3")
    thumbs = page.locator("[data-gallery-thumb]")
    expect(thumbs).to_have_count(2)
    second = thumbs.nth(1).get_attribute("data-gallery-thumb")
    thumbs.nth(1).click()
    expect(page.locator("[data-gallery-main]")).to_have_attribute("src", second)
    expect(page.locator("table.spec")).to_contain_text("内蒙古")
    shot(page, screenshots, "catalog-desktop-04-storefront-product")
    storefront_product = page.url
    page.goto(shop + "/lang/en?next=/console/inventory")

    # Receiving: a case barcode adds 24; then a stocktake counts it down to 0.
    expect(page.locator("#f-barcode")).to_be_focused()
    page.locator("#f-barcode").fill("6900000000021")
    page.locator("#f-barcode").press("Enter")
    expect(page.locator("[data-scan-result]")).to_contain_text("+24")
    expect(page.locator("#f-barcode")).to_be_focused()
    expect(page.locator("#f-count")).to_have_value("1")
    shot(page, screenshots, "catalog-desktop-05-inventory")
    page.get_by_role("link", name="E2E-MILK-1L").first.click()
    expect(page.locator(".ledger")).to_contain_text("scanned 6900000000021")
    page.get_by_label("Counted on hand").fill("0")
    page.get_by_label("Reason").fill("盘点 damaged")
    page.get_by_role("button", name="Save count").click()
    expect(page.locator(".alert-success")).to_contain_text("Stock counted.")
    expect(page.locator(".ledger tbody tr")).to_have_count(2)
    shot(page, screenshots, "catalog-desktop-06-ledger")
    page.goto(shop + "/console/inventory/alerts?days=30")
    expect(page.locator("table").first).to_contain_text("E2E-MILK-1L")
    shot(page, screenshots, "catalog-desktop-07-alerts")

    page.goto(storefront_product)
    expect(page.locator(".product-title + .row .badge, [data-picker-stock]").first
           ).to_contain_text("Out of stock")
    expect(page.locator(".option-value", has_text="1L").locator("input")).to_be_disabled()

    # The same pages on a phone.
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(shop + "/console/login")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name=re.compile("Sign in")).click()
    expect(phone).to_have_url(re.compile(r"/console/$"))
    phone.goto(product_url)
    shot(phone, screenshots, "catalog-phone-01-edit-product")
    phone.goto(shop + "/console/inventory")
    shot(phone, screenshots, "catalog-phone-02-inventory")
    phone.goto(storefront_product)
    expect(phone.locator("[data-variant-choice]")).to_be_visible()
    shot(phone, screenshots, "catalog-phone-03-storefront-product")
    context.close()

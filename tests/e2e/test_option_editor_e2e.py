"""Variants from the option editor (issue 13, item 5), in Chromium on a tablet-wide console
in Chinese: option names and values as chips generate the SKU table (price in yuan, stock,
barcode per row); saving keeps the saved variant's id and stock; removing a value takes its
saved variants off sale instead of deleting them. axe-core finds no serious violation.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from e2e.test_accessibility_e2e import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"


def test_variants_come_from_options_and_keep_their_ids(live_server, browser: Browser,
                                                       screenshots: Path) -> None:
    slug = f"opt-{uuid.uuid4().hex[:6]}"
    http = httpx.Client(base_url=f"http://127.0.0.1:{live_server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup",
                       headers={"host": f"localhost:{live_server.port}"},
                       json={"shop_name": "棉麻小铺", "slug": slug, "password": PASSWORD,
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{live_server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    created = http.post("/api/admin/v1/products", headers=headers, json={
        "name": "棉麻衬衫", "variants": [{"sku": "SHIRT-1", "price": 9900, "stock": 5,
                                      "options": {"颜色": "白"}}]})
    assert created.status_code == 201, created.text
    product, first = created.json()["id"], created.json()["variants"][0]["id"]

    page = browser.new_context(viewport={"width": 1024, "height": 1000}, locale="zh-CN",
                               bypass_csp=True).new_page()
    page.goto(live_server.shop_url(slug) + "/console/login")
    page.locator("input[name=email]").fill(f"owner@{slug}.example")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/console/$"))
    page.goto(live_server.shop_url(slug) + f"/console/products/{product}")

    editor = page.locator("[data-option-editor]")
    expect(editor).to_be_visible()
    colour = editor.locator("[data-option]").nth(0)
    expect(colour.locator("[data-option-name]")).to_have_value("颜色")
    expect(colour.locator(".option-chip")).to_have_count(1)
    colour.get_by_role("textbox", name="规格值").fill("黑")
    colour.get_by_role("textbox", name="规格值").press("Enter")
    editor.get_by_role("button", name="添加规格项").click()
    size = editor.locator("[data-option]").nth(1)
    size.get_by_role("textbox", name="规格项名称").fill("尺码")
    size.get_by_role("textbox", name="规格项名称").press("Tab")
    for value in ("S", "L"):
        size.get_by_role("textbox", name="规格值").fill(value)
        size.get_by_role("textbox", name="规格值").press("Enter")

    rows = page.locator(".variant-row:not(.is-stale)")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator('input[name$="-options"]')).to_have_value("颜色=白; 尺码=S")
    expect(rows.nth(0).locator('input[name$="-id"]')).to_have_value(str(first))
    expect(rows.nth(3).locator('input[name$="-options"]')).to_have_value("颜色=黑; 尺码=L")
    for index in range(1, 4):
        rows.nth(index).locator('input[name$="-price"]').fill("109.00")
        rows.nth(index).locator('input[name$="-stock"]').fill("3")
    rows.nth(1).locator('input[name$="-barcodes"]').fill("6901234567892")
    assert serious_violations(page) == []
    editor.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "option-editor-01-table.png"))

    page.get_by_role("button", name="保存").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    saved = http.get(f"/api/admin/v1/products/{product}", headers=headers).json()
    by_options = {tuple(sorted(v["options"].items())): v for v in saved["variants"]}
    kept = by_options[(("尺码", "S"), ("颜色", "白"))]
    assert kept["id"] == first and kept["stock"]["on_hand"] == 5  # same variant, same stock
    assert len(by_options) == 4
    assert by_options[(("尺码", "L"), ("颜色", "白"))]["price"] == 10900

    # 黑 goes: its two saved variants go off sale, still there for their orders.
    editor = page.locator("[data-option-editor]")
    editor.locator("[data-option]").nth(0).get_by_role("button", name="删除规格值 黑").click()
    expect(page.locator(".variant-row.is-stale")).to_have_count(2)
    page.screenshot(path=str(screenshots / "option-editor-02-removed.png"), full_page=True)
    page.get_by_role("button", name="保存").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    saved = http.get(f"/api/admin/v1/products/{product}", headers=headers).json()
    statuses = {v["options"]["颜色"] + v["options"]["尺码"]: v["status"]
                for v in saved["variants"]}
    assert statuses == {"白S": "active", "白L": "active", "黑S": "inactive",
                        "黑L": "inactive"}
    page.context.close()

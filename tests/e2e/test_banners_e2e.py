"""End to end in Chromium, in Chinese on a tablet: the owner adds a home-page banner on the
console's Settings page (a picture and the category it leads to), saves, and sees it there;
the mini-program's `GET /api/v1/shop` then answers it. A screenshot of the section goes to
`test-results/`."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TABLET = {"viewport": {"width": 1024, "height": 1366}, "locale": "zh-CN"}


def test_the_owner_sets_a_banner_the_mini_program_shows(live_server, browser: Browser,
                                                        screenshots: Path, tmp_path: Path):
    slug = f"banner-{uuid.uuid4().hex[:6]}"
    base = f"http://127.0.0.1:{live_server.port}"
    with httpx.Client(base_url=base, timeout=30) as http:
        made = http.post(
            "/api/platform/v1/signup", headers={"host": f"localhost:{live_server.port}"},
            json={"shop_name": "家电城", "slug": slug, "email": f"owner@{slug}.example",
                  "password": PASSWORD, "template": "blank"})
        assert made.status_code == 201, made.text
        admin = {"host": f"{slug}.localhost:{live_server.port}",
                 "authorization": f"Bearer {made.json()['admin_token']}"}
        assert http.post("/api/admin/v1/categories", headers=admin,
                         json={"slug": "fridge", "name": "冰箱"}).status_code == 201
    picture = tmp_path / "banner.png"
    out = io.BytesIO()
    Image.new("RGB", (750, 320), "#c8102e").save(out, "PNG")
    picture.write_bytes(out.getvalue())

    shop = live_server.shop_url(slug)
    page = browser.new_context(**TABLET).new_page()
    try:
        page.goto(shop + "/console/login")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.goto(shop + "/console/settings")
        section = page.locator("#banners")
        expect(section.locator("h2")).to_have_text("首页轮播图")
        first = section.locator("[data-banner='0']")
        first.locator("input[type=file]").set_input_files(str(picture))
        first.locator("select").select_option(label="冰箱")
        section.get_by_role("button", name="保存").click()
        expect(page.locator(".alert-success")).to_contain_text("小程序首页现在展示这些轮播图")
        expect(page.locator("#banners [data-banner='0'] img")).to_be_visible()
        page.locator("#banners").scroll_into_view_if_needed()
        page.locator("#banners").screenshot(path=str(screenshots / "tablet-banners-settings.png"))
    finally:
        page.context.close()
    with httpx.Client(base_url=base, timeout=30) as http:
        info = http.get("/api/v1/shop", headers={"host": admin["host"]}).json()
    assert [b["link"] for b in info["banners"]] == [
        {"type": "category", "product_id": None, "category": "fridge"}]

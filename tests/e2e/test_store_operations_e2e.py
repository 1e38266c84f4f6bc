"""End to end in Chromium (issue 20 item 6): the category tree on a tablet, reordered with ↑;
a product whose video plays first in the phone's gallery; the service phone in the footer.

Screenshots go to the output folder for a human to judge."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from e2e.shop_api import mp4, png

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TABLET = {"viewport": {"width": 1024, "height": 768}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def _shop(server, slug: str) -> dict:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        answer = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "鲜果铺", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert answer.status_code == 201, answer.text
        token = answer.json()["admin_token"]
        host = {"host": f"{slug}.localhost:{server.port}",
                "authorization": f"Bearer {token}"}
        for slug_, name in (("fruit", "水果"), ("veg", "蔬菜"), ("grain", "粮油")):
            assert http.post("/api/admin/v1/categories", headers=host,
                             json={"slug": slug_, "name": name}).status_code == 201
        http.post("/api/admin/v1/categories", headers=host,
                  json={"slug": "apple", "name": "苹果", "parent": "fruit"})
        made = http.post("/api/admin/v1/products", headers=host, json={
            "name": "烟台红富士苹果 5 斤装", "category": "apple",
            "variants": [{"sku": "APPLE-5", "price": 3990, "stock": 20}]}).json()
        http.post(f"/api/admin/v1/products/{made['id']}/images", headers=host,
                  files={"file": ("a.png", png("firebrick"), "image/png")})
        video = http.put(f"/api/admin/v1/products/{made['id']}/video", headers=host, files={
            "video": ("a.mp4", mp4(), "video/mp4"),
            "poster": ("p.png", png("darkorange"), "image/png")})
        assert video.status_code == 200, video.text
        assert http.put("/api/admin/v1/service-contact", headers=host, json={
            "phone": "400-820-8820", "hours": "每天 9:00–21:00"}).status_code == 200
    return {"email": f"owner@{slug}.example", "product": made["id"]}


def test_categories_video_and_service_phone(live_server, browser: Browser,
                                            screenshots: Path) -> None:
    slug = f"fruit-{uuid.uuid4().hex[:6]}"
    made = _shop(live_server, slug)
    shop = live_server.shop_url(slug)

    tablet = browser.new_context(**TABLET)
    page = tablet.new_page()
    page.goto(shop + "/console/login")
    page.get_by_label("邮箱").fill(made["email"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(shop + "/console/categories")
    names = page.locator(".category-admin-name")
    expect(names).to_have_text(["水果", "苹果", "蔬菜", "粮油"])
    grain = page.locator(".category-admin-row").filter(
        has=page.locator(".category-admin-name", has_text="粮油"))
    grain.get_by_role("button", name="上移").click()  # 粮油 passes 蔬菜
    expect(names).to_have_text(["水果", "苹果", "粮油", "蔬菜"])
    page.screenshot(path=str(screenshots / "store-ops-tablet-categories.png"), full_page=True)
    tablet.close()

    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(shop + f"/products/{made['product']}")
    video = page.locator(".gallery-main video")
    expect(video).to_be_visible()
    expect(video).to_have_attribute("playsinline", "")
    page.locator("[data-gallery-thumb]").first.click()  # a picture hides the video
    expect(video).to_be_hidden()
    page.locator("[data-gallery-show-video]").click()
    expect(video).to_be_visible()
    expect(page.locator("[data-service-contact] a")).to_have_attribute("href", "tel:4008208820")
    page.screenshot(path=str(screenshots / "store-ops-phone-product-video.png"), full_page=True)
    phone.close()

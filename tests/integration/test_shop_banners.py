"""Home-page banners (首页轮播, issue 21): set on the console's Settings page — a picture and
a product or category to lead to, up to five, refused in Chinese under the banner that is
wrong — and given to the mini-program by `GET /api/v1/shop`, this shop's only."""

from __future__ import annotations

import io
import re

from PIL import Image

from galleria.testing import console_browser


def _png(color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (750, 320), color).save(out, "PNG")
    return out.getvalue()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _post(console, data: dict[str, str], files: dict[str, bytes]):
    token = await console.csrf("/console/settings")
    return await console.http.post(
        "/console/settings/banners", data={"_csrf_token": token, **data},
        files={name: (f"{name}.png", body, "image/png") for name, body in files.items()})


async def test_banners_set_in_the_console_reach_the_mini_program(app, open_shop):
    shop, other = await open_shop(), await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "对开门冰箱", "variants": [{"sku": "FR-1", "price": 329900, "stock": 2}]})
    assert made.status_code == 201, made.text
    product_id = made.json()["id"]
    assert (await shop.post("/api/admin/v1/categories",
                            json={"slug": "big", "name": "大家电"})).status_code == 201
    assert (await shop.get("/api/v1/shop", admin=False)).json()["banners"] == []

    console = await console_browser(app, shop)
    try:
        page = _text((await console.get("/console/settings")).text)
        assert "首页轮播图" in page and "对开门冰箱" in page and "大家电" in page

        # A picture that leads nowhere, and a link without a picture: each said where it is.
        wrong = await _post(console, {"link_1": f"product:{product_id}"},
                            {"image_0": _png()})
        assert wrong.status_code == 422
        words = _text(wrong.text)
        assert "请选择这张轮播图点开后进入的商品或分类。" in words
        assert "请为这张轮播图上传图片。" in words
        assert (await shop.get("/api/v1/shop", admin=False)).json()["banners"] == []

        saved = await _post(console, {"link_0": f"product:{product_id}",
                                      "link_1": "category:big"},
                            {"image_0": _png("red"), "image_1": _png("blue")})
        assert saved.status_code == 303, saved.text
        assert "已保存" in (await console.get(saved.headers["location"])).text

        info = (await shop.get("/api/v1/shop", admin=False)).json()
        assert [b["link"] for b in info["banners"]] == [
            {"type": "product", "product_id": product_id, "category": None},
            {"type": "category", "product_id": None, "category": "big"}]
        picture = await shop.client.get(info["banners"][0]["image_url"],
                                        headers={"host": shop.host})
        assert picture.status_code == 200 and picture.headers["content-type"].startswith(
            "image/")
        assert (await other.get("/api/v1/shop", admin=False)).json()["banners"] == []

        # Removing the first keeps the second; a product gone later drops out for shoppers.
        page = (await console.get("/console/settings")).text
        keys = re.findall(r'name="key_(\d)" value="([^"]+)"', page)
        assert len(keys) == 2
        kept = await _post(console, {f"key_{i}": key for i, key in keys} | {
            "remove_0": "1", "link_0": f"product:{product_id}", "link_1": "category:big"}, {})
        assert kept.status_code == 303, kept.text
        links = [b["link"]["type"] for b in
                 (await shop.get("/api/v1/shop", admin=False)).json()["banners"]]
        assert links == ["category"]
    finally:
        await console.close()


async def test_a_banner_for_a_deleted_product_is_not_shown(app, open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "电饭煲", "variants": [{"sku": "RC-1", "price": 29900, "stock": 2}]})
    product_id = made.json()["id"]
    console = await console_browser(app, shop)
    try:
        saved = await _post(console, {"link_0": f"product:{product_id}"}, {"image_0": _png()})
        assert saved.status_code == 303, saved.text
        assert len((await shop.get("/api/v1/shop", admin=False)).json()["banners"]) == 1
        assert (await shop.delete(f"/api/admin/v1/products/{product_id}")).status_code == 204
        assert (await shop.get("/api/v1/shop", admin=False)).json()["banners"] == []
    finally:
        await console.close()

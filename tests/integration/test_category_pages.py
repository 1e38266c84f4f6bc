"""The console's category pages (issue 20 item 6): a merchant builds the tree, orders it
with up/down, renames and moves categories, gives one a picture that the storefront shows,
and is told in Chinese why a category with products or subcategories cannot be deleted."""

from __future__ import annotations

import io
import re

from PIL import Image

from galleria.kernel import db
from galleria.kernel.catalog.service import category_tree, list_categories
from galleria.testing import console_browser


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 60), "orange").save(out, "PNG")
    return out.getvalue()


async def _tree(shop) -> list[tuple[str, list[str]]]:
    await shop.shop()
    async with db.shop_scope(shop.id):
        return [(c["name"], [k["name"] for k in c["children"]])
                for c in await category_tree(shop.id)]


async def _id(shop, name: str) -> int:
    async with db.shop_scope(shop.id):
        return next(c["id"] for c in await list_categories(shop.id) if c["name"] == name)


async def test_a_merchant_builds_orders_and_prunes_the_category_tree(app, open_shop):
    shop = await open_shop()
    browser = await console_browser(app, shop)
    try:
        page = "/console/categories"
        for name, parent in (("水果", ""), ("蔬菜", ""), ("粮油", "")):
            added = await browser.submit(page, f"{page}/new", {"name": name, "parent": parent})
            assert added.status_code == 303, added.text
        fruit = await _id(shop, "水果")
        slug = next(c["slug"] for c in await _flat(shop) if c["id"] == fruit)
        added = await browser.submit(page, f"{page}/new", {"name": "苹果", "parent": slug})
        assert added.status_code == 303
        assert await _tree(shop) == [("水果", ["苹果"]), ("蔬菜", []), ("粮油", [])]

        # 粮油 up once: it passes 蔬菜; 水果 down once: it goes last.
        grain, veg = await _id(shop, "粮油"), await _id(shop, "蔬菜")
        await browser.submit(page, f"{page}/{grain}/move", {"to": "up"})
        await browser.submit(page, f"{page}/{fruit}/move", {"to": "down"})
        assert [name for name, _ in await _tree(shop)] == ["粮油", "水果", "蔬菜"]

        listing = await browser.get(page)
        assert listing.status_code == 200
        words = _text(listing.text)
        assert "新增分类" in words and "上移" in listing.text and "苹果" in words

        # Rename 蔬菜 and move it under 水果; moving 水果 under its own child is refused.
        renamed = await browser.submit(page, f"{page}/{veg}", {
            "name": "时令蔬菜", "parent": slug, "slug": ""})
        assert renamed.status_code == 303
        assert await _tree(shop) == [("粮油", []), ("水果", ["苹果", "时令蔬菜"])]
        veg_slug = next(c["slug"] for c in await _flat(shop) if c["id"] == veg)
        cycle = await browser.submit(page, f"{page}/{fruit}", {"name": "水果",
                                                              "parent": veg_slug})
        assert cycle.status_code == 422
        assert "分类不能移到它自己或它的子分类下面" in _text(cycle.text)

        # A picture: shown in the console and on the storefront's category page.
        token = await browser.csrf(page)
        uploaded = await browser.http.post(f"{page}/{fruit}/picture", data={
            "_csrf_token": token}, files={"picture": ("fruit.png", _png(), "image/png")})
        assert uploaded.status_code == 303, uploaded.text
        picture = next(c["image_url"] for c in await _flat(shop) if c["id"] == fruit)
        assert picture.endswith(".jpg")
        assert picture in (await browser.get(page)).text
        assert picture in (await browser.get("/categories")).text
        not_a_picture = await browser.http.post(f"{page}/{fruit}/picture", data={
            "_csrf_token": token}, files={"picture": ("a.png", b"not a picture", "image/png")})
        assert not_a_picture.status_code == 422
        assert "请选择不超过 8 MB 的 JPEG、PNG 或 WebP 图片" in _text(not_a_picture.text)

        # Deleting 水果 (two subcategories) is refused and says why; empty 粮油 goes.
        product = await shop.post("/api/admin/v1/products", json={
            "name": "红富士", "category": slug,
            "variants": [{"sku": "APPLE-1", "price": 1290}]})
        assert product.status_code == 201, product.text
        refused = await browser.submit(page, f"{page}/{fruit}/delete", {})
        assert refused.status_code == 409
        assert "“水果”下还有 1 件商品和 2 个子分类" in _text(refused.text)
        assert (await browser.submit(page, f"{page}/{grain}/delete", {})).status_code == 303
        assert [name for name, _ in await _tree(shop)] == ["水果"]
    finally:
        await browser.close()


async def _flat(shop) -> list[dict]:
    async with db.shop_scope(shop.id):
        return await list_categories(shop.id)


async def test_a_category_name_is_required_and_said_so_in_chinese(app, open_shop):
    shop = await open_shop()
    browser = await console_browser(app, shop)
    try:
        answer = await browser.submit("/console/categories", "/console/categories/new",
                                      {"name": "  ", "parent": ""})
        assert answer.status_code == 422
        assert "请填写分类名称" in _text(answer.text)
        assert await _tree(shop) == []
    finally:
        await browser.close()

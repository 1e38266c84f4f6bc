"""The console's product editor and stock pages, and the storefront's variant picker,
through the ASGI app as a signed-in shop owner."""

from __future__ import annotations

import datetime as dt
import io
import re

import httpx
import pytest
from PIL import Image

from galleria.kernel import db
from galleria.kernel.catalog.service import create_category, get_product
from galleria.kernel.inventory.service import ledger, receive
from galleria.kernel.tenancy.shops import get_shop
from galleria.web.pages.console.catalog import parse_barcodes, parse_options, yuan_to_fen

PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Visitor:
    """A browser on one host (as in test_pages.py): its own cookies, HTML, a language."""

    def __init__(self, app, host: str, language: str) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}",
            headers={"accept": "text/html,application/xhtml+xml", "accept-language": language})

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(path, **kwargs)


@pytest.fixture
async def visitors(app, client):
    opened: list[Visitor] = []

    def make(host: str = "localhost", language: str = "en-US,en;q=0.9") -> Visitor:
        opened.append(Visitor(app, host, language))
        return opened[-1]

    yield make
    for visitor in opened:
        await visitor.http.aclose()


async def sign_in_console(visitor: Visitor, email: str) -> httpx.Response:
    page = await visitor.get("/console/login")
    csrf = CSRF_RE.search(page.text).group(1)
    return await visitor.http.post("/console/login", data={
        "_csrf_token": csrf, "email": email, "password": PASSWORD, "next": "/console/"})


async def shop_id(slug: str) -> int:
    shop = await get_shop(slug)
    assert shop is not None
    return shop.id


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def png(color: str = "red", size: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), color).save(out, "PNG")
    return out.getvalue()


async def owner(visitors, open_shop, language: str = "en-US,en;q=0.9"):
    shop = await open_shop()
    browser = visitors(shop.host, language=language)
    signed = await sign_in_console(browser, shop.email)
    assert signed.status_code == 303
    return shop, browser


async def token(browser, path: str) -> str:
    page = await browser.get(path)
    assert page.status_code == 200, page.text
    return CSRF_RE.search(page.text).group(1)


def product_form(**extra: str) -> dict[str, str]:
    return {"name": "测试牛奶", "description": "Fresh milk 鲜牛奶", "status": "published",
            "category": "", "attr_key": "产地", "attr_value": "内蒙古",
            "v-0-options": "颜色=白; 容量=1L", "v-0-sku": "MILK-1L", "v-0-price": "12.50",
            "v-0-stock": "5", "v-0-weight": "1030", "v-0-shelf": "B-10",
            "v-0-barcodes": "6901000000011, 6901000000028*24",
            "v-0-active": "on",
            "v-1-options": "颜色=白; 容量=250ml", "v-1-sku": "MILK-250", "v-1-price": "3.9",
            "v-1-stock": "0", "v-1-weight": "", "v-1-barcodes": "", "v-1-active": "on",
            **extra}


def test_form_parsing_is_exact():
    assert yuan_to_fen("12.50") == 1250
    assert yuan_to_fen("0.1") == 10
    assert yuan_to_fen("¥1,299.99") == 129999
    assert yuan_to_fen("19.99") == 1999  # 19.99 * 100 is 1998.9999… as a float
    for bad in ("12.345", "abc", "-1", "", "NaN"):
        with pytest.raises(ValueError):
            yuan_to_fen(bad)
    assert parse_options("颜色=白；尺寸:L") == {"颜色": "白", "尺寸": "L"}
    assert parse_barcodes("111, 222*24\n333") == [("111", 1), ("222", 24), ("333", 1)]
    with pytest.raises(ValueError):
        parse_barcodes("222*x")


async def test_create_edit_publish_and_delete_a_product(visitors, open_shop):
    shop, browser = await owner(visitors, open_shop)
    tenant = await shop_id(shop.slug)
    async with db.shop_scope(tenant):
        await create_category(tenant, "dairy", "乳品")
    new = await browser.get("/console/products/new")
    assert new.status_code == 200
    assert 'name="v-0-price"' in new.text and 'enctype="multipart/form-data"' in new.text
    assert "乳品" in new.text

    csrf = await token(browser, "/console/products/new")
    created = await browser.http.post(
        "/console/products/new",
        data={"_csrf_token": csrf, **product_form(category="dairy")},
        files=[("images", ("a.png", png("red"), "image/png")),
               ("images", ("b.png", png("blue"), "image/png"))])
    assert created.status_code == 303, created.text
    product_id = int(re.search(r"/console/products/(\d+)", created.headers["location"])[1])
    async with db.shop_scope(tenant):
        product = await get_product(tenant, product_id)
    assert product["category"]["slug"] == "dairy"
    assert product["attributes"] == {"产地": "内蒙古"}
    assert [v["price"] for v in product["variants"]] == [1250, 390]
    assert product["variants"][0]["options"] == {"颜色": "白", "容量": "1L"}
    assert [v["shelf_location"] for v in product["variants"]] == ["B-10", ""]  # 库位
    assert product["variants"][0]["stock"]["on_hand"] == 5
    assert product["variants"][0]["weight_grams"] == 1030
    assert product["variants"][0]["barcodes"] == [{"code": "6901000000011", "units": 1},
                                                  {"code": "6901000000028", "units": 24}]
    assert len(product["images"]) == 2

    edit = await browser.get(f"/console/products/{product_id}?saved=created")
    assert "Product created." in edit.text
    assert 'value="12.50"' in edit.text and "6901000000028*24" in edit.text
    assert edit.text.count('class="picture-grid"') >= 1 and "delete_image" in edit.text

    # Change a price, add a variant, remove a picture.
    image_id = product["image_details"][0]["id"]
    csrf = CSRF_RE.search(edit.text).group(1)
    v0, v1 = product["variants"]
    form = {"_csrf_token": csrf, **product_form(), "v-0-id": str(v0["id"]),
            "v-1-id": str(v1["id"]), "v-0-price": "13", "v-2-sku": "MILK-2L",
            "v-2-options": "颜色=白; 容量=2L", "v-2-price": "22.00", "v-2-stock": "3",
            "v-2-active": "on", "delete_image": str(image_id)}
    saved = await browser.http.post(f"/console/products/{product_id}", data=form)
    assert saved.status_code == 303, saved.text
    async with db.shop_scope(tenant):
        product = await get_product(tenant, product_id)
    assert [v["price"] for v in product["variants"]] == [1300, 390, 2200]
    assert product["variants"][2]["stock"]["on_hand"] == 3
    assert len(product["images"]) == 1

    csrf = await token(browser, f"/console/products/{product_id}")
    draft = await browser.http.post(f"/console/products/{product_id}/status",
                                    data={"_csrf_token": csrf, "status": "draft"})
    assert draft.status_code == 303
    assert (await visitors(shop.host).get(f"/products/{product_id}")).status_code == 404

    deleted = await browser.http.post(f"/console/products/{product_id}/delete",
                                      data={"_csrf_token": csrf})
    assert deleted.status_code == 303
    assert (await browser.get(f"/console/products/{product_id}")).status_code == 404


async def test_editor_shows_errors_inline_and_keeps_values(visitors, open_shop):
    _shop, browser = await owner(visitors, open_shop, language="zh-CN")
    csrf = await token(browser, "/console/products/new")
    bad = await browser.http.post("/console/products/new", data={
        "_csrf_token": csrf, **product_form(name="", **{"v-0-price": "12.345",
                                                         "v-1-sku": "X" * 70})})
    assert bad.status_code == 422
    html = bad.text
    assert 'id="f-v-0-price-error"' in html and "最多两位小数" in html
    assert 'value="12.345"' in html and 'value="颜色=白; 容量=1L"' in html
    # The price is fixed; now the service's own checks speak, at the right inputs.
    again = await browser.http.post("/console/products/new", data={
        "_csrf_token": CSRF_RE.search(html).group(1),
        **product_form(name="", **{"v-1-sku": "X" * 70})})
    assert again.status_code == 422
    assert 'id="f-name-error"' in again.text and 'id="f-v-1-sku-error"' in again.text
    assert "内蒙古" in again.text


async def test_inventory_pages_receive_count_and_alert(visitors, open_shop):
    shop, browser = await owner(visitors, open_shop)
    tenant = await shop_id(shop.slug)
    csrf = await token(browser, "/console/products/new")
    created = await browser.http.post("/console/products/new",
                                      data={"_csrf_token": csrf, **product_form()})
    product_id = int(created.headers["location"].split("/")[-1].split("?")[0])
    async with db.shop_scope(tenant):
        milk_1l, milk_250 = (await get_product(tenant, product_id))["variants"]

    levels = await browser.get("/console/inventory")
    assert levels.status_code == 200
    assert "MILK-1L" in levels.text and "autofocus" in levels.text
    assert re.search(rf'<tr class="is-low[^"]*" id="stock-{milk_250["id"]}"', levels.text)

    # A case barcode scanned once adds 24.
    csrf = CSRF_RE.search(levels.text).group(1)
    scanned = await browser.http.post("/console/inventory/receive", data={
        "_csrf_token": csrf, "barcode": "6901000000028", "count": "1",
        "lot_code": "L1", "expires_on": "2020-01-01"})
    assert scanned.status_code == 303
    after = await browser.get(scanned.headers["location"])
    assert "+24" in text_of(after.text) and "MILK-1L" in after.text

    unknown = await browser.http.post("/console/inventory/receive", data={
        "_csrf_token": csrf, "barcode": "000", "count": "1"})
    assert unknown.status_code == 422
    assert 'id="f-barcode-error"' in unknown.text and 'value="000"' in unknown.text

    safety = await browser.http.post(f"/console/inventory/{milk_1l['id']}/safety",
                                     data={"_csrf_token": csrf, "safety_stock": "40"})
    assert safety.status_code == 303

    ledger_page = await browser.get(f"/console/inventory/{milk_1l['id']}")
    assert ledger_page.status_code == 200
    assert "scanned 6901000000028" in ledger_page.text and shop.email in ledger_page.text

    csrf = CSRF_RE.search(ledger_page.text).group(1)
    no_reason = await browser.http.post(f"/console/inventory/{milk_1l['id']}/adjust",
                                        data={"_csrf_token": csrf, "counted": "0"})
    assert no_reason.status_code == 422 and 'id="f-a-reason-error"' in no_reason.text
    counted = await browser.http.post(f"/console/inventory/{milk_1l['id']}/adjust", data={
        "_csrf_token": csrf, "counted": "2", "reason": "盘点"})
    assert counted.status_code == 303
    async with db.shop_scope(tenant):
        moves = await ledger(tenant, milk_1l["id"])
        await receive(tenant, milk_250["id"], 1, expires_on=dt.date.today())
    assert moves[0]["kind"] == "adjust" and moves[0]["actor"].startswith("user:")

    alerts = await browser.get("/console/inventory/alerts?days=30")
    assert alerts.status_code == 200
    text = text_of(alerts.text)
    assert "MILK-1L" in text and "Expired" in text and "L1" in text


async def test_storefront_picker_marks_sold_out_values(visitors, open_shop):
    shop, browser = await owner(visitors, open_shop)
    csrf = await token(browser, "/console/products/new")
    created = await browser.http.post("/console/products/new", data={
        "_csrf_token": csrf, **product_form()},
        files=[("images", ("a.png", png("red"), "image/png")),
               ("images", ("b.png", png("green"), "image/png"))])
    product_id = int(created.headers["location"].split("/")[-1].split("?")[0])
    shopper = visitors(shop.host, language="zh-CN")
    found = await shopper.get("/", params={"q": "牛奶"})
    assert f"/products/{product_id}" in found.text
    page = await shopper.get(f"/products/{product_id}")
    html = page.text
    assert "data-variant-choice" in html and "data-gallery-thumb" in html
    assert re.search(r'<input type="radio" name="variant_id"[^>]*disabled[^>]*>\s*'
                     r'<span>[^<]*250ml <small>该规格已售罄', html)
    assert not re.search(r'disabled[^>]*>\s*<span>[^<]*1L', html)
    assert "¥12.50" in html and "内蒙古" in html


async def test_product_description_is_markdown_without_raw_html(open_shop, client):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "Markdown tea", "description": "**Fresh** leaves\n\n- one\n- two\n\n"
                                               "<script>alert(1)</script>",
        "variants": [{"sku": "MD-1", "price": 100, "stock": 1}]})
    page = await client.get(f"/products/{created.json()['id']}",
                            headers={"host": shop.host, "accept": "text/html"})
    assert "<strong>Fresh</strong>" in page.text and "<li>two</li>" in page.text
    assert "<script>alert(1)</script>" not in page.text

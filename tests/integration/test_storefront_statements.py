"""The storefront's reads send few statements, however many products a page shows (issue
14): a listing of 24 products is the host's shop and one statement for the page with all
its availability and pictures; a product is the host's shop, the product with its category
and pictures, its variants with their stock and barcodes, and the shop's enabled plugins
(whose promoters answer its `promotions`). No statement per product (N+1). Counted at the
ORM's engine: BEGIN, the shop setting and COMMIT come on top."""

from __future__ import annotations

import pytest

from conftest import on_postgres
from galleria.kernel import db


@pytest.fixture
def statements(monkeypatch):
    """The statements the app sends through piccolo from now on (their SQL)."""
    sent: list[str] = []
    engine_class = type(db.database().engine)
    original = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        sent.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return sent


async def _catalog(shop, count: int) -> list[int]:
    made = []
    for i in range(count):
        answer = await shop.post("/api/admin/v1/products", json={
            "name": f"有机牛奶 {i}", "status": "published", "attributes": {"产地": "内蒙古"},
            "variants": [{"sku": f"MILK-{i}", "price": 1290 + i, "stock": 5 + i},
                         {"sku": f"MILK-{i}-B", "price": 2290 + i, "stock": 0}]})
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    return made


async def test_a_listing_of_24_products_takes_two_statements(open_shop, statements):
    shop = await open_shop()
    await _catalog(shop, 25)
    statements.clear()
    page = await shop.get("/api/v1/products?limit=24", admin=False)
    assert page.status_code == 200
    items = page.json()["items"]
    assert len(items) == 24
    assert len(statements) <= 2, statements
    # What the shopper sees is still right: newest first, stock of the active variants.
    assert items[0]["name"] == "有机牛奶 24" and items[0]["available"] == 5 + 24
    assert items[-1]["name"] == "有机牛奶 1" and items[-1]["price_from"] == 1291

    statements.clear()
    found = await shop.get("/api/v1/products?q=牛奶&limit=24", admin=False)
    assert len(found.json()["items"]) == 24
    assert len(statements) <= 2, statements


async def test_a_product_takes_four_statements_whatever_its_variants(open_shop, statements):
    shop = await open_shop()
    product_id = (await _catalog(shop, 1))[0]
    statements.clear()
    answer = await shop.get(f"/api/v1/products/{product_id}", admin=False)
    assert answer.status_code == 200
    product = answer.json()
    assert len(statements) <= 4, statements
    assert sum("plugin_state" in sql for sql in statements) == 1, statements
    assert product["promotions"] == []  # no plugin of this shop promises anything
    assert [(v["sku"], v["available"]) for v in product["variants"]] == [
        ("MILK-0", 5), ("MILK-0-B", 0)]
    assert product["attributes"] == {"产地": "内蒙古"}


async def test_the_product_page_reads_the_enabled_plugins_once(open_shop, statements):
    """The page's promoters and plugin links join its one transaction of reads (they
    opened one each, to read the same enabled plugins)."""
    shop = await open_shop()
    product_id = (await _catalog(shop, 1))[0]
    statements.clear()
    answer = await shop.get(f"/products/{product_id}", admin=False,
                            headers={"accept-language": "zh-CN"})
    assert answer.status_code == 200 and "有机牛奶 0" in answer.text
    assert sum("plugin_state" in sql for sql in statements) == 1, statements


# A whole listing request's round trips at the database drivers (BEGIN and COMMIT included):
# the host's shop, BEGIN with the shop's row-level-security setting (one message on
# PostgreSQL: they were two), the page with its summaries (they were two), COMMIT.
# (SQLite's count has the driver's commit after the host's read on top: no round trip, the
# database is in process.)
LISTING_ROUND_TRIPS = {"postgres": 4, "sqlite": 5}


async def test_a_listing_request_sends_begin_and_the_shop_setting_at_once(
        open_shop, driver_statements):
    shop = await open_shop()
    await _catalog(shop, 3)
    await shop.get("/api/v1/products?limit=24", admin=False)  # the shop cached
    driver_statements.clear()
    page = await shop.get("/api/v1/products?limit=24", admin=False)
    assert page.status_code == 200 and len(page.json()["items"]) == 3
    most = LISTING_ROUND_TRIPS["postgres" if on_postgres() else "sqlite"]
    assert len(driver_statements) <= most, "\n".join(driver_statements)
    if on_postgres():
        assert driver_statements[1].startswith("BEGIN; SELECT set_config('galleria.tenant'"), \
            driver_statements


def _png(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


async def test_a_products_pictures_and_barcodes_come_with_it_in_order(open_shop, statements):
    """Pictures and barcodes are read with the product and with its variants (one row per
    picture, per barcode): the same statements with several of each, each in its order."""
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "纯牛奶", "status": "published", "variants": [
            {"sku": "A", "price": 100, "stock": 3,
             "barcodes": [{"code": "6907992500133"}, {"code": "16907992500130", "units": 24}]},
            {"sku": "B", "price": 200, "stock": 0},
            {"sku": "C", "price": 300, "stock": 1, "barcodes": [{"code": "6907992500140"}]}]})
    assert made.status_code == 201, made.text
    product_id = made.json()["id"]
    bare = (await _catalog(shop, 1))[0]
    for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200)):
        uploaded = await shop.post(f"/api/admin/v1/products/{product_id}/images",
                                   files={"file": ("p.png", _png(colour), "image/png")})
        assert uploaded.status_code == 201, uploaded.text
    await shop.get(f"/api/v1/products/{bare}", admin=False)
    statements.clear()
    await shop.get(f"/api/v1/products/{bare}", admin=False)
    without = len(statements)
    statements.clear()
    answer = await shop.get(f"/api/v1/products/{product_id}", admin=False)
    assert answer.status_code == 200
    assert len(statements) == without, statements
    pictures = answer.json()["images"]
    assert len(pictures) == 3 and len(set(pictures)) == 3
    assert [(v["sku"], v["available"]) for v in answer.json()["variants"]] == [
        ("A", 3), ("B", 0), ("C", 1)]
    full = (await shop.get(f"/api/admin/v1/products/{product_id}")).json()
    assert [i["url"] for i in full["image_details"]] == pictures
    assert [i["position"] for i in full["image_details"]] == sorted(
        i["position"] for i in full["image_details"])
    assert [[(b["code"], b["units"]) for b in v["barcodes"]] for v in full["variants"]] == [
        [("6907992500133", 1), ("16907992500130", 24)], [], [("6907992500140", 1)]]


async def test_a_new_visitors_product_page_is_one_transaction(open_shop, app,
                                                              driver_statements):
    """The visit of a browser not counted today is written by the page's own transaction,
    as its last statement before COMMIT (it was a second transaction); a counted browser
    writes nothing; the report counts each browser once."""
    import httpx

    shop = await open_shop()
    product_id = (await _catalog(shop, 1))[0]
    browsers = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                  base_url=f"http://{shop.host}") for _ in range(2)]
    async with browsers[0] as first, browsers[1] as second:
        assert (await first.get(f"/products/{product_id}")).status_code == 200  # warm
        driver_statements.clear()
        answer = await second.get(f"/products/{product_id}")
        assert answer.status_code == 200 and "gv" in answer.cookies
        sent = list(driver_statements)
        assert sum(sql.startswith("BEGIN") for sql in sent) == 1, "\n".join(sent)
        assert "report_shop_day" in sent[-2] and sent[-1] == "COMMIT", "\n".join(sent)
        driver_statements.clear()
        assert (await second.get(f"/products/{product_id}")).status_code == 200
        assert not any("report_shop_day" in sql for sql in driver_statements)
        assert (await first.get("/")).status_code == 200  # counted already today
        assert (await shop.get(f"/products/{product_id + 999}", admin=False)
                ).status_code == 404  # a page that fails counts nothing
    today = (await shop.get("/api/admin/v1/reports/overview", params={"range": "today"})).json()
    assert today["totals"]["visitors"] == 2

"""The storefront's reads send few statements, however many products a page shows (issue
14): a listing of 24 products is the host's shop and one statement for the page with all
its availability and pictures; a product is the host's shop, the product with its category,
its pictures, its variants with their stock, their barcodes, and the shop's enabled plugins
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


async def test_a_product_takes_six_statements_whatever_its_variants(open_shop, statements):
    shop = await open_shop()
    product_id = (await _catalog(shop, 1))[0]
    statements.clear()
    answer = await shop.get(f"/api/v1/products/{product_id}", admin=False)
    assert answer.status_code == 200
    product = answer.json()
    assert len(statements) <= 6, statements
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

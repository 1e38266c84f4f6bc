"""A product's listed price is one a shopper can buy at (issue 13, item 9): a sold-out
cheaper size does not make the card say "¥38.00" for a tea sold at ¥168.00 only; the
merchant's list keeps the lowest price of all; a product sold out in every size shows its
lowest price."""

from __future__ import annotations


async def test_the_card_price_is_the_lowest_price_in_stock(open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "西湖龙井", "status": "published", "variants": [
            {"sku": "LJ-50", "price": 3800, "stock": 0, "options": {"规格": "50g"}},
            {"sku": "LJ-250", "price": 16800, "stock": 4, "options": {"规格": "250g"}},
            {"sku": "LJ-500", "price": 29800, "stock": 2, "options": {"规格": "500g"}}]})
    assert made.status_code == 201, made.text
    gone = await shop.post("/api/admin/v1/products", json={
        "name": "碧螺春", "status": "published",
        "variants": [{"sku": "BLC-50", "price": 4200, "stock": 0}]})
    assert gone.status_code == 201, gone.text

    listed = {p["name"]: p for p in (await shop.get("/api/v1/products", admin=False)
                                     ).json()["items"]}
    assert listed["西湖龙井"]["price_from"] == 16800
    assert listed["碧螺春"]["price_from"] == 4200 and listed["碧螺春"]["available"] == 0
    merchant = {p["name"]: p for p in (await shop.get("/api/admin/v1/products")
                                       ).json()["items"]}
    assert merchant["西湖龙井"]["price_from"] == 3800

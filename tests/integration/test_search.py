"""Storefront search and browse: Chinese terms of one, two and three characters, mixed text,
SKU and barcode, categories, sorting and stable cursor pages."""

import pytest

PRODUCTS = [
    {"name": "伊利纯牛奶 250ml", "category": "dairy", "attributes": {"品牌": "伊利"},
     "variants": [{"sku": "YL-MILK-250", "price": 350, "stock": 10,
                   "barcodes": [{"code": "6907992500133"}]}]},
    {"name": "蒙牛酸奶", "category": "dairy", "description": "原味 风味发酵乳",
     "variants": [{"sku": "MN-YOG", "price": 600, "stock": 0}]},
    {"name": "海信电视 65英寸", "category": "tv", "attributes": {"型号": "65E3F"},
     "variants": [{"sku": "HS-65E3F", "price": 329900, "stock": 2}]},
    {"name": "Kettle 1.7L", "category": "kitchen",
     "variants": [{"sku": "KT-17", "price": 9900, "stock": 5}]},
]


@pytest.fixture
async def shop(open_shop):
    shop = await open_shop()
    from galleria.kernel import db
    from galleria.kernel.catalog.service import create_category
    from galleria.kernel.tenancy.tables import Tenant

    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    async with db.shop_scope(tenant):
        await create_category(tenant, "food", "食品")
        await create_category(tenant, "dairy", "乳品", parent="food")
        await create_category(tenant, "tv", "电视")
        await create_category(tenant, "kitchen", "厨房")
    for product in PRODUCTS:
        response = await shop.post("/api/admin/v1/products", json=product)
        assert response.status_code == 201, response.text
    return shop


async def names(shop, query):
    response = await shop.get(f"/api/v1/products?{query}", admin=False)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.parametrize(("q", "expected"), [
    ("牛奶", {"伊利纯牛奶 250ml"}),                     # two characters
    ("奶", {"伊利纯牛奶 250ml", "蒙牛酸奶"}),          # one character
    ("纯牛奶", {"伊利纯牛奶 250ml"}),                   # three characters
    ("牛", {"伊利纯牛奶 250ml", "蒙牛酸奶"}),
    ("酸奶", {"蒙牛酸奶"}),
    ("奶牛", set()),                                   # same characters, other order
    ("250ml", {"伊利纯牛奶 250ml"}),                    # mixed text
    ("250", {"伊利纯牛奶 250ml"}),
    ("发酵", {"蒙牛酸奶"}),                              # description
    ("65e3f", {"海信电视 65英寸"}),                     # spec table
    ("YL-MILK", {"伊利纯牛奶 250ml"}),                  # SKU
    ("6907992500133", {"伊利纯牛奶 250ml"}),            # barcode
    ("电视", {"海信电视 65英寸"}),
    ("kettle", {"Kettle 1.7L"}),
    ("乳品", {"伊利纯牛奶 250ml", "蒙牛酸奶"}),          # category name
])
async def test_search(shop, q, expected):
    assert set(await names(shop, f"q={q}")) == expected


async def test_category_filter_includes_subcategories(shop):
    assert set(await names(shop, "category=food")) == {"伊利纯牛奶 250ml", "蒙牛酸奶"}
    missing = await shop.get("/api/v1/products?category=nope", admin=False)
    assert missing.status_code == 404


async def test_sorting_and_stable_pages(shop):
    assert await names(shop, "sort=price_asc") == [
        "伊利纯牛奶 250ml", "蒙牛酸奶", "Kettle 1.7L", "海信电视 65英寸"]
    assert (await names(shop, "sort=price_desc"))[0] == "海信电视 65英寸"
    seen, cursor = [], ""
    for _ in range(5):
        body = (await shop.get(f"/api/v1/products?sort=price_asc&limit=1{cursor}",
                               admin=False)).json()
        seen += [item["name"] for item in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == await names(shop, "sort=price_asc")
    bad = await shop.get("/api/v1/products?sort=cheapest", admin=False)
    assert bad.status_code == 422


async def test_sold_out_products_show_zero_available(shop):
    body = (await shop.get("/api/v1/products?q=酸奶", admin=False)).json()
    assert body["items"][0]["available"] == 0

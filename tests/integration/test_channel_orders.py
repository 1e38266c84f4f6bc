"""Orders from other channels: `POST /api/admin/v1/orders` and files from other platforms.
Each arrives once (idempotent on the channel's order id), reserves stock like a storefront
order, and then goes through the same review, picking and shipping."""

from __future__ import annotations

import io

from openpyxl import Workbook
from picking_helpers import ADDRESS, add_product, tenant_of

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import db
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.tables import Order


def channel_order(external_id: str, lines, *, paid: bool = True, **extra) -> dict:
    return {"channel": "api", "external_id": external_id,
            "lines": [{"sku": sku, "quantity": qty, **({"unit_price": price} if price else {})}
                      for sku, qty, price in lines],
            "customer": {"name": "韩梅梅", "phone": "13900139000"},
            "address": {**ADDRESS, "name": "韩梅梅", "phone": "13900139000"},
            "payment": {"status": "paid" if paid else "unpaid",
                        **({} if paid else {"method": "cod"})}, **extra}


async def relay(runtime) -> None:
    for _ in range(3):
        await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)


async def order_count(tenant_id: int) -> int:
    async with db.shop_scope(tenant_id):
        return await Order.count().where(Order.tenant == tenant_id)


async def reserved(tenant_id: int, variant_id: int) -> int:
    async with db.shop_scope(tenant_id):
        return (await inventory.get_level(tenant_id, variant_id)).reserved


async def pick_and_ship(shop, number: str, codes: list[str]) -> dict:
    """Put the order on a pick list, scan every unit, ship it; the order as it ends."""
    made = await shop.post("/api/admin/v1/pick-lists", json={"orders": [number]})
    assert made.status_code == 201, made.text
    for code in codes:
        scanned = await shop.post(f"/api/admin/v1/pick-lists/{made.json()['id']}/scans",
                                  json={"code": code, "order_number": number})
        assert scanned.status_code == 200, scanned.text
    shipped = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                              json={"carrier": "sf", "tracking_number": f"SF{number}"})
    assert shipped.status_code == 201, shipped.text
    return (await shop.get(f"/api/admin/v1/orders/{number}")).json()


async def storefront_order(shop, variant_id: int) -> str:
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": variant_id, "quantity": 1})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def test_an_api_order_arrives_once_and_ships_like_a_storefront_order(open_shop, runtime):
    shop = await open_shop()
    tea = await add_product(shop, "TEA", price=2800, barcodes=[("6902", 1)], loose=10)
    tenant_id = await tenant_of(shop)
    body = channel_order("YZ-20261205-1", [("TEA", 2, 2500)], shipping_fee=600,
                         discount_total=300)
    first = await shop.post("/api/admin/v1/orders", json=body)
    assert first.status_code == 201, first.text
    order = first.json()
    assert (order["channel"], order["external_id"]) == ("api", "YZ-20261205-1")
    # The other platform's prices and discount, kept as they were paid.
    assert (order["subtotal"], order["shipping_fee"], order["discount_total"],
            order["total"]) == (5000, 600, 300, 5300)
    assert order["status"] == "paid" and order["paid_at"] is not None
    again = await shop.post("/api/admin/v1/orders", json=body)
    assert again.status_code == 200 and again.json()["number"] == order["number"]
    changed = await shop.post("/api/admin/v1/orders",  # same id, other lines: still the first
                              json=channel_order("YZ-20261205-1", [("TEA", 5, None)]))
    assert changed.status_code == 200 and changed.json()["total"] == 5300
    assert await order_count(tenant_id) == 1
    assert await reserved(tenant_id, tea) == 2  # reserved once

    web = await storefront_order(shop, tea)
    await orders.transition(tenant_id, web, "paid", actor="test")
    await relay(runtime)  # the review: approved, for both alike
    for number in (order["number"], web):
        assert (await shop.get(f"/api/admin/v1/orders/{number}")).json()["status"] == \
            "approved"
    imported = await pick_and_ship(shop, order["number"], ["6902", "6902"])
    from_web = await pick_and_ship(shop, web, ["6902"])
    assert imported["status"] == from_web["status"] == "shipped"
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, tea)
    assert (level.on_hand, level.reserved) == (7, 0)

    listed = (await shop.get("/api/admin/v1/orders?channel=api")).json()["items"]
    assert [o["number"] for o in listed] == [order["number"]]
    web_only = (await shop.get("/api/admin/v1/orders?channel=web")).json()["items"]
    assert [o["number"] for o in web_only] == [web]
    bad = await shop.get("/api/admin/v1/orders?channel=ebay")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "channel"


async def test_an_order_short_of_stock_is_refused_naming_the_sku_and_keeps_nothing(open_shop):
    shop = await open_shop()
    tea = await add_product(shop, "TEA", loose=1)
    cup = await add_product(shop, "CUP", loose=5)
    tenant_id = await tenant_of(shop)
    refused = await shop.post("/api/admin/v1/orders",
                              json=channel_order("X-1", [("CUP", 2, None), ("TEA", 3, None)]))
    assert refused.status_code == 409, refused.text
    assert refused.json()["items"] == [{"variant_id": tea, "sku": "TEA", "requested": 3,
                                        "available": 1}]
    assert await order_count(tenant_id) == 0
    assert await reserved(tenant_id, cup) == 0
    unknown = await shop.post("/api/admin/v1/orders",
                              json=channel_order("X-2", [("NOPE", 1, None)]))
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "lines[0].sku",
                                         "message": "no variant NOPE for sale in this shop"}]
    web = await shop.post("/api/admin/v1/orders",
                          json={**channel_order("X-3", [("CUP", 1, None)]), "channel": "web"})
    assert web.status_code == 422  # only channels that are elsewhere arrive this way


async def test_the_same_external_id_in_another_shop_is_another_order(open_shop):
    first, second = await open_shop(), await open_shop()
    for shop in (first, second):
        await add_product(shop, "TEA", loose=5)
    a = await first.post("/api/admin/v1/orders", json=channel_order("SAME-1", [("TEA", 1, 0)]))
    b = await second.post("/api/admin/v1/orders", json=channel_order("SAME-1",
                                                                     [("TEA", 1, 0)]))
    assert a.status_code == b.status_code == 201
    assert (await second.get(f"/api/admin/v1/orders/{a.json()['number']}")).status_code == 404
    assert [o["external_id"] for o in (await second.get(
        "/api/admin/v1/orders?channel=api")).json()["items"]] == ["SAME-1"]


GENERIC = (
    "外部订单号,规格编码,数量,单价,收货人,手机号,省份,城市,区县,详细地址,已付款,运费,备注\n"
    "T-1001,TEA,2,28.00,王芳,13700137000,浙江省,杭州市,西湖区,文三路 1 号,是,6,\n"
    "T-1001,CUP,1,15.5,王芳,13700137000,浙江省,杭州市,西湖区,文三路 1 号,是,6,\n"
    "T-1002,TEA,30,28,赵强,13600136000,江苏省,南京市,鼓楼区,中山路 2 号,是,0,多包几层\n"
    "T-1003,TEA,1,abc,赵强,13600136000,江苏省,南京市,鼓楼区,中山路 2 号,是,0,\n"
)


async def upload(shop, name: str, data: bytes):
    return await shop.client.post("/api/admin/v1/orders/import", headers=shop.headers(),
                                  files={"file": (name, data, "application/octet-stream")})


async def test_importing_a_file_twice_creates_nothing_new(open_shop, runtime):
    shop = await open_shop()
    tea = await add_product(shop, "TEA", price=2800, loose=10)
    await add_product(shop, "CUP", price=1550, loose=10)
    tenant_id = await tenant_of(shop)
    report = await upload(shop, "orders.csv", GENERIC.encode())
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["format"], body["created"], body["refused"], body["invalid"]) == (
        "generic", 1, 1, 1)
    outcomes = {o["external_id"]: o for o in body["orders"]}
    assert outcomes["T-1001"]["rows"] == [2, 3] and outcomes["T-1001"]["outcome"] == "created"
    assert outcomes["T-1002"]["outcome"] == "refused"
    assert outcomes["T-1002"]["items"][0]["sku"] == "TEA"
    assert outcomes["T-1002"]["items"][0]["available"] == 8
    assert "unit price" in outcomes["T-1003"]["message"]
    assert (outcomes["T-1003"]["column"], outcomes["T-1003"]["value"]) == ("unit_price", "abc")
    number = outcomes["T-1001"]["number"]
    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert (order["channel"], order["total"], order["status"]) == ("import", 7750, "paid")

    again = (await upload(shop, "orders.csv", GENERIC.encode())).json()
    assert (again["created"], again["existing"]) == (0, 1)
    assert await order_count(tenant_id) == 1
    assert await reserved(tenant_id, tea) == 2
    await relay(runtime)
    assert (await shop.get(f"/api/admin/v1/orders/{number}")).json()["status"] == "approved"


def youzan_export() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["订单号", "订单状态", "商品名称", "规格编码", "商品数量", "商品单价", "运费",
                  "订单实付金额", "收货人/提货人", "收货人手机号/提货人手机号", "收货人省份",
                  "收货人城市", "收货人地区", "详细收货地址/提货地址", "买家备注", "支付方式"])
    sheet.append(["E20261205001", "待发货", "龙井", "TEA", 1, 28, 0, 25.5, "孙丽", "13500135000",
                  "上海市", "上海市", "浦东新区", "世纪大道 100 号", "", "微信支付"])
    sheet.append(["E20261205002", "待付款", "龙井", "TEA", 1, 28, 0, 28, "孙丽", "13500135000",
                  "上海市", "上海市", "浦东新区", "世纪大道 100 号", "", ""])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


async def test_a_youzan_export_comes_in_paid_with_its_discount(open_shop):
    shop = await open_shop()
    await add_product(shop, "TEA", price=2800, loose=10)
    report = (await upload(shop, "youzan.xlsx", youzan_export())).json()
    assert (report["format"], report["created"], report["skipped"]) == ("youzan", 1, 1)
    assert (report["orders"][1]["column"], report["orders"][1]["value"]) == ("status", "待付款")
    number = report["orders"][0]["number"]
    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert (order["external_id"], order["payment_method"], order["total"],
            order["discount_total"]) == ("E20261205001", "wechat", 2550, 250)
    assert order["address"]["district"] == "浦东新区"
    missing = await upload(shop, "x.csv", "外部订单号,数量\nA,1\n".encode())
    assert missing.status_code == 422 and "sku" in missing.json()["detail"]


async def test_a_staff_entered_order_ships_like_a_storefront_order(open_shop, console,
                                                                    runtime):
    shop = await open_shop()
    enabled = await shop.client.put("/api/admin/v1/plugins/payments_offline",
                                    headers=shop.headers(), json={"enabled": True})
    assert enabled.status_code == 200, enabled.text
    tea = await add_product(shop, "TEA", price=2800, barcodes=[("6902", 1), ("6902-6", 6)],
                            loose=10)
    tenant_id = await tenant_of(shop)
    browser = await console(shop)
    started = await browser.get("/console/take-order")
    assert started.status_code == 303
    page = started.headers["location"]
    scanned = await browser.submit(page, f"{page}/scan", {"code": "6902-6"})  # a case of 6
    assert scanned.status_code == 303 and "added=TEA" in scanned.headers["location"]
    form = {"phone": "13700137000", "name": "王芳", "fulfilment": "delivery",
            "province": "浙江省", "city": "杭州市", "line1": "文三路 1 号"}
    refused = await browser.submit(page, f"{page}/place", {**form, "payment": ""})
    assert refused.status_code == 422 and "请选择顾客的付款方式" in refused.text
    placed = await browser.submit(page, f"{page}/place", {**form, "payment": "cash"})
    assert placed.status_code == 200, placed.text
    assert "已收现金，订单已付款。" in placed.text
    number = placed.text.split('data-number>')[1].split("<")[0]
    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert (order["channel"], order["status"], order["total"]) == ("staff", "paid", 16800)
    owner = await user_id_of(shop.email)
    assert order["timeline"][0]["actor"] == f"user:{owner}"
    assert await reserved(tenant_id, tea) == 6
    await relay(runtime)
    assert (await shop.get(f"/api/admin/v1/orders/{number}")).json()["status"] == "approved"
    shipped = await pick_and_ship(shop, number, ["6902-6"])
    assert shipped["status"] == "shipped"
    listed = (await shop.get("/api/admin/v1/orders?channel=staff")).json()["items"]
    assert [o["number"] for o in listed] == [number]
    console_list = await browser.get("/console/orders?channel=staff")
    assert number in console_list.text and "代客下单" in console_list.text


async def user_id_of(email: str) -> int:
    from galleria.kernel.tenancy.tables import PlatformUser

    return (await PlatformUser.select(PlatformUser.id).where(
        PlatformUser.email == email).first())["id"]


async def test_the_console_imports_a_file_and_reports_each_order_in_chinese(open_shop,
                                                                          console):
    shop = await open_shop()
    await add_product(shop, "TEA", price=2800, loose=10)
    await add_product(shop, "CUP", price=1550, loose=10)
    browser = await console(shop)
    token = await browser.csrf("/console/orders/import")
    for expected in ("导入 1 单，此前已导入 0 单", "导入 0 单，此前已导入 1 单"):
        answer = await browser.http.post(
            "/console/orders/import", data={"_csrf_token": token},
            files={"file": ("orders.csv", GENERIC.encode(), "text/csv")})
        assert answer.status_code == 200, answer.text
        assert expected in answer.text
        assert "库存不足" in answer.text and "剩 8 件，需 30 件" in answer.text
        assert "价格“abc”无法使用" in answer.text  # T-1003's unit price, in Chinese
    empty = await browser.http.post("/console/orders/import", data={"_csrf_token": token})
    assert empty.status_code == 422 and "请选择 CSV 或 Excel 文件" in empty.text


async def test_the_take_order_page_says_sold_out_and_short_stock_in_chinese(open_shop, console):
    shop = await open_shop()
    await shop.client.put("/api/admin/v1/plugins/payments_offline", headers=shop.headers(),
                          json={"enabled": True})
    await add_product(shop, "TEA", barcodes=[("6902", 1), ("6902-6", 6)], loose=2)
    browser = await console(shop)
    page = (await browser.get("/console/take-order")).headers["location"]
    case = await browser.submit(page, f"{page}/scan", {"code": "6902-6"})  # 6 of 2 left
    shown = await browser.get(case.headers["location"])
    assert "缺货: TEA" in shown.text
    unknown = await browser.submit(page, f"{page}/scan", {"code": "nothing-here"})
    assert "店内没有此条码、规格编码或名称的商品" in (
        await browser.get(unknown.headers["location"])).text
    by_name = await browser.submit(page, f"{page}/scan", {"code": "商品"})  # one product
    assert by_name.headers["location"].endswith("?added=TEA")


async def test_cash_at_the_counter_is_never_offered_to_shoppers(open_shop):
    shop = await open_shop()
    await shop.client.put("/api/admin/v1/plugins/payments_offline", headers=shop.headers(),
                          json={"enabled": True})
    tea = await add_product(shop, "TEA", loose=5)
    methods = (await shop.get("/api/v1/payment-methods", admin=False)).json()["items"]
    assert "cod" in {m["code"] for m in methods} and "cash" not in {m["code"] for m in methods}
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": tea, "quantity": 1})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "cash"})
    assert placed.status_code == 422 and placed.json()["errors"][0]["field"] == \
        "payment_method"


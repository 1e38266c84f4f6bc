"""A merchant who reads Chinese sees no codes and no English where orders are handled:
payment and shipping methods, carriers, payment and parcel states, the order history's
entries, plugin settings' help, and the order export (issue 13, items 1, 5 and 6)."""

from __future__ import annotations

import csv
import io
import json
import re

from picking_helpers import add_product, approved_order, tenant_of
from test_pages import sign_in_console, text_of, visitors  # noqa: F401

from galleria.kernel.orders import service as orders

ZH = "zh-CN,zh;q=0.9"
EXPRESS = {"settings": {"templates": json.dumps({"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 0, "additional": 1, "additional_fee": 0,
     "eta_days": [2, 4]}]}, ensure_ascii=False)}}
CODES = re.compile(r"\b(cod|express|yuantong|kuaidi100|same_city_\d|pickup_\d|placed|"
                   r"pending|shipped|in_transit|paid: |partial refund)\b")


async def _cod_order_shipped_by_yto(shop, browser) -> str:
    assert (await shop.put("/api/admin/v1/plugins/payments_offline",
                           json={"enabled": True})).status_code == 200
    assert (await shop.put("/api/admin/v1/plugins/shipping",
                           json={"enabled": True, **EXPRESS})).status_code == 200
    variant = await add_product(shop, "TEA-1", price=2630, loose=5)
    number = await approved_order(shop, [(variant, 2)], method="express")
    shipped = await browser.submit(f"/console/fulfilment/{number}",
                                   f"/console/fulfilment/{number}/ship",
                                   {"method": "express", "carrier": "yuantong",
                                    "tracking_number": "YT7788990011"})
    assert shipped.status_code in (200, 303), shipped.text
    return number


async def test_an_order_reads_in_chinese_without_codes(visitors, open_shop):  # noqa: F811
    shop = await open_shop()
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    number = await _cod_order_shipped_by_yto(shop, browser)
    tenant_id = await tenant_of(shop)
    await orders.record_refund(tenant_id, number, 350, actor="test", reason="")  # ¥3.50 back

    listing = text_of((await browser.get("/console/orders")).text)
    assert "货到付款" in listing and not CODES.search(listing), listing

    detail = text_of((await browser.get(f"/console/orders/{number}")).text)
    assert "圆通速递" in detail and "YT7788990011" in detail
    assert "部分退款 ¥3.50" in detail
    found = CODES.search(detail)
    assert found is None, detail[max(0, found.start() - 80):found.end() + 80]

    ship_page = (await browser.get(f"/console/fulfilment/{number}")).text
    assert "f-ship-carrier" not in ship_page  # everything is shipped: no ship form
    assert not CODES.search(text_of(ship_page))


async def test_the_ship_form_offers_carriers_and_only_real_methods(visitors,  # noqa: F811
                                                                   open_shop):
    shop = await open_shop()
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    assert (await shop.put("/api/admin/v1/plugins/shipping",
                           json={"enabled": True, **EXPRESS})).status_code == 200
    variant = await add_product(shop, "TEA-2", loose=5)
    number = await approved_order(shop, [(variant, 1)], method="express")
    form = (await browser.get(f"/console/fulfilment/{number}")).text
    assert "圆通速递" in form and "顺丰速运" in form and "极兔速递" in form
    assert "same_city_2" not in form and "pickup_2" not in form
    methods = (await shop.get("/api/v1/shipping-methods", admin=False)).json()["items"]
    assert [m["code"] for m in methods] == ["express"]  # no slots, no pickup points set up


async def test_the_order_export_speaks_the_merchants_language(visitors,  # noqa: F811
                                                              open_shop):
    shop = await open_shop()
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    number = await _cod_order_shipped_by_yto(shop, browser)
    answer = await browser.get("/console/orders/export.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:2] == ["订单号", "状态"] and "运单号" in header
    assert row["订单号"] == number and row["状态"] == "已发货"
    assert row["支付方式"] == "货到付款" and row["运单号"] == "YT7788990011"
    assert row["合计"] == "52.60"


async def test_plugin_settings_help_is_in_chinese(visitors, open_shop):  # noqa: F811
    shop = await open_shop()
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    page = text_of((await browser.get("/console/plugins")).text)
    assert "显示在付款页面" in page  # payments_offline's help, from its own catalog
    for english in ("Leave empty to use the platform", "The AppID bound to",
                    "Shown on the payment page", "One tier per line"):
        assert english not in page


async def test_a_refund_too_large_is_refused_under_the_amount(visitors, open_shop):  # noqa: F811
    shop = await open_shop()
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    assert (await shop.put("/api/admin/v1/plugins/payments_offline",
                           json={"enabled": True})).status_code == 200
    variant = await add_product(shop, "TEA-3", price=1315, loose=5)
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": variant, "quantity": 2})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": {"name": "李雷", "phone": "13800138000", "country": "CN",
                    "province": "浙江省", "city": "杭州市", "district": "西湖区",
                    "line1": "文三路 90 号"}, "payment_method": "cod"})
    number = placed.json()["number"]
    page = f"/console/orders/{number}"
    paid = await browser.submit(page, f"{page}/mark-paid", {"note": "现金"})
    assert paid.status_code in (200, 303), paid.text

    refused = await browser.submit(page, f"{page}/refund", {"amount": "30", "reason": "破损"})
    assert refused.status_code == 422
    amount_field = re.search(r'id="f-refund-amount-error"[^>]*>.*?</p>', refused.text, re.S)
    assert amount_field and "最多可退 ¥26.30" in amount_field.group(0)
    refunded = await browser.submit(page, f"{page}/refund", {"amount": "3.50", "reason": "破损"})
    assert refunded.status_code in (200, 303)
    assert "部分退款 ¥3.50" in text_of((await browser.get(page)).text)


async def test_the_audit_log_tells_what_happened_in_words(visitors, open_shop):  # noqa: F811
    shop = await open_shop()
    assert (await shop.put("/api/admin/v1/plugins/payments_offline",
                           json={"enabled": True})).status_code == 200
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    log = (await browser.get("/console/audit")).text
    assert "开设了店铺" in text_of(log)
    assert "启用了插件" in text_of(log) and "货到付款与银行转账" in text_of(log)
    assert not re.search(r">\s*(plugin\.enabled|shop\.created)\s*<", log)


async def test_the_review_threshold_is_typed_in_yuan(visitors, open_shop):  # noqa: F811
    shop = await open_shop()
    assert (await shop.put("/api/admin/v1/plugins/order_review",
                           json={"enabled": True})).status_code == 200
    browser = visitors(shop.host, ZH)
    await sign_in_console(browser, shop.email)
    form = (await browser.get("/console/plugins")).text
    field = re.search(r'<input[^>]*id="plugin-order_review-threshold_amount"[^>]*>',
                      form).group(0)
    assert 'value="2000.00"' in field and 'inputmode="decimal"' in field  # ¥2,000, not 200000
    assert "转人工金额（元）" in form and "直接拒绝" in form

    bad = await browser.submit("/console/plugins", "/console/plugins/order_review",
                               {"enabled": "on", "settings.threshold_amount": "99.999"})
    assert bad.status_code == 422 and "最多两位小数" in text_of(bad.text)
    saved = await browser.submit("/console/plugins", "/console/plugins/order_review",
                                 {"enabled": "on", "settings.threshold_amount": "1,500.5"})
    assert saved.status_code in (200, 303)
    api = (await shop.get("/api/admin/v1/plugins")).json()["items"]
    review = next(p for p in api if p["name"] == "order_review")
    assert review["settings"]["threshold_amount"] == 150050  # the API keeps fen
    negative = await shop.put("/api/admin/v1/plugins/order_review", json={
        "enabled": True, "settings": {"threshold_amount": -1}})
    assert negative.status_code == 422

"""The marketing cost report (issue 18): coupons, promotions, flash sales, points and gifts
against the sales they brought, per source and over time, with the previous period — from
orders and discounts the test makes (a partial refund, a cancelled order, an order paid
after midnight in Shanghai), through the kernel, the admin API, the console and the file."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import httpx
from report_story import CSRF_RE, PASSWORD, _place, _set, _shop, at

from galleria.kernel import db
from galleria.kernel.orders import service
from galleria.kernel.orders.tables import Order, OrderAdjustment, OrderLine
from galleria.kernel.reports.marketing import marketing_report
from galleria.kernel.reports.periods import Period

PERIOD = {"from": "2026-11-10", "to": "2026-11-11"}


async def _discount(tenant_id, number, source, amount, data=None):
    async with db.shop_scope(tenant_id):
        order = await Order.select(Order.id).where(
            (Order.tenant == tenant_id) & (Order.number == number)).first()
        await OrderAdjustment.insert(OrderAdjustment(
            tenant=tenant_id, order=order["id"], source=source, code=source, label=source,
            amount=amount, data=data or {}))
    return order["id"]


async def _gift_line(tenant_id, order_id, variant_id):
    async with db.shop_scope(tenant_id):
        await OrderLine.insert(OrderLine(
            tenant=tenant_id, order=order_id, variant=variant_id, sku="CUP-1", name="茶杯",
            options={}, unit_price=0, quantity=1, line_total=0))


async def _story(shop, tenant_id, tea):
    cup = await shop.post("/api/admin/v1/products", json={"name": "茶杯", "variants": [
        {"sku": "CUP-1", "price": 1500, "stock": 10, "cost_price": 600}]})
    cup_id = cup.json()["variants"][0]["id"]
    a, b, c, d, e = [await _place(shop, tea) for _ in range(5)]
    for number in (a, b, c, e):
        await service.transition(tenant_id, number, "paid", actor="test")
    await service.record_refund(tenant_id, c, 1000, actor="test", reason="破损")
    await service.cancel_order(tenant_id, d, actor="test", reason="不要了")
    await _set(tenant_id, a, created_at=at(10, 9), paid_at=at(10, 9, 5))
    await _set(tenant_id, b, created_at=at(10, 23, 30), paid_at=at(11, 0, 30))
    await _set(tenant_id, c, created_at=at(11, 12), paid_at=at(11, 12, 10))
    await _set(tenant_id, d, created_at=at(11, 15))
    await _set(tenant_id, e, created_at=at(9, 10), paid_at=at(9, 10, 5))
    await _discount(tenant_id, a, "coupon", -300, {"kind": "coupon", "coupon_id": 1})
    await _discount(tenant_id, a, "points", -100, {"points": 100})
    await _discount(tenant_id, b, "flash_sale", -500, {"flash_sale_id": 1})
    await _discount(tenant_id, c, "timed_discount", -200, {"kind": "promotion"})
    gifted = await _discount(tenant_id, c, "gift", 0, {"gift_id": 1})
    await _gift_line(tenant_id, gifted, cup_id)
    await _discount(tenant_id, d, "coupon", -300, {"kind": "coupon"})  # cancelled, unpaid
    await _discount(tenant_id, e, "coupon", -150, {"kind": "coupon"})  # the previous period


async def test_marketing_cost_against_the_sales_it_brought(open_shop):
    shop, tenant_id, tea = await _shop(open_shop)
    await _story(shop, tenant_id, tea)
    report = await marketing_report(tenant_id, "Asia/Shanghai",
                                    Period(dt.date(2026, 11, 10), dt.date(2026, 11, 11)))
    # A ¥28.50 (coupon 3, points 1); B ¥28.50 paid at 00:30 on the 11th (flash sale 5);
    # C ¥28.50 − ¥10 refunded (promotion 2, a gift cup costing ¥6).
    assert report["sources"] == [
        {"source": "gift", "cost": 600, "orders": 1, "sales": 1850, "cost_rate": 0.3243,
         "sales_per_cost": 3.0833},
        {"source": "flash_sale", "cost": 500, "orders": 1, "sales": 2850,
         "cost_rate": 0.1754, "sales_per_cost": 5.7},
        {"source": "coupon", "cost": 300, "orders": 1, "sales": 2850, "cost_rate": 0.1053,
         "sales_per_cost": 9.5},
        {"source": "promotion", "cost": 200, "orders": 1, "sales": 1850, "cost_rate": 0.1081,
         "sales_per_cost": 9.25},
        {"source": "points", "cost": 100, "orders": 1, "sales": 2850, "cost_rate": 0.0351,
         "sales_per_cost": 28.5}]
    assert report["series"] == [
        {"period": "2026-11-10", "cost": 400, "orders": 1, "sales": 2850, "cost_rate": 0.1404},
        {"period": "2026-11-11", "cost": 1300, "orders": 2, "sales": 4700, "cost_rate": 0.2766}]
    assert report["totals"] == {"cost": 1700, "orders": 3, "sales": 7550, "cost_rate": 0.2252,
                                "sales_per_cost": 4.4412, "paid_orders": 3,
                                "all_sales": 7550, "share_of_sales": 1.0}
    previous = report["previous"]
    assert (previous["cost"], previous["orders"], previous["sales"]) == (150, 1, 2850)
    assert [(s["source"], s["cost"]) for s in previous["sources"]] == [("coupon", 150)]


@contextlib.asynccontextmanager
async def _console(app, shop) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        yield browser


async def test_marketing_report_in_the_api_the_console_and_the_file(open_shop, app):
    shop, tenant_id, tea = await _shop(open_shop)
    await _story(shop, tenant_id, tea)
    answer = await shop.get("/api/admin/v1/reports/marketing", params=PERIOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["totals"]["cost"] == 1700 and body["previous"]["cost"] == 150
    assert [s["source"] for s in body["sources"]][:2] == ["gift", "flash_sale"]
    assert body["currency"] == "CNY" and len(body["series"]) == 2
    async with _console(app, shop) as browser:
        page = await browser.get("/console/reports/marketing", params=PERIOD)
        assert page.status_code == 200
        html = page.text
        assert "营销成本" in html and "¥17.00" in html and "¥75.50" in html
        assert "赠品" in html and "秒杀" in html and "优惠券" in html and "积分抵扣" in html
        assert "22.5%" in html  # the cost rate
        assert 'id="marketing-chart"' in html
        assert "flash_sale" not in html.replace('data-source="flash_sale"', "")  # no codes
        file = await browser.get("/console/reports/export", params={
            "report": "marketing", "format": "csv", **PERIOD})
        lines = file.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "营销,营销成本,支付订单数,带来的销售额,费效比,每元投入带来的销售额"
        assert lines[1:3] == ["赠品,6.00,1,18.50,0.3243,3.0833",
                              "秒杀,5.00,1,28.50,0.1754,5.7"]

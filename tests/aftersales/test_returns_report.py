"""The returns report (`GET /api/admin/v1/reports/returns`, the console's returns tab and
its files), checked against returns and cancellations the test makes through the API: a
return refunded for a quality problem, an exchange for a wrong item, a return declined,
units cancelled before shipping from a paid order; another shop sees none of them."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import httpx
import pytest
from aftersales_helpers import RecordingPayPlugin, add_products, delivered_order, paid_order
from openpyxl import load_workbook

from galleria.kernel import db
from galleria.kernel.orders.aftersales_tables import ReturnRequest
from galleria.testing import register_plugin

PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


def _returns(order):
    return f"/api/v1/orders/{order['number']}/returns?access_token={order['access_token']}"


async def _ask(shop, order, variant, kind, reason):
    asked = await shop.post(_returns(order), admin=False, json={
        "kind": kind, "reason": reason, "lines": [{"variant_id": variant, "quantity": 1}]})
    assert asked.status_code == 201, asked.text
    return asked.json()["id"]


async def _story(shop, runtime):
    """TEA ¥28.00, CUP ¥15.00. A: TEA returned for quality, refunded ¥28.00. B: CUP
    exchanged (wrong item). C: a return declined. D: paid, one CUP cancelled (缺货)."""
    products = await add_products(shop, ("TEA", 2800, 20), ("CUP", 1500, 20))
    tea, cup = products["TEA"], products["CUP"]
    tenant_id, a, _ = await delivered_order(shop, runtime, [(tea, 1)])
    rid = await _ask(shop, a, tea, "return", "quality")
    assert (await shop.post(f"/api/admin/v1/returns/{rid}/approve",
                            json={"return_address": "杭州市文三路 100 号"})).status_code == 200
    assert (await shop.post(f"/api/admin/v1/returns/{rid}/receive", json={
        "lines": [{"variant_id": tea, "quantity": 1, "restock": True}]})).status_code == 200
    refunded = await shop.post(f"/api/admin/v1/returns/{rid}/refund", json={})
    assert refunded.status_code == 200 and refunded.json()["refund_amount"] == 2800
    _, b, _ = await delivered_order(shop, runtime, [(cup, 1)])
    await _ask(shop, b, cup, "exchange", "wrong_item")
    _, c, _ = await delivered_order(shop, runtime, [(tea, 1)])
    declined = await _ask(shop, c, tea, "return", "no_reason")
    assert (await shop.post(f"/api/admin/v1/returns/{declined}/reject",
                            json={"reason": "已拆封"})).status_code == 200
    _, d = await paid_order(shop, runtime, [(cup, 2)])
    cancelled = await shop.post(f"/api/admin/v1/orders/{d['number']}/cancel-lines", json={
        "lines": [{"variant_id": cup, "quantity": 1}], "reason": "缺货"})
    assert cancelled.status_code == 200, cancelled.text
    return tenant_id, declined


def _today() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


async def test_returns_report_by_period_and_reason(open_shop, runtime, afterpay):
    shop = await open_shop()
    tenant_id, declined = await _story(shop, runtime)
    today = _today()
    answer = await shop.get("/api/admin/v1/reports/returns",
                            params={"from": today, "to": today, "group_by": "day"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["currency"] == "CNY"
    totals = report["totals"]
    assert {k: totals[k] for k in ("returns", "exchanges", "return_amount", "returned_units",
                                   "cancellations", "cancellation_amount", "cancelled_units",
                                   "amount", "rejected")} == {
        "returns": 1, "exchanges": 1, "return_amount": 2800, "returned_units": 2,
        "cancellations": 1, "cancellation_amount": 1500, "cancelled_units": 1,
        "amount": 4300, "rejected": 1}
    assert [(row["period"], row["amount"]) for row in report["series"]] == [(today, 4300)]
    assert [(r["kind"], r["reason"], r["count"], r["amount"]) for r in report["by_reason"]] == [
        ("return", "quality", 1, 2800), ("cancellation", "缺货", 1, 1500),
        ("return", "wrong_item", 1, 0)]
    assert report["previous"]["amount"] == 0

    # The declined request, moved to yesterday, counts in yesterday and as the previous
    # period of today.
    yesterday = (dt.date.fromisoformat(today) - dt.timedelta(days=1)).isoformat()
    async with db.shop_scope(tenant_id):
        await ReturnRequest.update({ReturnRequest.created_at: ReturnRequest.created_at
                                    - dt.timedelta(days=1)}).where(
            (ReturnRequest.tenant == tenant_id) & (ReturnRequest.id == declined))
    again = (await shop.get("/api/admin/v1/reports/returns",
                            params={"from": today, "to": today})).json()
    assert again["totals"]["rejected"] == 0 and again["previous"]["rejected"] == 1
    two_days = (await shop.get("/api/admin/v1/reports/returns",
                               params={"from": yesterday, "to": today})).json()
    assert [(row["period"], row["rejected"]) for row in two_days["series"]] == [
        (yesterday, 1), (today, 0)]

    bad = await shop.get("/api/admin/v1/reports/returns", params={"group_by": "year"})
    assert bad.status_code == 422 and "group_by" in bad.json()["detail"]

    # Another shop sees none of it.
    other = await open_shop()
    theirs = (await other.get("/api/admin/v1/reports/returns",
                              params={"from": yesterday, "to": today})).json()
    assert theirs["totals"]["amount"] == 0 and theirs["by_reason"] == []
    assert theirs["totals"]["rejected"] == 0


async def test_returns_page_and_files_in_chinese(open_shop, runtime, app, afterpay):
    shop = await open_shop()
    await _story(shop, runtime)
    today = _today()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        page = await browser.get("/console/reports/returns", params={"from": today, "to": today})
        assert page.status_code == 200, page.text
        html = page.text
        assert "退货与取消" in html and 'id="returns-chart"' in html
        amount = re.search(r'data-figure="amount">.*?stat-value">([^<]+)<', html, re.S).group(1)
        assert amount == "¥43.00"
        reasons = re.search(r'data-table="returns-reasons">(.*?)</table>', html, re.S).group(1)
        assert "质量问题" in reasons and "缺货" in reasons and "¥28.00" in reasons
        assert "quality" not in reasons and "wrong_item" not in reasons
        assert "Returns and cancellations" not in html

        csv = await browser.get("/console/reports/export", params={
            "report": "returns", "format": "csv", "from": today, "to": today})
        assert csv.status_code == 200
        text = csv.content.decode("utf-8-sig")
        assert text.splitlines()[0].split(",")[:2] == ["类型", "原因"]
        assert "质量问题" in text and "28.00" in text and "15.00" in text

        xlsx = await browser.get("/console/reports/export", params={
            "report": "returns", "format": "xlsx", "from": today, "to": today})
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert len(values) == 4 and values[1][2] == 1

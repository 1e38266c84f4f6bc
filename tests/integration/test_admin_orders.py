"""The merchant's order list: filters, search, the CSV export, shop isolation, and the
auto-complete of delivered orders (job and sweep)."""

import csv
import datetime as dt
import io
import re

import httpx

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.orders import jobs, service
from galleria.kernel.orders.queries import OrderFilter, created_range, decimal_text, phone_key
from galleria.kernel.orders.tables import Order, TimelineEntry
from galleria.kernel.tenancy.audit import recent
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin

ADDRESS = {"name": "韩梅梅", "phone": "139 1234 5678", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
UTC = dt.UTC


async def _shop(open_shop, stock=20):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2850, "stock": stock}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    return shop, tenant_id, created.json()["variants"][0]["id"]


async def _place(shop, variant_id, quantity=1, **extra):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": quantity})
    assert added.status_code == 200, added.text
    body = {"cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
            "payment_method": "wechat_pay", **extra}
    response = await shop.post("/api/v1/orders", admin=False, json=body)
    assert response.status_code == 201, response.text
    return response.json()["number"]


async def _set(tenant_id, number, **values):
    async with db.shop_scope(tenant_id):
        await Order.update({getattr(Order, k): v for k, v in values.items()}).where(
            (Order.tenant == tenant_id) & (Order.number == number))


async def _numbers(shop, **params):
    response = await shop.get("/api/admin/v1/orders", params=params)
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


async def test_every_filter_and_the_cursor(open_shop):
    shop, tenant_id, variant = await _shop(open_shop)
    a, b, c = [await _place(shop, variant) for _ in range(3)]
    # a: 10-28 23:30 in Shanghai; b: 10-29 00:30 there (still the 28th in UTC); c: today.
    await _set(tenant_id, a, created_at=dt.datetime(2026, 10, 28, 15, 30, tzinfo=UTC),
               payment_method="cod", customer=41)
    await _set(tenant_id, b, created_at=dt.datetime(2026, 10, 28, 16, 30, tzinfo=UTC),
               payment_method="bank_transfer", customer=42)
    await service.transition(tenant_id, c, "paid", actor="test")

    assert await _numbers(shop) == [c, b, a]
    assert await _numbers(shop, status="paid") == [c]
    assert await _numbers(shop, status="pending_payment,paid") == [c, b, a]
    assert await _numbers(shop, status=["cancelled", "paid"]) == [c]
    assert await _numbers(shop, created_from="2026-10-29", created_to="2026-10-29") == [b]
    assert await _numbers(shop, created_to="2026-10-28") == [a]
    assert await _numbers(shop, created_from="2026-10-28", created_to="2026-10-29") == [b, a]
    assert await _numbers(shop, payment_method="cod") == [a]
    assert await _numbers(shop, customer="42") == [b]
    assert await _numbers(shop, customer="42", payment_method="cod") == []
    first = (await shop.get("/api/admin/v1/orders", params={"limit": 2})).json()
    assert [i["number"] for i in first["items"]] == [c, b]
    assert first["items"][0]["contact_phone"] == "+8613800138000"
    rest = await _numbers(shop, limit=2, cursor=first["next_cursor"])
    assert rest == [a]


async def test_search_finds_an_order_by_number_or_either_phone(open_shop):
    shop, tenant_id, variant = await _shop(open_shop)
    mine = await _place(shop, variant)
    other = await _place(shop, variant, contact={"name": "王五", "phone": "13700000000"},
                         address={**ADDRESS, "phone": "13700000000"})
    assert await _numbers(shop, q=mine) == [mine]
    assert set(await _numbers(shop, q=mine[:6])) == {mine, other}  # the day's prefix
    for typed in ("13800138000", "+86 138 0013 8000", "138-0013-8000", "008613800138000",
                  "13912345678", "139 1234 5678"):
        assert await _numbers(shop, q=typed) == [mine], typed
    assert await _numbers(shop, q="13700000000") == [other]
    for nothing in ("13800000000", "李雷", "1380013800"):
        assert await _numbers(shop, q=nothing) == [], nothing
    async with db.shop_scope(tenant_id):
        row = await Order.select(Order.contact_phone, Order.address_phone).where(
            Order.number == mine).first()
    assert row == {"contact_phone": "8613800138000", "address_phone": "13912345678"}
    assert phone_key("+86 (138) 0013-8000") == "8613800138000"


async def test_csv_export_has_every_order_with_decimal_and_minor_amounts(open_shop):
    shop, tenant_id, variant = await _shop(open_shop)
    first = await _place(shop, variant, 2, note="=HYPERLINK(\"http://x\")")
    second = await _place(shop, variant, 1)
    await service.transition(tenant_id, second, "paid", actor="test")
    response = await shop.get("/api/admin/v1/orders/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["number"] for r in rows] == [second, first]
    row = rows[1]
    assert (row["status"], row["total"], row["total_minor"], row["currency"]) == (
        "pending_payment", "57.00", "5700", "CNY")
    assert (row["subtotal"], row["subtotal_minor"], row["refunded_total"]) == (
        "57.00", "5700", "0.00")
    assert row["contact_name"] == "李雷" and row["recipient"] == "韩梅梅"
    assert row["items"] == "TEA-100 龙井 x2"
    assert row["address"].startswith("浙江省 杭州市 西湖区")
    assert row["created_at"].endswith("+08:00")  # the shop's time zone
    assert row["note"].startswith("'=")  # never run as a formula
    assert row["contact_phone"] == "'+8613800138000"
    paid = await shop.get("/api/admin/v1/orders/export.csv", params={"status": "paid"})
    lines = paid.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[0].startswith("number,status,created_at")
    assert lines[1].startswith(second + ",paid,")


async def test_bad_filters_are_422_naming_the_field(open_shop):
    shop, _, _ = await _shop(open_shop)
    for params, field in (({"status": "lost"}, "status"),
                          ({"status": "paid,shipped,gone"}, "status"),
                          ({"created_from": "2026-13-01"}, "created_from"),
                          ({"created_to": "yesterday"}, "created_to"),
                          ({"created_from": "2026-11-29", "created_to": "2026-11-01"},
                           "created_to"),
                          ({"customer": "abc"}, "customer"),
                          ({"q": "1" * 65}, "q"),
                          ({"limit": "0"}, "limit")):
        for path in ("/api/admin/v1/orders", "/api/admin/v1/orders/export.csv"):
            if path.endswith(".csv") and field == "limit":
                continue
            response = await shop.get(path, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert field in [e["field"] for e in response.json()["errors"]], response.json()


async def test_another_shops_token_sees_none_of_these_orders(open_shop):
    shop, _, variant = await _shop(open_shop)
    other, _, _ = await _shop(open_shop)
    number = await _place(shop, variant)
    assert await _numbers(other) == []
    assert await _numbers(other, q="13800138000") == []
    assert await _numbers(other, q=number) == []
    exported = await other.get("/api/admin/v1/orders/export.csv")
    assert exported.content.decode("utf-8-sig").count("\n") == 1  # the header only
    assert (await other.get(f"/api/admin/v1/orders/{number}")).status_code == 404
    # This shop's token on the other shop's host is refused outright.
    foreign = await shop.client.get("/api/admin/v1/orders", headers={
        "host": other.host, "authorization": f"Bearer {shop.token}"})
    assert foreign.status_code == 401


async def _deliver(tenant_id, number):
    for to in ("paid", "approved", "fulfilling", "shipped", "delivered"):
        await service.transition(tenant_id, number, to, actor="test")


async def _complete_jobs(tenant_id):
    return await OutboxEvent.select().where(
        (OutboxEvent.tenant == tenant_id)
        & (OutboxEvent.topic == "job." + jobs.COMPLETE_JOB)).order_by(OutboxEvent.id)


async def _relay_until(runtime, done):
    for _ in range(10):
        await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)
        if await done():
            return
    raise AssertionError("the relay did not get there")


async def test_delivered_orders_complete_after_the_shops_days(open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop)
    await Tenant.update({Tenant.settings: {"auto_complete_days": 3}}).where(
        Tenant.id == tenant_id)
    number = await _place(shop, variant)
    await _deliver(tenant_id, number)

    async def scheduled():
        return bool(await _complete_jobs(tenant_id))

    await _relay_until(runtime, scheduled)  # the order.delivered listener ran
    job = (await _complete_jobs(tenant_id))[0]
    wait = job["next_attempt_at"] - dt.datetime.now(UTC)
    assert dt.timedelta(days=3) - dt.timedelta(minutes=1) < wait <= dt.timedelta(days=3)
    assert await jobs.complete_delivered_order(tenant_id, number) is False  # not yet due
    # Three days later (the order's last change moved back instead), the job runs.
    await _set(tenant_id, number, updated_at=dt.datetime.now(UTC) - dt.timedelta(days=3,
                                                                                  minutes=1))
    await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(UTC)}).where(
        OutboxEvent.id == job["id"])

    async def finished():
        row = await OutboxEvent.select(OutboxEvent.done_at).where(
            OutboxEvent.id == job["id"]).first()
        return row["done_at"] is not None

    await _relay_until(runtime, finished)
    async with db.shop_scope(tenant_id):
        row = await service.get_order(tenant_id, number)
        last = await TimelineEntry.select().where(TimelineEntry.order == row["id"]).order_by(
            TimelineEntry.id, ascending=False).first()
    assert row["status"] == "completed"
    assert (last["actor"], last["reason"]) == ("job:auto_complete",
                                               "completed 3 days after delivery")
    assert await jobs.complete_delivered_order(tenant_id, number) is False  # idempotent


async def test_the_sweep_completes_what_a_lost_job_missed(open_shop):
    shop, tenant_id, variant = await _shop(open_shop)
    lost, recent, refunded = [await _place(shop, variant) for _ in range(3)]
    for number in (lost, recent, refunded):
        await _deliver(tenant_id, number)
    await service.record_refund(tenant_id, refunded, 2850, actor="test", reason="broken")
    now = dt.datetime.now(UTC)
    await _set(tenant_id, lost, updated_at=now - dt.timedelta(days=8))
    await _set(tenant_id, recent, updated_at=now - dt.timedelta(days=6))
    assert await jobs.complete_delivered_orders() >= 1
    assert await jobs.complete_delivered_orders() == 0
    async with db.shop_scope(tenant_id):
        states = {n: (await service.get_order(tenant_id, n))["status"]
                  for n in (lost, recent, refunded)}
    assert states == {lost: "completed", recent: "delivered", refunded: "refunded"}
    # Two days later the recent one is due as well.
    assert await jobs.complete_delivered_orders(now + dt.timedelta(days=2)) >= 1
    async with db.shop_scope(tenant_id):
        assert (await service.get_order(tenant_id, recent))["status"] == "completed"


def test_created_dates_are_days_in_the_shops_time_zone():
    filters = OrderFilter(created_from=dt.date(2026, 11, 29), created_to=dt.date(2026, 11, 29))
    assert created_range(filters, "Asia/Shanghai") == (
        dt.datetime(2026, 11, 28, 16, tzinfo=UTC), dt.datetime(2026, 11, 29, 16, tzinfo=UTC))
    assert created_range(OrderFilter(), "Nowhere/Atlantis") == (None, None)


def test_amounts_are_exact_decimals_of_the_currency():
    assert [decimal_text(a, c) for a, c in ((12850, "CNY"), (5, "CNY"), (-1999, "USD"),
                                            (1200, "JPY"), (0, "EUR"))] == [
        "128.50", "0.05", "-19.99", "1200", "0.00"]


# -- the console pages -------------------------------------------------------------------------
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Browser:
    """A browser on the shop's host, signed in to the console as the owner."""

    def __init__(self, app, shop) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url=f"http://{shop.host}",
                                      headers={"accept": "text/html",
                                               "accept-language": "en-US,en;q=0.9"})

    async def sign_in(self, email: str) -> None:
        answer = await self.submit("/console/login", "/console/login", {
            "email": email, "password": "Correct-Horse-9", "next": "/console/"})
        assert answer.status_code == 303, answer.text

    async def submit(self, form_path: str, action: str, data: dict) -> httpx.Response:
        page = await self.http.get(form_path)
        token = CSRF_RE.search(page.text).group(1)
        return await self.http.post(action, data={"_csrf_token": token, **data})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_console_lists_finds_shows_and_cancels_orders(app, open_shop):
    shop, tenant_id, variant = await _shop(open_shop, stock=5)
    number = await _place(shop, variant, 2, note="请下午送")
    other = await _place(shop, variant, 1, contact={"name": "王五", "phone": "13700000000"})
    browser = Browser(app, shop)
    await browser.sign_in(shop.email)
    listing = await browser.http.get("/console/orders")
    assert listing.status_code == 200
    assert number in listing.text and other in listing.text and "¥57.00" in listing.text
    assert "Pending payment" in listing.text
    found = await browser.http.get("/console/orders", params={"q": "138 0013 8000"})
    assert number in found.text and other not in found.text
    assert 'href="/console/orders/export.csv?q=138+0013+8000"' in found.text
    csv_answer = await browser.http.get("/console/orders/export.csv",
                                        params={"q": "138 0013 8000"})
    assert csv_answer.status_code == 200
    assert csv_answer.content.decode("utf-8-sig").count(number) == 1
    bad = await browser.http.get("/console/orders", params={"created_from": "2026-02-31"})
    assert bad.status_code == 422 and 'id="f-created_from-error"' in bad.text
    zh = await browser.http.get("/console/orders", params={"status": "pending_payment"},
                                headers={"accept-language": "zh-CN"})
    assert "待付款" in zh.text and "导出 CSV" in zh.text

    detail = await browser.http.get(f"/console/orders/{number}")
    assert detail.status_code == 200
    page = _text(detail.text)
    assert "龙井" in page and "请下午送" in page and "韩梅梅" in page and "¥57.00" in page
    assert "Guest" in page and "Cancel order" in page and "Mark paid" not in page
    refused = await browser.submit(f"/console/orders/{number}",
                                   f"/console/orders/{number}/cancel", {"reason": " "})
    assert refused.status_code == 422 and "Say why" in refused.text
    done = await browser.submit(f"/console/orders/{number}",
                                f"/console/orders/{number}/cancel",
                                {"reason": "customer called"})
    assert done.status_code == 303
    after = _text((await browser.http.get(done.headers["location"])).text)
    assert "Order cancelled" in after and "customer called" in after
    assert shop.email in after  # who cancelled it, in the order history
    async with db.shop_scope(tenant_id):
        row = await service.get_order(tenant_id, number)
    assert (row["status"], row["stock_status"]) == ("cancelled", "released")
    assert (await browser.http.get("/console/orders/000000000000")).status_code == 404
    await browser.http.aclose()


async def test_console_marks_offline_orders_paid_and_refunds_them(app, open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop)
    await enable_plugin(tenant_id, runtime.host, "payments_offline",
                        settings={"bank_transfer": True, "bank_instructions": "招商银行 6225"})
    number = await _place(shop, variant, 2, payment_method="bank_transfer")
    browser = Browser(app, shop)
    await browser.sign_in(shop.email)
    detail = await browser.http.get(f"/console/orders/{number}")
    assert "Mark paid" in detail.text and "Refund amount" not in detail.text
    paid = await browser.submit(f"/console/orders/{number}",
                                f"/console/orders/{number}/mark-paid",
                                {"note": "回单 8812"})
    assert paid.status_code == 303, paid.text
    page = _text((await browser.http.get(paid.headers["location"])).text)
    assert "Payment recorded" in page and "Mark paid" not in page and "Refund amount" in page
    async with db.shop_scope(tenant_id):
        assert (await recent(tenant_id))[0]["action"] == "order.mark_paid"
    too_much = await browser.submit(f"/console/orders/{number}",
                                    f"/console/orders/{number}/refund",
                                    {"amount": "60.00", "reason": "damaged"})
    assert too_much.status_code == 422  # said under the amount: at most what is left
    assert 'id="f-refund-amount-error"' in too_much.text and "can be refunded" in too_much.text
    refunded = await browser.submit(f"/console/orders/{number}",
                                    f"/console/orders/{number}/refund",
                                    {"amount": "28.50", "reason": "one box damaged"})
    assert refunded.status_code == 303, refunded.text
    async with db.shop_scope(tenant_id):
        row = await service.get_order(tenant_id, number)
    assert row["refunded_total"] == 2850
    await browser.http.aclose()

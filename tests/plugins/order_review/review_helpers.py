"""Shared by the order review plugin's tests."""

from __future__ import annotations

import datetime as dt

from galleria.kernel import CustomerHistory, ReviewContext, Shop

SHOP = Shop(id=1, slug="tea", name="Tea", status="active", currency="CNY", locale="en",
            timezone="Asia/Shanghai", theme_color="", logo="", template="blank", plan="free")
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号", "line2": "",
           "postal_code": "310012"}


def context(*, history=(0, 0), phone_count=1, shop=SHOP, offline=False, cod=False,
            **order) -> ReviewContext:
    view = {"number": "261129000001", "total": 10000, "currency": "CNY",
            "contact": {"name": "李雷", "phone": "13800138000"}, "address": dict(ADDRESS),
            "payment_method": "wechat_pay", "invoice": None, "customer_id": None, **order}

    async def count(since: dt.datetime) -> int:
        return phone_count

    return ReviewContext(shop=shop, order=view, history=CustomerHistory(*history),
                         payment_offline=offline, pays_on_delivery=cod, _count_phone=count)


# -- integration: a shop, an order, the outbox ------------------------------------------------
ORDER_ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
                 "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号",
                 "postal_code": "310012"}


async def tenant_of(slug: str) -> int:
    from galleria.kernel.tenancy.tables import Tenant

    return (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]


async def selling_shop(open_shop, price: int = 2800):
    """A shop selling one tea; returns (ShopHandle, tenant id, variant id)."""
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "龙井", "variants": [{"sku": "TEA-1", "price": price, "stock": 50}]})
    assert created.status_code == 201, created.text
    return shop, await tenant_of(shop.slug), created.json()["variants"][0]["id"]


async def place(shop, variant_id: int, *, quantity: int = 1, phone: str = "13800138000",
                payment_method: str = "wechat_pay", **extra) -> str:
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": quantity})
    assert added.status_code == 200, added.text
    body = {"cart_id": cart, "contact": {"name": "李雷", "phone": phone},
            "address": {**ORDER_ADDRESS, "phone": phone}, "payment_method": payment_method,
            **extra}
    placed = await shop.post("/api/v1/orders", admin=False, json=body)
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def order_row(tenant_id: int, number: str) -> dict:
    from galleria.kernel import shop_scope
    from galleria.kernel.orders.service import get_order

    async with shop_scope(tenant_id):
        return await get_order(tenant_id, number)


async def timeline(tenant_id: int, number: str) -> list[tuple[str, str]]:
    from galleria.kernel import shop_scope
    from galleria.kernel.orders.tables import TimelineEntry

    row = await order_row(tenant_id, number)
    async with shop_scope(tenant_id):
        entries = await TimelineEntry.select().where(
            (TimelineEntry.tenant == tenant_id) & (TimelineEntry.order == row["id"])
        ).order_by(TimelineEntry.id)
    return [(e["to_status"], e["reason"]) for e in entries]


# -- the console, as a browser of one shop host ------------------------------------------------
PASSWORD = "Correct-Horse-9"


class Browser:
    """A browser on one host: its own cookies (session, CSRF), asking for HTML."""

    def __init__(self, app, host: str) -> None:
        import httpx

        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}",
            headers={"accept": "text/html", "accept-language": "en-US,en;q=0.9"})

    async def get(self, path: str, **kwargs):
        return await self.http.get(path, **kwargs)

    async def submit(self, page: str, action: str, data: dict):
        import re

        shown = await self.get(page)
        assert shown.status_code == 200, shown.text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', shown.text).group(1)
        return await self.http.post(action, data={"_csrf_token": token, **data})

    async def sign_in(self, email: str) -> None:
        answer = await self.submit("/console/login", "/console/login",
                                   {"email": email, "password": PASSWORD, "next": "/console/"})
        assert answer.status_code == 303, answer.text

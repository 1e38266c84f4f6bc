"""Shared steps for the after-sales tests: a shop with products, an order placed and paid
through a test gateway whose refunds are recorded, then approved, shipped or delivered."""

from __future__ import annotations

from galleria.kernel import PaymentAction, PaymentGateway, PaymentUpdate, RefundUpdate, hookimpl
from galleria.kernel.orders import service as orders
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}


class RecordingGateway(PaymentGateway):
    """Pays at once when asked, and keeps every refund it was asked for."""

    code, name = "afterpay", "After Pay"
    offline = pays_on_delivery = False
    partial_refunds = True

    def __init__(self, refunds: list):
        self.refunds = refunds

    async def available(self, shop):
        return True

    async def start_payment(self, request):
        return PaymentAction("qr_code", {"qr_code": f"afterpay://{request.reference}"})

    async def handle_notification(self, shop, callback):
        return []

    def answer(self, accepted, message=""):
        raise NotImplementedError

    async def query(self, shop, payment):
        return PaymentUpdate(payment.reference, "paid", payment.amount, payment.currency)

    async def close(self, shop, payment):
        return None

    async def refund(self, request):
        self.refunds.append((request.reference, request.amount))
        return RefundUpdate(request.reference, "succeeded", request.amount)


class RecordingPayPlugin:
    def __init__(self):
        self.refunds: list[tuple[str, int]] = []

    @hookimpl
    def galleria_payment_gateways(self, shop):
        return [RecordingGateway(self.refunds)]


async def tenant_of(shop) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def add_products(shop, *products):
    """`products`: (sku, price, stock) → {sku: variant id}."""
    out = {}
    for sku, price, stock in products:
        created = await shop.post("/api/admin/v1/products", json={
            "name": f"商品 {sku}", "variants": [{"sku": sku, "price": price, "stock": stock}]})
        assert created.status_code == 201, created.text
        out[sku] = created.json()["variants"][0]["id"]
    return out


async def place(shop, items, payment_method="cod", **extra):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for variant_id, quantity in items:
        added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                json={"variant_id": variant_id, "quantity": quantity})
        assert added.status_code == 200, added.text
    response = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": payment_method, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def approve(tenant_id: int, number: str) -> None:
    """pending_payment → paid → approved, as payment and review would."""
    await orders.transition(tenant_id, number, "paid", actor="test")
    await orders.transition(tenant_id, number, "approved", actor="test")


async def paid_order(shop, runtime, items):
    """An order paid through the `afterpay` gateway (so refunds go back through it),
    approved for fulfilment."""
    tenant_id = await tenant_of(shop)
    await enable_plugin(tenant_id, runtime.host, "afterpay")
    order = await place(shop, items, payment_method="afterpay")
    started = await shop.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": "afterpay"})
    assert started.status_code == 201, started.text
    from galleria.kernel.payments.service import apply_update
    from galleria.kernel.tenancy.shops import get_shop_by_id

    await apply_update(await get_shop_by_id(tenant_id), runtime.host, PaymentUpdate(
        started.json()["payment_id"], "paid", order["total"], "CNY"), actor="test")
    await orders.transition(tenant_id, order["number"], "approved", actor="test")
    return tenant_id, order


async def delivered_order(shop, runtime, items):
    """A paid order shipped in one parcel and delivered; (tenant id, order, shipment id)."""
    tenant_id, order = await paid_order(shop, runtime, items)
    shipped = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments",
                              json={"carrier": "sf", "tracking_number": "SF100"})
    assert shipped.status_code == 201, shipped.text
    done = await shop.post(f"/api/admin/v1/shipments/{shipped.json()['id']}/events",
                           json={"status": "delivered", "description": "已签收"})
    assert done.status_code == 201, done.text
    return tenant_id, order, shipped.json()["id"]

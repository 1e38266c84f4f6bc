"""Shared pieces of the Alipay tests: keys, the simulator served on a real local port, a
shop with Alipay enabled and pointed at it, and an order to pay.

The simulator runs as a uvicorn server task in the tests' own event loop and is reached
over real HTTP (127.0.0.1:<port>). Its notifications go to the app through
`httpx.ASGITransport`: the app shares the session's database pool, which belongs to this
loop, so serving the app from another thread would break it on PostgreSQL; the simulator
side of that hop still builds and signs a real form POST.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import uuid
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin
from galleria_plugins.payments_alipay.testing.simulator import AlipaySimulator

PLUGIN, CODE = "payments_alipay", "alipay"
CALLBACK = f"/callbacks/{PLUGIN}/{CODE}"
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}
_apps = itertools.count(1)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Served:
    simulator: AlipaySimulator
    url: str

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=15)


@pytest.fixture(scope="session")
def app_key() -> rsa.RSAPrivateKey:
    """The merchants' app key (one for the session: generating RSA keys is slow)."""
    return new_key()


@pytest.fixture(scope="session")
async def alipay(app) -> Served:
    """The simulator on a free port of 127.0.0.1, notifying the test app in-process."""
    simulator = AlipaySimulator(alipay_private_key=new_key(),
                                notify_transport=httpx.ASGITransport(app=app),
                                retry_delays=(0.05, 0.1, 0.2))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(simulator.build_app(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    yield Served(simulator, f"http://127.0.0.1:{port}")
    await simulator.aclose()
    server.should_exit = True
    await task


@dataclass
class AlipayShop:
    """A shop (the conftest's ShopHandle) with Alipay enabled: its app and a product."""

    handle: object
    tenant_id: int
    app_id: str
    seller_id: str
    variant_id: int

    @property
    def client(self) -> httpx.AsyncClient:
        return self.handle.client

    async def shop(self):
        return await get_shop(self.handle.slug)


def settings_for(app_id: str, seller_id: str, app_key, simulator: AlipaySimulator,
                 base_url: str) -> dict:
    return {"app_id": app_id, "app_private_key": private_pem(app_key),
            "alipay_public_key": simulator.alipay_public_key_pem, "seller_id": seller_id,
            "api_base_url": base_url}


async def alipay_shop(open_shop, runtime, alipay: Served, app_key, *, price=2800,
                      app_id: str | None = None, seller_id: str | None = None) -> AlipayShop:
    """Open a shop, register it as a merchant of the simulator, enable the plugin."""
    handle = await open_shop()
    created = await handle.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": price, "stock": 50}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == handle.slug).first())["id"]
    app_id = app_id or f"2021{next(_apps):06d}{uuid.uuid4().int % 10**6:06d}"
    seller_id = seller_id or f"2088{uuid.uuid4().int % 10**12:012d}"
    alipay.simulator.add_merchant(app_id, app_key.public_key(), seller_id)
    await enable_plugin(tenant_id, runtime.host, PLUGIN,
                        settings=settings_for(app_id, seller_id, app_key, alipay.simulator,
                                              alipay.url))
    return AlipayShop(handle, tenant_id, app_id, seller_id,
                      created.json()["variants"][0]["id"])


async def place_order(shop: AlipayShop, quantity: int = 2) -> dict:
    handle = shop.handle
    cart_id = (await handle.post("/api/v1/carts", admin=False)).json()["id"]
    added = await handle.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                              json={"variant_id": shop.variant_id, "quantity": quantity})
    assert added.status_code in (200, 201), added.text
    placed = await handle.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS, "payment_method": CODE})
    assert placed.status_code == 201, placed.text
    return placed.json()


async def start(shop: AlipayShop, order: dict, scene: str = "qr") -> httpx.Response:
    return await shop.handle.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": CODE, "scene": scene})


async def admin_order(shop: AlipayShop, number: str) -> dict:
    return (await shop.handle.get(f"/api/admin/v1/orders/{number}")).json()

"""Sandbox mode (the demo): the simulated Alipay is mounted at `/sandbox/alipay/` of the
app itself, demo shops point at it, and a purchase completes over real HTTP on one port —
shop → simulator (precreate / redirect) → buyer pays → simulator → shop (notification)."""


from __future__ import annotations

import asyncio
import dataclasses
import socket
import stat
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from alipay_helpers import PLUGIN, admin_order, place_order, start

from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin
from galleria.web.app import create_app
from galleria_plugins.payments_alipay.sandbox import sandbox_apps, sandbox_keys


def test_sandbox_keys_are_made_once_and_kept_private(tmp_path):
    first = sandbox_apps(tmp_path)[0]
    again = sandbox_apps(tmp_path)[0]
    assert first[0] == "alipay" and first[2] == again[2]
    assert first[2]["api_base_url"] == "{sandbox_url}"
    mode = (tmp_path / "alipay.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert sandbox_keys(tmp_path) == sandbox_keys(tmp_path)


async def test_without_sandbox_mode_nothing_is_mounted(client):
    answer = await client.get("/sandbox/alipay/gateway.do")
    assert answer.status_code == 404


@pytest.fixture
async def sandbox_server(runtime, tmp_path, monkeypatch):
    """The app in sandbox mode on a free port of 127.0.0.1 (in this event loop)."""
    monkeypatch.setenv("GALLERIA_VAR_DIR", str(tmp_path))
    settings = dataclasses.replace(runtime.settings, sandbox=True)
    app = create_app(settings, host=runtime.host, embedded_worker=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    yield port
    server.should_exit = True
    await task


class _Shop:
    """Just enough of the conftest's ShopHandle for alipay_helpers, over the served app."""

    def __init__(self, handle, http, port):
        self.handle = self
        self.slug, self.host = handle.slug, f"{handle.slug}.localhost:{port}"
        self.token, self.client, self.variant_id = handle.token, http, None

    async def post(self, path, json=None, admin=True):
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        return await self.client.post(path, json=json, headers=headers)

    async def get(self, path, admin=True):
        headers = {"host": self.host, "authorization": f"Bearer {self.token}"}
        return await self.client.get(path, headers=headers)


async def _sandbox_shop(open_shop, runtime, port, http):
    handle = await open_shop()
    shop = _Shop(handle, http, port)
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-1", "price": 2800, "stock": 5}]})
    shop.variant_id = created.json()["variants"][0]["id"]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == handle.slug).first())["id"]
    [(_, _, demo)] = runtime.host.collect("galleria_sandbox_apps", [PLUGIN])
    url = f"http://localhost:{port}/sandbox/alipay"  # what the demo's seeding fills in
    await enable_plugin(tenant_id, runtime.host, PLUGIN, settings={
        key: value.replace("{sandbox_url}", url) for key, value in demo.items()})
    return shop


async def test_a_whole_purchase_in_sandbox_mode(open_shop, runtime, sandbox_server):
    port = sandbox_server
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=15) as http:
        shop = await _sandbox_shop(open_shop, runtime, port, http)
        order = await place_order(shop)
        payment = (await start(shop, order, "page")).json()
        url = payment["action"]["url"]
        assert url.startswith(f"http://localhost:{port}/sandbox/alipay/gateway.do?")
        opened = await http.get(url)  # the browser follows the shop's redirect
        assert opened.status_code == 302
        cashier = opened.headers["location"]
        assert cashier.startswith(f"http://localhost:{port}/sandbox/alipay/cashier/")
        page = await http.get(cashier)
        assert "¥56.00" in page.text
        paid = await http.post(cashier + "/pay")  # the "pay" button
        assert paid.status_code == 303
        assert urlsplit(paid.headers["location"]).path == f"/orders/{order['number']}"
        view = await admin_order(shop, order["number"])
        assert view["status"] == "paid"  # by the simulator's signed notification

        other = await place_order(shop)
        qr = (await start(shop, other, "qr")).json()["action"]["qr_code"]
        assert qr.startswith(f"http://localhost:{port}/sandbox/alipay/cashier/")
        scanned = await http.post(qr + "/pay")
        assert scanned.status_code == 200 and "data-testid='trade-status'" in scanned.text
        assert (await admin_order(shop, other["number"]))["status"] == "paid"

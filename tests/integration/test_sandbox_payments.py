"""Every shop can try every payment method in sandbox (issue 13, item 7): in sandbox mode
one request (or one click in the console) gives a shop its own simulator account for WeChat
Pay, Alipay or Stripe, the storefront offers the method badged 沙箱, the simulator accepts
that shop's keys (a payment starts over real HTTP), no two shops share keys, and real keys
replace the sandbox's. Outside sandbox mode the setting does not exist (422)."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

import httpx
import pytest
import uvicorn

from galleria.kernel import db, plugin_settings
from galleria.kernel.tenancy.plugin_state import set_plugin_state
from galleria.testing import ADDRESS, CONTACT
from galleria.web.app import create_app

PLUGINS = ["payments_wechat", "payments_alipay", "payments_stripe"]


@pytest.fixture
async def sandbox_port(runtime, tmp_path, monkeypatch):
    """The app in sandbox mode on a free port of 127.0.0.1 (in this event loop), its
    simulators' account books in a fresh folder."""
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


class Served:
    """A shop of the served sandbox app, over real HTTP with its Host header."""

    def __init__(self, handle, http: httpx.AsyncClient, port: int) -> None:
        self.handle, self.http = handle, http
        self.host = f"{handle.slug}.localhost:{port}"

    async def call(self, method: str, path: str, admin: bool = True, **kwargs):
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.handle.token}"
        return await self.http.request(method, path, headers=headers, **kwargs)


async def _order(shop: Served, code: str) -> dict:
    created = await shop.call("POST", "/api/admin/v1/products", json={
        "name": "龙井", "variants": [{"sku": "TEA-1", "price": 2800, "stock": 5}]})
    variant = created.json()["variants"][0]["id"]
    cart = (await shop.call("POST", "/api/v1/carts", admin=False)).json()["id"]
    await shop.call("POST", f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": variant, "quantity": 1})
    placed = await shop.call("POST", "/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": CONTACT, "address": ADDRESS, "payment_method": code})
    assert placed.status_code == 201, placed.text
    return placed.json()


@pytest.mark.parametrize("plugin", PLUGINS)
async def test_hook_sandbox_settings(open_shop, runtime, sandbox_port, plugin):
    """One request gives a shop its own sandbox account."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sandbox_port}",
                                 timeout=20) as http:
        first = Served(await open_shop(), http, sandbox_port)
        second = Served(await open_shop(), http, sandbox_port)
        for shop in (first, second):
            answer = await shop.call("PUT", f"/api/admin/v1/plugins/{plugin}", json={
                "enabled": True, "settings": {"sandbox": True}})
            assert answer.status_code == 200, answer.text
            state = answer.json()
            assert state["enabled"] and state["sandbox"] and state["settings"]["sandbox"]
            assert "PRIVATE KEY" not in answer.text and "sk_test" not in answer.text

        methods = (await first.call("GET", "/api/v1/payment-methods", admin=False)).json()
        [offered] = [m for m in methods["items"] if m["sandbox"]]
        order = await _order(first, offered["code"])
        started = await first.call(
            "POST", f"/api/v1/orders/{order['number']}/payments", admin=False,
            params={"access_token": order["access_token"]}, json={"method": offered["code"]})
        assert started.status_code == 201, started.text  # the simulator took its keys
        assert started.json()["action"]["type"] in ("qr_code", "redirect", "client_secret")

        # Never shared: each shop has keys of its own; asking again keeps them.
        one = await plugin_settings((await first.handle.shop()).id, plugin)
        two = await plugin_settings((await second.handle.shop()).id, plugin)
        secrets = {"payments_wechat": "merchant_private_key",
                   "payments_alipay": "app_private_key", "payments_stripe": "secret_key"}
        assert one[secrets[plugin]] != two[secrets[plugin]]
        assert one["api_base_url"] == f"http://localhost:{sandbox_port}/sandbox/" + {
            "payments_wechat": "wechat", "payments_alipay": "alipay",
            "payments_stripe": "stripe"}[plugin]
        await first.call("PUT", f"/api/admin/v1/plugins/{plugin}", json={
            "enabled": True, "settings": {"sandbox": True}})
        again = await plugin_settings((await first.handle.shop()).id, plugin)
        assert again[secrets[plugin]] == one[secrets[plugin]]

        # The demo started again on another port: the same account follows the app.
        tenant = (await first.handle.shop()).id
        async with db.shop_scope(tenant):
            await set_plugin_state(tenant, runtime.host, plugin, enabled=True,
                                   settings={"sandbox": True}, actor="demo:sandbox",
                                   sandbox_url="http://localhost:9999/sandbox")
        moved = await plugin_settings(tenant, plugin)
        assert moved["api_base_url"].startswith("http://localhost:9999/sandbox/")
        assert moved[secrets[plugin]] == one[secrets[plugin]]


async def test_real_keys_replace_the_sandbox(open_shop, sandbox_port):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sandbox_port}",
                                 timeout=20) as http:
        shop = Served(await open_shop(), http, sandbox_port)
        path = "/api/admin/v1/plugins/payments_stripe"
        await shop.call("PUT", path, json={"enabled": True, "settings": {"sandbox": True}})
        half = await shop.call("PUT", path, json={"enabled": True, "settings": {
            "publishable_key": "pk_live_1"}})
        assert half.status_code == 422  # the sandbox's secret keys are not kept for real use
        fields = {e["field"] for e in half.json()["errors"]}
        assert {"settings.secret_key", "settings.webhook_secret"} <= fields
        real = await shop.call("PUT", path, json={"enabled": True, "settings": {
            "secret_key": "sk_live_1", "publishable_key": "pk_live_1",
            "webhook_secret": "whsec_1"}})
        assert real.status_code == 200 and real.json()["sandbox"] is False
        methods = (await shop.call("GET", "/api/v1/payment-methods", admin=False)).json()
        assert [m["sandbox"] for m in methods["items"]] == [False]
        stored = await plugin_settings((await shop.handle.shop()).id, "payments_stripe")
        assert stored["secret_key"] == "sk_live_1" and "sandbox" not in stored
        assert stored["api_base_url"] == "https://api.stripe.com"


async def test_outside_sandbox_mode_the_setting_does_not_exist(open_shop):
    shop = await open_shop()
    answer = await shop.put("/api/admin/v1/plugins/payments_wechat", json={
        "enabled": True, "settings": {"sandbox": True}})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    [error] = answer.json()["errors"]
    assert error["field"] == "settings.sandbox" and "GALLERIA_SANDBOX=1" in error["message"]
    listed = (await shop.get("/api/admin/v1/plugins")).json()["items"]
    assert not any(p["sandbox"] for p in listed)


async def test_the_console_switches_a_method_on_in_sandbox_with_one_click(open_shop, runtime,
                                                                          tmp_path,
                                                                          monkeypatch):
    from galleria.testing import console_browser

    monkeypatch.setenv("GALLERIA_VAR_DIR", str(tmp_path))
    app = create_app(dataclasses.replace(runtime.settings, sandbox=True), host=runtime.host,
                     embedded_worker=False)
    shop = await open_shop()
    browser = await console_browser(app, shop)
    try:
        page = (await browser.get("/console/plugins")).text
        assert 'formaction="/console/plugins/payments_alipay/sandbox"' in page
        assert "沙箱试用" in page
        clicked = await browser.submit("/console/plugins",
                                       "/console/plugins/payments_alipay/sandbox", {})
        assert clicked.status_code == 303
        page = (await browser.get("/console/plugins")).text
        card = page.split('id="plugin-payments_alipay"', 1)[1].split("</form>", 1)[0]
        assert "data-sandbox" in card and "沙箱中" in card and "已启用" in card
        assert "沙箱试用" not in card
        tenant = (await shop.shop()).id
        opened = await plugin_settings(tenant, "payments_alipay")
        # Switching it off keeps the sandbox account (no key was typed in).
        off = await browser.submit("/console/plugins", "/console/plugins/payments_alipay", {})
        assert off.status_code == 303
        kept = await plugin_settings(tenant, "payments_alipay")
        assert kept["sandbox"] and kept["app_private_key"] == opened["app_private_key"]
        listed = (await shop.get("/api/admin/v1/plugins")).json()["items"]
        assert [p["enabled"] for p in listed if p["name"] == "payments_alipay"] == [False]
    finally:
        await browser.close()

    production = create_app(runtime.settings, host=runtime.host, embedded_worker=False)
    browser = await console_browser(production, shop)
    try:
        assert "沙箱试用" not in (await browser.get("/console/plugins")).text
    finally:
        await browser.close()

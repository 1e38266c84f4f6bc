"""`kill -9` of the app while shoppers check out: every order that was confirmed exists
whole after the restart, no order is half-written, stock agrees with the orders and the
ledger, and the events of the orders (with the restarted app's embedded worker taking over
the work the killed one held) reach the webhook receiver, each once per endpoint."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from fault_kit import (
    add_product_over_http,
    check_shop_elsewhere,
    open_shop_over_http,
    order_over_http,
    process_env,
    serve,
    wait_for,
    wait_until_up,
)

SHOPPERS = 12


class CountingReceiver:
    """Answers 200 to every webhook POST and records the delivery ids."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                receiver.seen.append(self.headers["Galleria-Event-Id"])
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_app_killed_mid_checkout_loses_no_confirmed_order_and_half_writes_none(
        migrated, tmp_path):
    settings = migrated  # the session's database, migrated
    env_extra = {"GALLERIA_JOB_LEASE_SECONDS": "3", "GALLERIA_SIGNUP_RATE_LIMIT": "100"}
    env = process_env(settings, **env_extra)
    receiver = CountingReceiver()
    server, port = serve(settings, tmp_path / "server.log", **env_extra)
    api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20)
    slug = f"killed-{port}"
    host = f"{slug}.localhost"
    try:
        wait_until_up(port, server)
        token = await open_shop_over_http(api, slug)
        admin = {"host": host, "authorization": f"Bearer {token}"}
        hooked = await api.post("/api/admin/v1/webhooks", headers=admin, json={
            "url": receiver.url, "topics": ["order.placed"]})
        assert hooked.status_code == 201, hooked.text
        variant = await add_product_over_http(api, host, token, "KILL-APP", stock=100)

        async def shopper() -> str | None:
            try:
                answer = await order_over_http(api, host, variant)
            except httpx.HTTPError:
                return None  # the app died under this shopper
            return answer.json()["number"] if answer.status_code == 201 else None

        shoppers = [asyncio.create_task(shopper()) for _ in range(SHOPPERS)]
        await wait_for(lambda: _any_done(shoppers), 30, "a first order placed")
        server.kill9()  # the others are somewhere between cart and confirmation
        confirmed = {n for n in await asyncio.gather(*shoppers) if n}
        assert confirmed

        server, port = serve(settings, tmp_path / "server2.log", **env_extra)
        await api.aclose()
        api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20)
        wait_until_up(port, server)
        orders = await api.get("/api/admin/v1/orders?limit=100", headers={
            "host": host, "authorization": f"Bearer {token}"})
        assert orders.status_code == 200, orders.text
        numbers = {o["number"] for o in orders.json()["items"]}
        assert confirmed <= numbers  # every confirmed order survived the kill

        async def settled() -> bool:
            return await asyncio.to_thread(check_shop_elsewhere, env, slug) == []

        await wait_for(settled, 40, "the shop's checks hold after the restart: "
                       + repr(check_shop_elsewhere(env, slug)), interval=1)
        assert len(set(receiver.seen)) == len(numbers)  # each order's event arrived
    finally:
        await api.aclose()
        server.stop()
        receiver.close()


async def _any_done(tasks: list[asyncio.Task]) -> bool:
    return any(task.done() and task.result() for task in tasks)

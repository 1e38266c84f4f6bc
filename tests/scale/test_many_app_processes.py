"""Many app processes, one platform (issue 14, item 6): two `galleria serve` processes on
different ports and one `galleria worker`, all real subprocesses sharing the database and a
Redis server of the test's own. One shopper's requests go to the two servers in turn through
a whole purchase — browse, cart, register, sign out, sign in, checkout, pay at the WeChat Pay
simulator, whose notification reaches the servers too — and the order ends paid with its
outbox work (the merchant's webhooks) done by the worker.

Whatever a server kept to itself would show here: a session, a cart, a CSRF token, a
sign-in failure count, an idempotency record or a shop's enabled plugins known to one
process only breaks the next request, which the other one answers.

On SQLite the servers share the database file (WAL), which is what the embedded setup's
`--workers N` would need; PostgreSQL is the production case.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import uvicorn
from faults.fault_kit import (
    Process,
    check_shop_elsewhere,
    open_shop_over_http,
    private_redis,  # noqa: F401 - fixture
    process_env,
    serve,
    sql_elsewhere,
    wait_for,
    wait_until_up,
)

from galleria_plugins.payments_wechat.sandbox import sandbox_settings, sandbox_simulator
from galleria_plugins.payments_wechat.testing.simulator import WeChatPaySimulator

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
PASSWORD = "Correct-Horse-9"


class Receiver:
    """A merchant's webhook endpoint: answers 200 and records each event's topic."""

    def __init__(self) -> None:
        self.topics: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                import json

                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                receiver.topics.append(body.get("topic") or body.get("type") or "?")
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


class RoundRobinTransport(httpx.AsyncHTTPTransport):
    """Sends `*.localhost` requests to 127.0.0.1 on each port in turn, the Host header kept:
    a proxy in front of several app servers, as the payment provider's notifications meet it."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__()
        self.ports = itertools.cycle(ports)
        self.used: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith(".localhost"):
            port = next(self.ports)
            self.used.append(port)
            request.url = request.url.copy_with(host="127.0.0.1", port=port)
        return await super().handle_async_request(request)


class Browser:
    """One browser (one cookie jar) whose requests go to each server in turn."""

    def __init__(self, ports: list[int], host: str) -> None:
        self.ports = itertools.cycle(ports)
        self.served_by: list[int] = []
        self.http = httpx.AsyncClient(timeout=30, headers={
            "host": host, "accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"})
        self.csrf = ""

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        port = next(self.ports)
        self.served_by.append(port)
        answer = await self.http.request(method, f"http://127.0.0.1:{port}{path}", **kwargs)
        if found := CSRF.search(answer.text):
            self.csrf = found.group(1)
        return answer

    async def get(self, path: str) -> httpx.Response:
        return await self.request("GET", path)

    async def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return await self.request("POST", path, data={"_csrf_token": self.csrf, **data})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # Ctrl-C stays pytest's


@contextlib.asynccontextmanager
async def wechat_simulator(ports: list[int]) -> AsyncIterator[WeChatPaySimulator]:
    """The WeChat Pay simulator with the sandbox's merchant, on a port of its own in this
    test's event loop; its notifications go to the app servers in turn."""
    transport = RoundRobinTransport(ports)
    sim = sandbox_simulator()
    sim.sender = httpx.AsyncClient(transport=transport, timeout=10)
    sim.retry_delays = (0.2, 0.5, 1.0)
    server = _Server(uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="warning",
                                    lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    sim.public_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    sim.transport = transport  # type: ignore[attr-defined] - for the test's assertions
    try:
        yield sim
    finally:
        await sim.stop()
        server.should_exit = True
        await task
        await sim.sender.aclose()


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    return found.group(1) if found else ""


async def test_one_purchase_across_two_app_servers_and_a_worker(
        migrated, tmp_path, private_redis):  # noqa: F811
    settings = migrated
    extra = {"GALLERIA_REDIS_URL": private_redis.url, "GALLERIA_SIGNUP_RATE_LIMIT": "100"}
    env = process_env(settings, **extra)
    (one, port_a), (two, port_b) = (serve(settings, tmp_path / "a.log", **extra),
                                    serve(settings, tmp_path / "b.log", **extra))
    worker = Process(["worker", "--threads", "2"], env, tmp_path / "worker.log").start()
    servers = [one, two]
    ports = [port_a, port_b]
    receiver = Receiver()
    merchant_http = httpx.AsyncClient(timeout=30)
    slug = f"twin-{port_a}"
    host = f"{slug}.localhost"
    shopper = Browser(ports, host)
    try:
        for port, server in zip(ports, servers, strict=True):
            await asyncio.to_thread(wait_until_up, port, server, 90)
        async with wechat_simulator(ports) as simulator:
            await _purchase(settings, env, slug, host, ports, merchant_http, shopper,
                            simulator, receiver, worker)
    finally:
        await shopper.http.aclose()
        await merchant_http.aclose()
        for process in (*servers, worker):
            process.stop()
        receiver.close()


async def _purchase(settings, env, slug, host, ports, merchant_http, shopper, simulator,
                    receiver, worker) -> None:
    port_a, port_b = ports

    async def merchant(method: str, path: str, port: int, **kwargs) -> httpx.Response:
        return await merchant_http.request(method, f"http://127.0.0.1:{port}{path}", headers={
            "host": host, "authorization": f"Bearer {token}"}, **kwargs)

    # The merchant opens the shop on one server and stocks it through the other.
    merchant_http.base_url = f"http://127.0.0.1:{port_a}"
    token = await open_shop_over_http(merchant_http, slug)
    created = await merchant("POST", "/api/admin/v1/products", port_b, json={
        "name": "西湖龙井", "variants": [{"sku": "LJ-TWIN", "price": 3800, "stock": 5}]})
    assert created.status_code == 201, created.text
    product = created.json()["id"]
    variant = created.json()["variants"][0]["id"]
    hooked = await merchant("POST", "/api/admin/v1/webhooks", port_a, json={
        "url": receiver.url, "topics": ["order.placed", "order.paid"]})
    assert hooked.status_code == 201, hooked.text

    # Browse on both servers (whatever either keeps of the shop is warm now) …
    listing = await shopper.get("/")
    assert listing.status_code == 200 and "西湖龙井" in listing.text
    detail = await shopper.get(f"/products/{product}")
    assert detail.status_code == 200 and "¥38.00" in detail.text
    first_checkout = await shopper.get("/checkout")  # an empty cart: back to the cart
    assert first_checkout.status_code in (200, 303)
    # … then the merchant turns WeChat Pay on through one server: both must offer it.
    enabled = await merchant("PUT", "/api/admin/v1/plugins/payments_wechat", port_a, json={
        "enabled": True, "settings": sandbox_settings(simulator.public_url)})
    assert enabled.status_code == 200, enabled.text

    # The cart lives in the session the other server started.
    await shopper.get(f"/products/{product}")
    added = await shopper.post("/cart/items", {"product_id": str(product),
                                               "variant_id": str(variant), "quantity": "2"})
    assert added.status_code == 303, added.text
    cart = await shopper.get("/cart")
    assert "西湖龙井" in cart.text and "¥76.00" in cart.text

    # Register on one server, sign out on the other, sign in again: one session store.
    await shopper.get("/account/register")
    registered = await shopper.post("/account/register", {
        "name": "韩梅梅", "email": f"mei@{slug}.example", "phone": "", "password": PASSWORD})
    assert registered.status_code == 303, registered.text
    account = await shopper.get("/account")
    assert account.status_code == 200 and "韩梅梅" in account.text
    signed_out = await shopper.post("/account/sign-out", {})
    assert signed_out.status_code == 303
    gone = await shopper.get("/account")
    assert gone.status_code in (302, 303) and "/sign-in" in gone.headers["location"]
    await shopper.get("/account/sign-in")
    signed_in = await shopper.post("/account/sign-in", {
        "login": f"mei@{slug}.example", "password": PASSWORD, "next": "/cart"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/cart"
    cart = await shopper.get("/cart")
    assert "西湖龙井" in cart.text and "¥76.00" in cart.text  # the cart went with her

    # Check out: the form from one server, placed by the other.
    form = await shopper.get("/checkout")
    assert form.status_code == 200, form.text
    assert 'value="wechat"' in form.text  # the plugin enabled through the other server
    placed = await shopper.post("/checkout", {
        "action": "place", "attempt": field(form.text, "attempt"),
        "contact.name": "韩梅梅", "contact.phone": "13900139000",
        "contact.email": f"mei@{slug}.example", "address.country": "CN",
        "address.province": "浙江省", "address.city": "杭州市", "address.district": "西湖区",
        "address.line1": "龙井路 1 号", "shipping_method": field(form.text, "shipping_method"),
        "payment_method": "wechat"})
    assert placed.status_code == 303, placed.text
    number = re.fullmatch(r"/orders/(\d{12})/pay", placed.headers["location"]).group(1)

    pay = await shopper.get(f"/orders/{number}/pay")
    assert pay.status_code == 200 and "¥76.00" in pay.text, pay.text
    assert "data-pay-qr" in pay.text
    trade = next(t for t in simulator.trades.values() if t.total == 7600)
    await simulator.pay(trade.code)  # the notification goes to one of the servers
    assert simulator.transport.used and simulator.deliveries[-1].statuses[-1] == 204

    async def paid() -> bool:
        answer = await shopper.request("GET", f"/orders/{number}/status",
                                       headers={"accept": "application/json"})
        return answer.status_code == 200 and answer.json()["paid"]

    await wait_for(paid, 20, "the order is paid on both servers")
    assert await paid()  # and on the other one
    order = await merchant("GET", f"/api/admin/v1/orders/{number}", port_b)
    assert order.json()["status"] == "paid" and order.json()["total"] == 7600

    # The outbox work of the order (the merchant's webhooks) is done by the worker: the
    # servers run no jobs of their own with Redis configured.
    async def delivered() -> bool:
        return sorted(receiver.topics) == ["order.paid", "order.placed"]

    await wait_for(delivered, 60, f"the webhooks delivered by the worker: {receiver.topics}"
                   f"\n{worker.tail()}")

    async def settled() -> bool:
        return await asyncio.to_thread(check_shop_elsewhere, env, slug) == []

    await wait_for(settled, 60, "the shop's outbox done and stock agreeing: "
                   + repr(check_shop_elsewhere(env, slug)), interval=1)
    assert set(shopper.served_by) == {port_a, port_b}
    assert shopper.served_by[::2] == [port_a] * len(shopper.served_by[::2])


async def test_rate_limits_staff_sessions_and_idempotency_keys_are_shared(
        migrated, tmp_path, private_redis):  # noqa: F811
    """A guesser spreading attempts over two servers meets the limit of one; "sign out
    everywhere" reaches sessions on every server; a creating POST repeated with its
    Idempotency-Key on the other server replays the first answer."""
    settings = migrated
    extra = {"GALLERIA_REDIS_URL": private_redis.url, "GALLERIA_SIGNUP_RATE_LIMIT": "100"}
    (one, port_a), (two, port_b) = (serve(settings, tmp_path / "a.log", **extra),
                                    serve(settings, tmp_path / "b.log", **extra))
    slug = f"guess-{port_a}"
    host = f"{slug}.localhost"
    api = httpx.AsyncClient(timeout=30)
    try:
        for port, server in ((port_a, one), (port_b, two)):
            await asyncio.to_thread(wait_until_up, port, server, 90)
        api.base_url = f"http://127.0.0.1:{port_a}"
        await open_shop_over_http(api, slug)
        registered = await api.post(f"http://127.0.0.1:{port_b}/api/v1/account/register",
                                    headers={"host": host}, json={
                                        "email": f"lei@{slug}.example", "password": PASSWORD})
        assert registered.status_code == 201, registered.text

        shopper = Browser([port_a, port_b], host)
        answers = []
        for _ in range(8):  # the limit per account and address is 8 failures
            await shopper.get("/account/sign-in")
            answers.append((await shopper.post("/account/sign-in", {
                "login": f"lei@{slug}.example", "password": "wrong-Horse-1"})).status_code)
        assert answers == [401] * 8
        await shopper.get("/account/sign-in")
        locked = await shopper.post("/account/sign-in", {
            "login": f"lei@{slug}.example", "password": PASSWORD})
        assert locked.status_code == 429  # 4 failures on each server count as 8
        await shopper.http.aclose()

        # Staff: two browsers signed in to the console, each on both servers; "sign out
        # everywhere" in one signs the other out, whichever server it asks next.
        desks = [Browser([port_a, port_b], host), Browser([port_b, port_a], host)]
        for desk in desks:
            await desk.get("/console/login")
            signed_in = await desk.post("/console/login", {
                "email": f"owner@{slug}.example", "password": PASSWORD, "next": "/console/"})
            assert signed_in.status_code == 303, signed_in.text
            home = await desk.get("/console/")
            assert home.status_code == 200 and f"Shop {slug}" in home.text
        await desks[0].get("/console/")
        out = await desks[0].post("/console/logout-everywhere", {})
        assert out.status_code == 303, out.text
        for _ in range(2):  # on either server
            answer = await desks[1].get("/console/")
            assert answer.status_code == 303 and "/login" in answer.headers["location"]
        for desk in desks:
            await desk.http.aclose()

        key = {"host": host, "idempotency-key": f"cart-{slug}"}
        first = await api.post(f"http://127.0.0.1:{port_a}/api/v1/carts", headers=key)
        again = await api.post(f"http://127.0.0.1:{port_b}/api/v1/carts", headers=key)
        assert first.status_code == again.status_code == 201, again.text
        assert first.json()["id"] == again.json()["id"]
    finally:
        await api.aclose()
        one.stop()
        two.stop()



async def test_a_shop_changed_through_one_server_or_plain_sql_is_seen_by_every_server_next(
        migrated, tmp_path, private_redis):  # noqa: F811
    """Each server keeps the shops it serves in memory (tenancy/shop_cache.py), checked
    against a token the database's triggers replace on every change. Both servers warm, a
    change made through one of them, or by SQL from a third process, is what the very next
    request to either answers: a plugin's settings, the plugin switched off, the shop
    renamed, a custom domain, the shop suspended."""
    settings = migrated
    extra = {"GALLERIA_REDIS_URL": private_redis.url, "GALLERIA_SIGNUP_RATE_LIMIT": "100"}
    (one, port_a), (two, port_b) = (serve(settings, tmp_path / "a.log", **extra),
                                    serve(settings, tmp_path / "b.log", **extra))
    slug = f"cache-{port_a}"
    host = f"{slug}.localhost"
    api = httpx.AsyncClient(timeout=30)
    ports = (port_a, port_b)
    try:
        for port, server in ((port_a, one), (port_b, two)):
            await asyncio.to_thread(wait_until_up, port, server, 90)
        api.base_url = f"http://127.0.0.1:{port_a}"
        token = await open_shop_over_http(api, slug)
        tenant = int(await asyncio.to_thread(
            sql_elsewhere, settings, f"SELECT id FROM tenant WHERE slug = '{slug}'"))

        async def get(port: int, path: str, on: str = host) -> httpx.Response:
            return await api.get(f"http://127.0.0.1:{port}{path}", headers={"host": on})

        async def methods(port: int) -> list[str]:
            answer = await get(port, "/api/v1/payment-methods")
            assert answer.status_code == 200, answer.text
            return [item["code"] for item in answer.json()["items"]]

        async def name(port: int, on: str = host) -> str | int:
            answer = await get(port, "/api/v1/shop", on)
            return answer.json()["name"] if answer.status_code == 200 else answer.status_code

        async def bank_transfer(port: int, offered: bool) -> None:
            answer = await api.put(
                f"http://127.0.0.1:{port}/api/admin/v1/plugins/payments_offline",
                headers={"host": host, "authorization": f"Bearer {token}"},
                json={"enabled": True, "settings": {
                    "cash_on_delivery": True, "bank_transfer": offered,
                    "bank_instructions": "工商银行 6222 0000"}})
            assert answer.status_code == 200, answer.text

        async def sql(statement: str) -> None:
            await asyncio.to_thread(sql_elsewhere, settings, statement)

        await bank_transfer(port_a, True)
        for _ in range(2):  # both servers warm: the shop and its plugins in their caches
            for port in ports:
                assert {"cod", "bank_transfer"} <= set(await methods(port))
                assert await name(port) == f"Shop {slug}"
        # Through one server: the other answers the new settings at once, and back.
        await bank_transfer(port_a, False)
        assert "bank_transfer" not in await methods(port_b)
        await bank_transfer(port_b, True)
        assert "bank_transfer" in await methods(port_a)
        # By SQL from a third process: switched off, renamed, a domain, suspended.
        await sql(f"UPDATE plugin_state SET enabled = false WHERE tenant = {tenant} "
                  "AND plugin = 'payments_offline'")
        for port in ports:
            assert "cod" not in await methods(port)
        await sql(f"UPDATE tenant SET name = '改名的店' WHERE id = {tenant}")
        for port in ports:
            assert await name(port) == "改名的店"
        domain = f"www.{slug}.cn"
        await sql("INSERT INTO custom_domain (tenant, host, verified, verification_token, "
                  f"created_at) VALUES ({tenant}, '{domain}', true, 'x', CURRENT_TIMESTAMP)")
        for port in ports:
            assert await name(port, domain) == "改名的店"
        await sql(f"UPDATE tenant SET status = 'suspended' WHERE id = {tenant}")
        for port in ports:
            assert await name(port) == 403 and await name(port, domain) == 403
    finally:
        await api.aclose()
        one.stop()
        two.stop()

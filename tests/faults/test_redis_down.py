"""Redis configured but unreachable: the HTML storefront still sells, staff and shoppers
sign in, rate limits count per process, `/readyz` says degraded, and the jobs written
meanwhile wait in the outbox until Redis is back (issue 12, item 4). Against a real
`galleria serve` and `galleria worker` and a private redis-server the test stops mid-run."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from fault_kit import (
    HtmlBrowser,
    Process,
    private_redis,  # noqa: F401 - a fixture
    process_env,
    serve,
    wait_for,
    wait_until_up,
)
from invariants import check_shop, outbox_problems, outbox_settled

from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"contact.name": "韩梅梅", "contact.phone": "13900139000",
           "contact.email": "meimei@example.com", "address.country": "CN",
           "address.province": "上海市", "address.city": "上海市", "address.district": "静安区",
           "address.line1": "南京西路 1 号"}


LEASE_SECONDS = 5


async def _due_and_pending(tenant: int) -> int:
    return await OutboxEvent.count().where(
        (OutboxEvent.tenant == tenant) & OutboxEvent.done_at.is_null()
        & (OutboxEvent.next_attempt_at <= dt.datetime.now(dt.UTC)))


async def test_with_redis_down_shoppers_buy_through_the_pages_and_staff_sign_in(
        open_shop, settings, tmp_path, private_redis):  # noqa: F811
    shop = await open_shop()
    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井茶", "variants": [
        {"sku": "REDIS-LJ", "price": 3800, "stock": 5}]})
    assert created.status_code == 201, created.text
    product, variant = created.json()["id"], created.json()["variants"][0]["id"]
    offline = await shop.put("/api/admin/v1/plugins/payments_offline", json={
        "enabled": True, "settings": {"cash_on_delivery": True, "bank_transfer": True,
                                      "bank_instructions": "招商银行 6225 0000 1111"}})
    assert offline.status_code == 200, offline.text

    # Messages that were in Redis when it died are lost with it (no persistence here); their
    # rows are sent again once the relay's lease runs out, so the lease is short here.
    extra = {"GALLERIA_REDIS_URL": private_redis.url,
             "GALLERIA_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    server, port = serve(settings, tmp_path / "server.log", **extra)
    worker = Process(["worker", "--threads", "2"], process_env(settings, **extra),
                     tmp_path / "worker.log").start()
    shopper = HtmlBrowser(port, shop.host)
    clerk = HtmlBrowser(port, shop.host)
    api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20,
                            headers={"host": shop.host})
    try:
        wait_until_up(port, server)
        assert (await api.get("/readyz")).json()["status"] == "ok"

        private_redis.stop()  # Redis dies with the app and the worker running
        ready = await api.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["redis"].startswith("error")

        # The shopper browses, adds to the cart, checks out and reaches the payment page.
        assert (await shopper.get(f"/products/{product}")).status_code == 200
        added = await shopper.post("/cart/items", {"product_id": str(product),
                                                   "variant_id": str(variant), "quantity": "2"})
        assert added.status_code in (200, 303), added.text
        cart = await shopper.get("/cart")
        assert cart.status_code == 200 and "龙井茶" in cart.text and "¥76.00" in cart.text
        page = await shopper.get("/checkout")
        assert page.status_code == 200, page.text
        attempt = re.search(r'name="attempt" value="([^"]+)"', page.text).group(1)
        placed = await shopper.post("/checkout", {"attempt": attempt, **ADDRESS, "action": "place",
                                                  "payment_method": "bank_transfer"})
        assert placed.status_code == 303, placed.text
        number = placed.headers["location"].split("/")[2]
        pay = await shopper.get(placed.headers["location"])
        assert pay.status_code == 200 and "招商银行 6225 0000 1111" in pay.text

        # Staff sign in to the console and the merchant confirms the transfer.
        await clerk.get("/console/login")
        signed_in = await clerk.post("/console/login", {
            "email": shop.email, "password": "Correct-Horse-9", "next": "/console/"})
        assert signed_in.status_code == 303, signed_in.text
        console = await clerk.get("/console/orders")
        assert console.status_code == 200 and number in console.text
        paid = await api.post(f"/api/admin/v1/orders/{number}/mark-paid",
                              json={"note": "transfer received"},
                              headers={"authorization": f"Bearer {shop.token}"})
        assert paid.status_code == 200, paid.text
        order = await shopper.get(f"/orders/{number}")  # the session still knows the order
        assert order.status_code == 200 and number in order.text

        # A shopper registers and signs in through the API (rate limited, per process now).
        registered = await api.post("/api/v1/account/register", json={
            "email": "redis-down@example.com", "password": "Correct-Horse-9"})
        assert registered.status_code == 201, registered.text
        signed = await api.post("/api/v1/account/sign-in", json={
            "login": "redis-down@example.com", "password": "Correct-Horse-9"})
        assert signed.status_code == 200, signed.text
        assert "Redis is unreachable" in server.tail(20_000)

        # The order's events wait in the outbox while the worker cannot reach Redis ...
        assert await _due_and_pending(tenant) > 0
        private_redis.start()  # ... and drain once Redis is back (same port)
        try:
            await wait_for(lambda: outbox_settled(tenant), 45,
                           "the outbox drained after Redis came back")
        except AssertionError as late:
            raise AssertionError(f"{late}: {await outbox_problems(tenant)}\n"
                                 f"{worker.tail()}") from None
        assert (await api.get("/readyz")).json()["status"] == "ok"
        order = await shopper.get(f"/orders/{number}")  # the outage's session lives on
        assert order.status_code == 200 and number in order.text
    finally:
        await shopper.close()
        await clerk.close()
        await api.aclose()
        worker.stop()
        server.stop()
    assert "Traceback" not in server.tail(200_000), server.tail()
    assert await check_shop(tenant) == []

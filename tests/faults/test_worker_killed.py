"""`kill -9` of a real `galleria worker` while it delivers a webhook: the restarted worker
takes the job over once its lease runs out, and every event reaches every subscriber once
(issue 12, item 1). The worker runs on a private redis-server the test starts."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fault_kit import Process, private_redis, process_env, wait_for  # noqa: F401 - fixture
from invariants import check_shop

from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.notifications.tables import WebhookDelivery
from galleria.kernel.tenancy.tables import Tenant

LEASE_SECONDS = 3
ORDERS = 4
_skus = itertools.count(1)
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


class HoldingReceiver:
    """A webhook receiver that holds the first POST open (the worker is killed meanwhile)
    and answers 200 to every other one, recording each delivery id it sees."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.first_arrived, self.release = threading.Event(), threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                receiver.seen.append(self.headers["Galleria-Event-Id"])
                if len(receiver.seen) == 1:
                    receiver.first_arrived.set()
                    receiver.release.wait(30)
                try:
                    self.send_response(200)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the worker that asked is dead

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


async def place_order(shop, stock: int = 5) -> str:
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"KILL-{next(_skus)}", "price": 2800, "stock": stock}]})
    assert created.status_code == 201, created.text
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart}/items", admin=False, json={
        "variant_id": created.json()["variants"][0]["id"], "quantity": 2})
    assert added.status_code == 200, added.text
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]



async def test_worker_killed_mid_webhook_is_taken_over_and_delivers_each_event_once(
        open_shop, settings, tmp_path, private_redis):  # noqa: F811
    receiver = HoldingReceiver()
    shop = await open_shop()
    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    created = await shop.post("/api/admin/v1/webhooks", json={
        "url": receiver.url, "topics": ["order.placed"]})
    assert created.status_code == 201, created.text
    numbers = [await place_order(shop) for _ in range(ORDERS)]
    # The unpaid-order timeouts are due now: job.* rows go through the same claims.
    await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)}).where(
        (OutboxEvent.tenant == tenant) & (OutboxEvent.topic == "job.cancel_unpaid_order"))
    env = process_env(settings, GALLERIA_REDIS_URL=private_redis.url,
                      GALLERIA_JOB_LEASE_SECONDS=str(LEASE_SECONDS))
    worker = Process(["worker", "--threads", "2"], env, tmp_path / "worker.log")
    try:
        worker.start()
        assert receiver.first_arrived.wait(45), worker.tail()
        worker.kill9()  # mid-POST: the job's claim is left behind, its lease running
        receiver.release.set()
        killed_id = receiver.seen[0]

        worker = Process(["worker", "--threads", "2"], env, tmp_path / "worker2.log").start()

        async def all_delivered():
            async with db.shop_scope(tenant):
                rows = await WebhookDelivery.select(WebhookDelivery.status).where(
                    WebhookDelivery.tenant == tenant)
            pending = await OutboxEvent.count().where(
                (OutboxEvent.tenant == tenant) & OutboxEvent.done_at.is_null())
            return (len(rows) == ORDERS and all(r["status"] == "succeeded" for r in rows)
                    and pending == 0)

        # Boot, then the lease of the killed claim runs out, then the takeover.
        await wait_for(all_delivered, 30 + LEASE_SECONDS, "every webhook delivered "
                       "after the restart\n" + worker.tail())
    finally:
        worker.stop()
        receiver.close()
    assert len(set(receiver.seen)) == ORDERS  # every order's event reached the receiver
    assert receiver.seen.count(killed_id) == 2  # retried with the same delivery id
    assert all(receiver.seen.count(i) == 1 for i in set(receiver.seen) - {killed_id})
    async with db.shop_scope(tenant):
        from galleria.kernel.orders.tables import Order

        statuses = {r["number"]: r["status"] for r in await Order.select(
            Order.number, Order.status).where(Order.tenant == tenant)}
    assert statuses == dict.fromkeys(numbers, "cancelled")  # the timeouts ran once each
    assert await check_shop(tenant) == []
    assert json.loads(created.text)["topics"] == ["order.placed"]

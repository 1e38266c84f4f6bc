"""Merchant webhooks: signed POSTs to a real local HTTP receiver, retries after a failure,
the delivery log, and one shop's webhooks out of every other shop's reach."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from galleria.auth.tokens import issue_token
from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.notifications import webhooks
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import run_outbox

_skus = itertools.count(1)
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each POST and answers with the next
    queued status (200 when none is queued)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                receiver.requests.append({"headers": dict(self.headers.items()),
                                          "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = json.dumps({"received": status < 300}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/galleria"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def verify(secret: str, headers: dict[str, str], body: str, tolerance: int = 300) -> bool:
    """What a merchant's receiver does (docs/webhooks.md): recompute the HMAC and compare in
    constant time, and refuse an old timestamp."""
    fields = dict(part.split("=", 1) for part in headers["Galleria-Signature"].split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(),
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - timestamp) < tolerance


async def _tenant(slug: str) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]


async def _place_order(shop) -> str:
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{next(_skus)}", "price": 2800, "stock": 5}]})
    assert created.status_code == 201, created.text
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart}/items", admin=False, json={
        "variant_id": created.json()["variants"][0]["id"], "quantity": 1})
    assert added.status_code == 200, added.text
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def _make_due(tenant_id: int) -> None:
    """Move this shop's webhook jobs waiting for their backoff to now."""
    await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)
                              - dt.timedelta(seconds=1)}).where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "job." + webhooks.JOB)
        & OutboxEvent.done_at.is_null())


async def test_order_event_is_posted_signed_and_the_secret_is_shown_once(
        open_shop, runtime, receiver):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/webhooks", json={
        "url": receiver.url, "topics": ["order.placed", "order.paid"],
        "description": "ERP"})
    assert created.status_code == 201, created.text
    endpoint = created.json()
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and endpoint["topics"] == ["order.paid", "order.placed"]

    listed = (await shop.get("/api/admin/v1/webhooks")).json()
    one = (await shop.get(f"/api/admin/v1/webhooks/{endpoint['id']}")).json()
    patched = (await shop.client.patch(f"/api/admin/v1/webhooks/{endpoint['id']}",
                                       json={"description": "ERP sync"},
                                       headers=shop.headers())).json()
    for shown in (listed, one, patched):
        assert secret not in json.dumps(shown) and "secret" not in json.dumps(shown)
    assert patched["description"] == "ERP sync"
    assert "order.shipped" in listed["topics"]

    number = await _place_order(shop)
    await run_outbox(runtime.host)
    assert len(receiver.requests) == 1
    posted = receiver.requests[0]
    headers, body = posted["headers"], json.loads(posted["body"])
    assert verify(secret, headers, posted["body"])
    assert not verify("whsec_wrong", headers, posted["body"])
    assert headers["Galleria-Event-Id"] == body["id"] and body["id"].startswith("evt_")
    assert headers["Content-Type"] == "application/json"
    assert (body["topic"], body["shop"], body["data"]["number"]) == (
        "order.placed", shop.slug, number)
    assert dt.datetime.fromisoformat(body["created_at"]).tzinfo is not None


async def test_a_500_is_retried_with_backoff_and_every_attempt_is_logged(
        open_shop, runtime, receiver):
    shop = await open_shop()
    tenant_id = await _tenant(shop.slug)
    endpoint = (await shop.post("/api/admin/v1/webhooks", json={
        "url": receiver.url, "topics": ["order.placed"]})).json()
    receiver.statuses = [500]
    await _place_order(shop)
    await run_outbox(runtime.host)
    assert len(receiver.requests) == 1
    job = await OutboxEvent.select().where(
        (OutboxEvent.tenant == tenant_id)
        & (OutboxEvent.topic == "job." + webhooks.JOB)).first()
    assert job["done_at"] is None and job["attempts"] == 1 and "HTTP 500" in job["last_error"]
    assert job["next_attempt_at"] > dt.datetime.now(dt.UTC)  # waits for its backoff

    log = (await shop.get(f"/api/admin/v1/webhooks/{endpoint['id']}/deliveries")).json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log["items"]] == [
        ("failed", 1, 500)]

    await _make_due(tenant_id)
    await run_outbox(runtime.host)
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first["body"] == second["body"]  # the same event, byte for byte
    assert first["headers"]["Galleria-Event-Id"] == second["headers"]["Galleria-Event-Id"]
    assert verify(endpoint["secret"], second["headers"], second["body"])

    delivery = (await shop.get(
        f"/api/admin/v1/webhooks/{endpoint['id']}/deliveries")).json()["items"][0]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "succeeded", 2, 200)
    attempts = delivery["attempt_log"]
    assert [a["status_code"] for a in attempts] == [200, 500]  # newest first
    assert attempts[1]["error"] == "HTTP 500" and '"received":false' in \
        attempts[1]["response_excerpt"].replace(" ", "")
    assert all(a["duration_ms"] >= 0 and a["at"] for a in attempts)

    await run_outbox(runtime.host)
    assert len(receiver.requests) == 2  # delivered: never sent again

    again = await shop.post(f"/api/admin/v1/webhooks/{endpoint['id']}/deliveries/"
                            f"{delivery['id']}/redeliver")
    assert again.status_code == 202, again.text
    await run_outbox(runtime.host)
    assert len(receiver.requests) == 3
    assert receiver.requests[2]["body"] == first["body"]


async def test_disabled_and_unsubscribed_endpoints_get_nothing(open_shop, runtime, receiver):
    shop = await open_shop()
    await shop.post("/api/admin/v1/webhooks", json={"url": receiver.url,
                                                    "topics": ["order.paid"]})
    off = (await shop.post("/api/admin/v1/webhooks", json={
        "url": receiver.url, "topics": ["order.placed"], "enabled": False})).json()
    assert off["enabled"] is False
    await _place_order(shop)
    await run_outbox(runtime.host)
    assert receiver.requests == []


async def test_another_shop_cannot_read_or_change_these_webhooks(open_shop, receiver):
    mine, other = await open_shop(), await open_shop()
    endpoint = (await mine.post("/api/admin/v1/webhooks", json={
        "url": receiver.url, "topics": ["order.paid"]})).json()
    path = f"/api/admin/v1/webhooks/{endpoint['id']}"

    # The other shop's token on this shop's host is refused like a wrong one …
    foreign = {"host": mine.host, "authorization": f"Bearer {other.token}"}
    assert (await mine.client.get("/api/admin/v1/webhooks", headers=foreign)).status_code == 401
    # … and on its own host this shop's endpoint does not exist.
    assert (await other.get(path)).status_code == 404
    assert (await other.client.patch(path, json={"url": "http://127.0.0.1:9/x"},
                                     headers=other.headers())).status_code == 404
    assert (await other.client.delete(path, headers=other.headers())).status_code == 404
    assert (await other.get(path + "/deliveries")).status_code == 404
    assert endpoint["id"] not in [e["id"] for e in
                                  (await other.get("/api/admin/v1/webhooks")).json()["items"]]
    still = (await mine.get(path)).json()
    assert (still["url"], still["enabled"]) == (receiver.url, True)

    assert (await mine.client.delete(path, headers=mine.headers())).status_code == 204
    assert (await mine.get(path)).status_code == 404


async def test_bad_endpoints_are_refused_with_422(open_shop, monkeypatch):
    shop = await open_shop()
    for body in ({"url": "ftp://example.com/x", "topics": ["order.paid"]},
                 {"url": "https://user:pw@example.com/x", "topics": ["order.paid"]},
                 {"url": "https://example.com/x", "topics": ["order.exploded"]},
                 {"url": "https://example.com/x", "topics": []}):
        answer = await shop.post("/api/admin/v1/webhooks", json=body)
        assert answer.status_code == 422, (body, answer.text)
    monkeypatch.setenv("GALLERIA_WEBHOOKS_ALLOW_PRIVATE", "0")  # as in production
    for url in ("http://127.0.0.1:8000/x", "http://10.1.2.3/x", "http://[::1]/x",
                "http://169.254.169.254/latest"):
        answer = await shop.post("/api/admin/v1/webhooks",
                                 json={"url": url, "topics": ["order.paid"]})
        assert answer.status_code == 422 and "private network" in answer.text, url
    assert (await shop.get("/api/admin/v1/webhooks")).json()["items"] == []


async def test_webhooks_need_the_settings_scope(open_shop):
    shop = await open_shop()
    tenant_id = await _tenant(shop.slug)
    async with db.shop_scope(tenant_id):
        reader = await issue_token(tenant_id, "reader", ["orders:read"])
    headers = {"host": shop.host, "authorization": f"Bearer {reader}"}
    assert (await shop.client.get("/api/admin/v1/webhooks", headers=headers)).status_code == 403
    refused = await shop.client.post("/api/admin/v1/webhooks", headers=headers, json={
        "url": "https://example.com/x", "topics": ["order.paid"]})
    assert refused.status_code == 403


def test_private_targets_are_allowed_only_when_settings_say_so():
    allowed = webhooks.private_targets_allowed
    assert allowed({}) is True  # the local development domain
    assert allowed({"GALLERIA_DOMAIN": "shops.example.com"}) is False
    assert allowed({"GALLERIA_DOMAIN": "shops.example.com",
                    "GALLERIA_WEBHOOKS_ALLOW_PRIVATE": "1"}) is True
    assert allowed({"GALLERIA_WEBHOOKS_ALLOW_PRIVATE": "0"}) is False


# -- console ---------------------------------------------------------------------------------
async def test_console_adds_an_endpoint_shows_its_secret_once_and_lists_deliveries(
        app, open_shop, runtime, receiver):
    import re

    import httpx

    shop = await open_shop()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html"}) as browser:
        async def csrf(path):
            page = await browser.get(path)
            assert page.status_code == 200, page.text
            return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)

        signed_in = await browser.post("/console/login", data={
            "_csrf_token": await csrf("/console/login"), "email": shop.email,
            "password": "Correct-Horse-9", "next": "/console/"})
        assert signed_in.status_code in (302, 303), signed_in.text
        refused = await browser.post("/console/webhooks", data={
            "_csrf_token": await csrf("/console/webhooks"), "url": "gopher://x",
            "topics": ["order.paid"]})
        assert refused.status_code == 422 and "http://" in refused.text
        added = await browser.post("/console/webhooks", data={
            "_csrf_token": await csrf("/console/webhooks"), "url": receiver.url,
            "description": "仓库系统", "topics": ["order.placed", "order.paid"]})
        assert added.status_code == 200, added.text
        secret = re.search(r'value="(whsec_[^"]+)"', added.text).group(1)
        listing = await browser.get("/console/webhooks")
        assert receiver.url in listing.text and secret not in listing.text

        await _place_order(shop)
        await run_outbox(runtime.host)
        assert verify(secret, receiver.requests[0]["headers"], receiver.requests[0]["body"])
        endpoint_id = (await shop.get("/api/admin/v1/webhooks")).json()["items"][0]["id"]
        detail = await browser.get(f"/console/webhooks/{endpoint_id}")
        assert detail.status_code == 200 and "evt_" in detail.text and ">200<" in detail.text
        assert secret not in detail.text
        log = await browser.get("/console/notifications")
        assert log.status_code == 200 and "消息通知" in log.text  # the shop speaks Chinese

"""Merchant webhooks: endpoints that receive the shop's order events, signed.

A merchant registers an endpoint (an http(s) URL and the order topics it wants); its
signing secret is generated here, returned once, and kept encrypted. When a subscribed
event commits, the listener `queue_webhooks` writes one delivery per endpoint — the exact
JSON body `{id, topic, created_at, shop, data}` — and enqueues the `deliver_webhook` job.
Each POST carries

    Galleria-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>
    Galleria-Event-Id: <id>     (the same on every retry and redelivery: deduplicate on it)

A non-2xx answer or a network error is recorded as an attempt and raised, so the outbox
retries the job with backoff. URLs must be http(s); hosts that resolve to private, loopback
or link-local addresses are refused unless private targets are allowed (see
`private_targets_allowed`), and checked again before every POST.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from galleria.kernel import crypto, db
from galleria.kernel.errors import FieldError, NotFound, Problems, ValidationFailed
from galleria.kernel.events import Event, enqueue
from galleria.kernel.notifications.tables import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import get_shop_by_id

TOPICS = ("order.placed", "order.paid", "order.shipped", "order.delivered", "order.completed",
          "order.cancelled", "order.refunded")
JOB = "deliver_webhook"
SECRET_PURPOSE = "webhook-secret"  # noqa: S105 - an HKDF label, not a secret
TIMEOUT_SECONDS = 10
EXCERPT = 500


class WebhookFailed(RuntimeError):
    """A delivery attempt did not get a 2xx answer (the outbox retries it)."""


def sign(secret: str, timestamp: int, body: str) -> str:
    """The `Galleria-Signature` header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def private_targets_allowed(env: dict[str, str] | None = None) -> bool:
    """`GALLERIA_WEBHOOKS_ALLOW_PRIVATE` (1/0) if set; otherwise allowed only when the
    platform runs on the local development domain (`GALLERIA_DOMAIN` localhost), as the
    demo and the tests do."""
    env = os.environ if env is None else env
    raw = (env.get("GALLERIA_WEBHOOKS_ALLOW_PRIVATE") or "").strip().lower()
    if raw:
        return raw in ("1", "true", "yes", "on")
    domain = (env.get("GALLERIA_DOMAIN") or "localhost").strip().lower()
    return domain == "localhost" or domain.endswith(".localhost")


# -- validation ------------------------------------------------------------------------------
def check_url(url: str, problems: Problems) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > 2000 or parts.scheme not in ("http", "https") or not parts.hostname:
        problems.add("url", "an http:// or https:// URL of at most 2000 characters")
    elif parts.username or parts.password:
        problems.add("url", "credentials in the URL are not allowed; verify the signature "
                            "instead")
    return url


def check_topics(topics: list[str] | None, problems: Problems) -> list[str]:
    chosen = sorted(set(topics or []))
    unknown = [t for t in chosen if t not in TOPICS]
    if not chosen or unknown:
        problems.add("topics", "one or more of: " + ", ".join(TOPICS))
    return chosen


async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host is (or resolves to) a non-public address."""
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError as exc:
            raise _url_problem(f"{host} does not resolve") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or any(not address.is_global for address in addresses):
        raise _url_problem(f"{host} points inside a private network")


def _url_problem(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError("url", message)])


# -- endpoints -------------------------------------------------------------------------------
def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def endpoint_view(row: dict[str, Any]) -> dict[str, Any]:
    """An endpoint as the API and console show it: never its secret."""
    return {"id": row["id"], "url": row["url"], "description": row["description"],
            "topics": _json(row["topics"]) or [], "enabled": row["enabled"],
            "created_at": _time(row["created_at"]), "updated_at": _time(row["updated_at"])}


async def create_endpoint(tenant_id: int, *, url: str, topics: list[str],
                          description: str = "", enabled: bool = True) -> dict[str, Any]:
    """Register an endpoint; the answer is the only one that includes its `secret`.
    Call inside the shop's scope."""
    problems = Problems()
    url, topics = check_url(url, problems), check_topics(topics, problems)
    problems.raise_if_any("The webhook endpoint is invalid")
    await check_target(url, allow_private=private_targets_allowed())
    secret = "whsec_" + secrets.token_urlsafe(32)
    rows = await WebhookEndpoint.insert(WebhookEndpoint(
        tenant=tenant_id, url=url, description=description.strip()[:200], topics=topics,
        enabled=enabled, secret=crypto.seal({"secret": secret}, purpose=SECRET_PURPOSE),
    )).returning(*WebhookEndpoint.all_columns())
    return {**endpoint_view(rows[0]), "secret": secret}


async def get_endpoint(tenant_id: int, endpoint_id: int) -> dict[str, Any]:
    row = await WebhookEndpoint.select().where(
        (WebhookEndpoint.tenant == tenant_id) & (WebhookEndpoint.id == endpoint_id)).first()
    if row is None:
        raise NotFound(f"No webhook endpoint {endpoint_id} in this shop")
    return row


async def list_endpoints(tenant_id: int) -> list[dict[str, Any]]:
    rows = await WebhookEndpoint.select().where(
        WebhookEndpoint.tenant == tenant_id).order_by(WebhookEndpoint.id)
    return [endpoint_view(row) for row in rows]


async def update_endpoint(tenant_id: int, endpoint_id: int, *, url: str | None = None,
                          topics: list[str] | None = None, description: str | None = None,
                          enabled: bool | None = None) -> dict[str, Any]:
    """Change what is given, keep the rest (and the secret). Call inside the shop's scope."""
    await get_endpoint(tenant_id, endpoint_id)
    problems = Problems()
    values: dict[Any, Any] = {WebhookEndpoint.updated_at: dt.datetime.now(dt.UTC)}
    if url is not None:
        values[WebhookEndpoint.url] = check_url(url, problems)
    if topics is not None:
        values[WebhookEndpoint.topics] = check_topics(topics, problems)
    problems.raise_if_any("The webhook endpoint is invalid")
    if url is not None:
        await check_target(values[WebhookEndpoint.url], allow_private=private_targets_allowed())
    if description is not None:
        values[WebhookEndpoint.description] = description.strip()[:200]
    if enabled is not None:
        values[WebhookEndpoint.enabled] = enabled
    await WebhookEndpoint.update(values).where(
        (WebhookEndpoint.tenant == tenant_id) & (WebhookEndpoint.id == endpoint_id))
    return endpoint_view(await get_endpoint(tenant_id, endpoint_id))


async def delete_endpoint(tenant_id: int, endpoint_id: int) -> None:
    """Remove an endpoint with its delivery log. Call inside the shop's scope."""
    await get_endpoint(tenant_id, endpoint_id)
    deliveries = [r["id"] for r in await WebhookDelivery.select(WebhookDelivery.id).where(
        (WebhookDelivery.tenant == tenant_id) & (WebhookDelivery.endpoint == endpoint_id))]
    if deliveries:
        await WebhookAttempt.delete().where((WebhookAttempt.tenant == tenant_id)
                                            & WebhookAttempt.delivery.is_in(deliveries))
        await WebhookDelivery.delete().where((WebhookDelivery.tenant == tenant_id)
                                             & WebhookDelivery.id.is_in(deliveries))
    await WebhookEndpoint.delete().where(
        (WebhookEndpoint.tenant == tenant_id) & (WebhookEndpoint.id == endpoint_id))


# -- deliveries ------------------------------------------------------------------------------
def delivery_body(event: Event, shop_slug: str) -> str:
    return json.dumps({"id": f"evt_{event.id}", "topic": event.topic,
                       "created_at": _time(event.occurred_at), "shop": shop_slug,
                       "data": event.payload}, ensure_ascii=False, separators=(",", ":"))


async def _schedule(tenant_id: int, endpoint_id: int, event_id: str, topic: str,
                    body: str) -> int:
    rows = await WebhookDelivery.insert(WebhookDelivery(
        tenant=tenant_id, endpoint=endpoint_id, event_id=event_id, topic=topic, body=body,
    )).returning(WebhookDelivery.id)
    await enqueue(tenant_id, JOB, tenant_id=tenant_id, delivery_id=rows[0]["id"])
    return rows[0]["id"]


async def queue_webhooks(event: Event, host: PluginHost) -> None:
    """Listener of the order events: one delivery per enabled endpoint subscribed to the
    event's topic, written with its job in one transaction. Runs again harmlessly (a
    runner taking over from a killed one): endpoints queued for the event are skipped."""
    if event.tenant_id is None or event.topic not in TOPICS:
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        endpoints = await WebhookEndpoint.select(
            WebhookEndpoint.id, WebhookEndpoint.topics).where(
            (WebhookEndpoint.tenant == shop.id) & WebhookEndpoint.enabled.eq(True))
        subscribed = [e["id"] for e in endpoints if event.topic in (_json(e["topics"]) or [])]
        if subscribed:  # a runner killed after this committed left them queued already
            queued = {r["endpoint"] for r in await WebhookDelivery.select(
                WebhookDelivery.endpoint).where(
                (WebhookDelivery.tenant == shop.id)
                & (WebhookDelivery.event_id == f"evt_{event.id}")
                & WebhookDelivery.endpoint.is_in(subscribed))}
            subscribed = [e for e in subscribed if e not in queued]
        if not subscribed:
            return
        body = delivery_body(event, shop.slug)
        for endpoint_id in subscribed:
            await _schedule(shop.id, endpoint_id, f"evt_{event.id}", event.topic, body)


async def deliver_webhook(tenant_id: int, delivery_id: int) -> None:
    """The job: POST a delivery once, record the attempt; raise WebhookFailed (retried with
    the outbox's backoff) on a non-2xx answer or a network error."""
    async with db.shop_scope(tenant_id):
        delivery = await WebhookDelivery.select().where(
            (WebhookDelivery.tenant == tenant_id) & (WebhookDelivery.id == delivery_id)).first()
        if delivery is None or delivery["status"] == "succeeded":
            return
        endpoint = await WebhookEndpoint.select().where(
            (WebhookEndpoint.tenant == tenant_id)
            & (WebhookEndpoint.id == delivery["endpoint"])).first()
    if endpoint is None or not endpoint["enabled"]:
        return  # removed or switched off since: nothing to send
    secret = crypto.unseal(endpoint["secret"], purpose=SECRET_PURPOSE)["secret"]
    status_code, excerpt, error, started = None, "", "", time.perf_counter()
    try:
        await check_target(endpoint["url"], allow_private=private_targets_allowed())
        status_code, excerpt = await _post(endpoint["url"], delivery, secret)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except ValidationFailed as exc:
        error = exc.detail
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    duration_ms = int((time.perf_counter() - started) * 1000)
    async with db.shop_scope(tenant_id):
        await WebhookAttempt.insert(WebhookAttempt(
            tenant=tenant_id, delivery=delivery_id, status_code=status_code,
            duration_ms=duration_ms, error=error[:EXCERPT], response_excerpt=excerpt))
        await WebhookDelivery.update({
            WebhookDelivery.attempts: WebhookDelivery.attempts + 1,
            WebhookDelivery.last_status_code: status_code,
            WebhookDelivery.status: "failed" if error else "succeeded",
            WebhookDelivery.delivered_at: None if error else dt.datetime.now(dt.UTC),
        }).where((WebhookDelivery.tenant == tenant_id) & (WebhookDelivery.id == delivery_id))
    if error:
        raise WebhookFailed(f"webhook delivery {delivery_id}: {error}")


async def _post(url: str, delivery: dict[str, Any], secret: str) -> tuple[int, str]:
    """POST the delivery's body; the status and the first characters of the answer."""
    body = delivery["body"]
    headers = {"Content-Type": "application/json", "User-Agent": "Galleria-Webhooks/1",
               "Galleria-Event-Id": delivery["event_id"],
               "Galleria-Topic": delivery["topic"],
               "Galleria-Signature": sign(secret, int(time.time()), body)}
    async with (httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
                client.stream("POST", url, content=body.encode(), headers=headers) as response):
        chunks = b""
        async for chunk in response.aiter_bytes():
            chunks += chunk
            if len(chunks) >= EXCERPT * 4:
                break  # an excerpt is all the log keeps
    return response.status_code, chunks.decode("utf-8", "replace")[:EXCERPT]


async def list_deliveries(tenant_id: int, endpoint_id: int, *, limit: int = 50,
                          before_id: int | None = None) -> list[dict[str, Any]]:
    """An endpoint's deliveries, newest first, each with its attempts (newest first).
    Call inside the shop's scope."""
    await get_endpoint(tenant_id, endpoint_id)
    query = WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.topic,
        WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_status_code,
        WebhookDelivery.created_at, WebhookDelivery.delivered_at,
    ).where((WebhookDelivery.tenant == tenant_id) & (WebhookDelivery.endpoint == endpoint_id))
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    rows = await query.order_by(WebhookDelivery.id, ascending=False).limit(limit)
    attempts: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for a in await WebhookAttempt.select().where(
                (WebhookAttempt.tenant == tenant_id)
                & WebhookAttempt.delivery.is_in([r["id"] for r in rows])).order_by(
                WebhookAttempt.id, ascending=False):
            attempts.setdefault(a["delivery"], []).append({
                "status_code": a["status_code"], "duration_ms": a["duration_ms"],
                "error": a["error"], "response_excerpt": a["response_excerpt"],
                "at": _time(a["attempted_at"])})
    return [{**row, "created_at": _time(row["created_at"]),
             "delivered_at": _time(row["delivered_at"]),
             "attempt_log": attempts.get(row["id"], [])} for row in rows]


async def redeliver(tenant_id: int, endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    """Send a past delivery again, as a new delivery with the same event id and body.
    Call inside the shop's scope."""
    await get_endpoint(tenant_id, endpoint_id)
    source = await WebhookDelivery.select().where(
        (WebhookDelivery.tenant == tenant_id) & (WebhookDelivery.endpoint == endpoint_id)
        & (WebhookDelivery.id == delivery_id)).first()
    if source is None:
        raise NotFound(f"No delivery {delivery_id} of webhook endpoint {endpoint_id}")
    new_id = await _schedule(tenant_id, endpoint_id, source["event_id"], source["topic"],
                             source["body"])
    return {"id": new_id, "event_id": source["event_id"], "topic": source["topic"],
            "status": "pending"}


__all__ = ["JOB", "TOPICS", "WebhookFailed", "create_endpoint", "delete_endpoint",
           "deliver_webhook", "endpoint_view", "get_endpoint", "list_deliveries",
           "list_endpoints", "private_targets_allowed", "queue_webhooks", "redeliver", "sign",
           "update_endpoint"]

"""Order notifications: from order events to messages, and messages to channels.

Three kernel listeners (registered in galleria.kernel.reactions), each run after
commit from the outbox, at most once and retried with backoff when it raises:

- `queue_order_notifications` (order.placed, paid, shipped, delivered, refunded,
  cancelled): renders each message for the shopper and the merchant in the shop's language,
  once per channel of the shop that can reach them, writes it to the notification log and
  emits one `notification.send` row per (message, channel). On order.delivered it also
  schedules `notification.follow_up` a day later.
- `send_notification` (notification.send): sends one logged message through its channel.
  A channel that fails marks its log row failed and raises, so the outbox retries that row
  alone with backoff: the other channels and recipients are not sent twice.
- `follow_up` (notification.follow_up): invites the shopper's feedback or complaint, unless
  the order was refunded meanwhile.

Channels come from the shop's enabled plugins (`galleria_notification_channels(shop)`);
they are called outside any transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import NotFound
from galleria.kernel.events import Event, emit
from galleria.kernel.money import format_minor
from galleria.kernel.notifications.contracts import (
    MERCHANT,
    SHOPPER,
    NotificationChannel,
    NotificationMessage,
)
from galleria.kernel.notifications.render import has_message, render_message
from galleria.kernel.notifications.tables import NotificationLog
from galleria.kernel.orders.links import order_link, shop_origin
from galleria.kernel.orders.service import get_order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop, get_shop_by_id
from galleria.kernel.tenancy.tables import Membership

log = logging.getLogger("galleria.notifications")
HOOK = "galleria_notification_channels"
SEND_TOPIC = "notification.send"
FOLLOW_UP_TOPIC = "notification.follow_up"
FOLLOW_UP_DELAY = dt.timedelta(days=1)
ORDER_MESSAGES = {"order.placed": "placed", "order.paid": "paid", "order.shipped": "shipped",
                  "order.delivered": "delivered", "order.refunded": "refunded",
                  "order.cancelled": "cancelled", "order.delayed": "delayed",
                  "order.lines_cancelled": "lines_cancelled",
                  "order.return_updated": "return_updated"}
NO_FOLLOW_UP = frozenset({"refunding", "refunded"})


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value or {})


# -- channels and addresses ------------------------------------------------------------------
def shop_channels(host: PluginHost, shop: Shop,
                  enabled: frozenset[str]) -> dict[str, NotificationChannel]:
    """The shop's channels, keyed `<plugin>:<kind>` (the key a log row keeps)."""
    channels: dict[str, NotificationChannel] = {}
    for plugin, channel in host.provided_each(HOOK, enabled, NotificationChannel, shop=shop):
        if channel.kind:
            channels.setdefault(f"{plugin}:{channel.kind}", channel)
    return channels


async def owner_email(tenant_id: int) -> str:
    row = await (Membership.select(Membership.user.email.as_alias("email"))
                 .where((Membership.tenant == tenant_id) & (Membership.role == "owner"))
                 .order_by(Membership.id).first())
    return row["email"] if row else ""


async def merchant_addresses(shop: Shop) -> dict[str, str]:
    """The shop's `notification_email` setting or its owner's email; `notification_phone`."""
    email = str(shop.settings.get("notification_email") or "") or await owner_email(shop.id)
    return {"email": email, "sms": str(shop.settings.get("notification_phone") or "")}


def shopper_addresses(contact: dict[str, Any]) -> dict[str, str]:
    return {"email": str(contact.get("email") or ""), "sms": str(contact.get("phone") or "")}


def message_values(shop: Shop, order: dict[str, Any], payload: dict[str, Any]) -> dict:
    currency = order["currency"]
    amount = payload.get("amount")
    return {
        "shop_name": shop.name, "number": order["number"],
        "name": str(_json(order["contact"]).get("name") or ""),
        "total": format_minor(order["total"], currency),
        "amount": format_minor(amount if type(amount) is int else order["total"],
                               str(payload.get("currency") or currency)),
        "carrier": str(payload.get("carrier") or ""),
        "tracking_number": str(payload.get("tracking_number") or ""),
        "reason": str(payload.get("reason") or ""),
        "full": bool(payload.get("full", True)),
        "amount_paid": type(amount) is int and amount > 0,
        "return_id": payload.get("return_id"),
        "return_status": str(payload.get("status") or "") if "return_id" in payload else "",
        "payment_method": order["payment_method"],
        "kind": str(payload.get("kind") or ""),  # order.delayed: which promise is broken
        "link": str(payload.get("link") or ""),  # order.follow_up: the feedback page
        **{key: str(payload.get(key) or "") for key in (
            "pickup_code", "pickup_point", "pickup_address", "pickup_hours")},
    }


# -- queueing ------------------------------------------------------------------------------
async def queue_messages(host: PluginHost, shop: Shop, order: dict[str, Any], name: str,
                         topic: str, payload: dict[str, Any],
                         audiences: tuple[str, ...] = (SHOPPER, MERCHANT)) -> int:
    """Log and schedule message `name` to each audience through each channel that has an
    address for it; returns how many. Call inside the shop's scope."""
    channels = shop_channels(host, shop, await enabled_plugins(shop.id))
    if not channels:
        return 0
    values = message_values(shop, order, payload)
    merchant = await merchant_addresses(shop)
    addresses = {SHOPPER: shopper_addresses(_json(order["contact"])), MERCHANT: merchant}
    queued = 0
    for audience in audiences:
        if not has_message(name, audience):
            continue
        for key, channel in channels.items():
            recipient = addresses[audience].get(channel.kind, "")
            if not recipient:
                continue
            message = render_message(
                name, audience, shop.locale, values, recipient=recipient, topic=topic,
                html=channel.kind == "email",
                reply_to=merchant["email"] if audience == SHOPPER else "")
            await _log_and_schedule(shop.id, key, message)
            queued += 1
    return queued


async def _log_and_schedule(tenant_id: int, channel: str, message: NotificationMessage) -> None:
    row = await NotificationLog.insert(NotificationLog(
        tenant=tenant_id, topic=message.topic, audience=message.audience, channel=channel,
        recipient=message.recipient[:254], order_number=message.order_number,
        subject=message.subject[:300], message=message.to_json(),
    )).returning(NotificationLog.id)
    await emit(tenant_id, SEND_TOPIC, {"log_id": row[0]["id"]})


async def _order_or_none(tenant_id: int, number: Any) -> dict[str, Any] | None:
    try:
        return await get_order(tenant_id, str(number or ""))
    except NotFound:
        return None


async def queue_order_notifications(event: Event, host: PluginHost) -> None:
    """Listener of the order events in ORDER_MESSAGES."""
    if event.tenant_id is None:
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        order = await _order_or_none(shop.id, event.payload.get("number"))
        if order is None:
            log.warning("%s for an unknown order %r of shop %s", event.topic,
                        event.payload.get("number"), shop.id)
            return
        await queue_messages(host, shop, order, ORDER_MESSAGES[event.topic], event.topic,
                             event.payload)
        if event.topic == "order.delivered":
            await emit(shop.id, FOLLOW_UP_TOPIC, {"number": order["number"]},
                       not_before=dt.datetime.now(dt.UTC) + FOLLOW_UP_DELAY)


async def follow_up(event: Event, host: PluginHost) -> None:
    """Listener of notification.follow_up: the feedback invitation a day after delivery."""
    if event.tenant_id is None:
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        order = await _order_or_none(shop.id, event.payload.get("number"))
        if order is None or order["status"] in NO_FOLLOW_UP:
            return  # refunded since it was delivered: no invitation
        # The rating and complaint page; whatever the shopper writes there is a ticket.
        link = order_link(shop_origin(shop.slug, shop.settings), shop.id, order["number"],
                          "/feedback")
        await queue_messages(host, shop, order, "follow_up", "order.follow_up",
                             {"link": link}, audiences=(SHOPPER,))


# -- sending -------------------------------------------------------------------------------
async def send_notification(event: Event, host: PluginHost) -> None:
    """Listener of notification.send: send one logged message; raise when its channel
    fails (the outbox retries this row alone)."""
    tenant_id, log_id = event.tenant_id, event.payload.get("log_id")
    if tenant_id is None or type(log_id) is not int:
        return
    async with db.shop_scope(tenant_id):
        row = await NotificationLog.select().where(
            (NotificationLog.tenant == tenant_id) & (NotificationLog.id == log_id)).first()
        if row is None or row["status"] in ("sent", "skipped"):
            return
        shop = await get_shop_by_id(tenant_id)
        enabled = await enabled_plugins(tenant_id)
    channel = shop_channels(host, shop, enabled).get(row["channel"])
    if channel is None:
        await _update(tenant_id, log_id, status="skipped",
                      error="the channel's plugin is no longer enabled")
        return
    try:
        await channel.send(NotificationMessage.from_json(_json(row["message"])))
    except Exception as exc:
        await _update(tenant_id, log_id, status="failed", error=f"{type(exc).__name__}: {exc}",
                      attempts=row["attempts"] + 1)
        raise
    await _update(tenant_id, log_id, status="sent", error="", attempts=row["attempts"] + 1,
                  sent_at=dt.datetime.now(dt.UTC))


async def _update(tenant_id: int, log_id: int, *, status: str, error: str,
                  attempts: int | None = None, sent_at: dt.datetime | None = None) -> None:
    values: dict[Any, Any] = {NotificationLog.status: status,
                              NotificationLog.error: error[:2000]}
    if attempts is not None:
        values[NotificationLog.attempts] = attempts
    if sent_at is not None:
        values[NotificationLog.sent_at] = sent_at
    async with db.shop_scope(tenant_id):
        await NotificationLog.update(values).where(
            (NotificationLog.tenant == tenant_id) & (NotificationLog.id == log_id))


# -- reading -------------------------------------------------------------------------------
async def notification_log(tenant_id: int, *, status: str = "", limit: int = 100,
                           before_id: int | None = None) -> list[dict[str, Any]]:
    """The shop's notification log, newest first. Call inside the shop's scope."""
    query = NotificationLog.select(
        NotificationLog.id, NotificationLog.topic, NotificationLog.audience,
        NotificationLog.channel, NotificationLog.recipient, NotificationLog.order_number,
        NotificationLog.subject, NotificationLog.status, NotificationLog.error,
        NotificationLog.attempts, NotificationLog.created_at, NotificationLog.sent_at,
    ).where(NotificationLog.tenant == tenant_id)
    if status:
        query = query.where(NotificationLog.status == status)
    if before_id is not None:
        query = query.where(NotificationLog.id < before_id)
    return await query.order_by(NotificationLog.id, ascending=False).limit(limit)


__all__ = ["FOLLOW_UP_TOPIC", "ORDER_MESSAGES", "SEND_TOPIC", "follow_up", "notification_log",
           "queue_order_notifications", "send_notification", "shop_channels"]

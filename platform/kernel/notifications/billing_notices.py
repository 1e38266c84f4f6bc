"""The merchant's email when their subscription changes status (past due, restricted,
suspended, active again, cancelled): a listener of `billing.status_changed`, sent through
the shop's email channel to its notification address (or owner). Dates in the shop's
time zone."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from galleria.kernel.events import Event, Listener
from galleria.kernel.notifications.account import channel_for
from galleria.kernel.notifications.contracts import MERCHANT
from galleria.kernel.notifications.render import render_message
from galleria.kernel.notifications.service import merchant_addresses
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import get_shop_by_id

log = logging.getLogger("galleria.notifications")
TOPIC = "billing.status_changed"


def _local_day(value: str | None, zone: ZoneInfo) -> str:
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d") \
        if value else ""


async def send_billing_notice(event: Event, host: PluginHost) -> None:
    shop = await get_shop_by_id(event.tenant_id)
    channel = await channel_for(host, shop, "email")
    address = (await merchant_addresses(shop))["email"]
    if channel is None or not address:
        log.warning("shop %s: no email channel for its billing notice (%s)", shop.id,
                    event.payload.get("to"))
        return
    zone = ZoneInfo(shop.timezone)
    payload = event.payload
    message = render_message("billing", MERCHANT, shop.locale, {
        "shop_name": shop.name, "to": payload.get("to"),
        "grace_until": _local_day(payload.get("grace_until"), zone),
        "suspend_at": _local_day(payload.get("suspend_at"), zone)},
        recipient=address, topic=TOPIC, html=channel.kind == "email")
    await channel.send(message)


LISTENERS = [Listener("billing_notice", TOPIC, send_billing_notice)]

__all__ = ["LISTENERS", "send_billing_notice"]

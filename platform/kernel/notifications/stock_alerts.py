"""Low-stock and near-expiry alerts sent to the staff who asked for them.

Each member of a shop's staff chooses, for themselves, which alerts they want (low stock,
near expiry) and where (their sign-in email, a mobile number for SMS); the choice is kept
on their membership (`Membership.stock_alerts`). Inventory raises `stock.low` once each
time a variant's available stock falls to its safety stock (not once per sale) and
`stock.expiring` once per lot; `queue_stock_alerts`, a kernel listener run from the outbox
after commit, renders one message per subscriber and channel and hands each to
`notification.send` — the same log, channels and retries as order notifications. So an
alert goes out once per crossing, never once per page view or per sweep.
"""

from __future__ import annotations

import json
import re
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import Problems
from galleria.kernel.events import Event, Listener
from galleria.kernel.notifications.contracts import MERCHANT
from galleria.kernel.notifications.render import render_message
from galleria.kernel.notifications.service import _log_and_schedule, shop_channels
from galleria.kernel.orders.links import shop_origin
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import get_shop_by_id
from galleria.kernel.tenancy.tables import Membership

TOPICS = {"stock.low": "low_stock", "stock.expiring": "near_expiry"}  # topic → subscription
MESSAGES = {"stock.low": "stock_low", "stock.expiring": "stock_expiring"}
_MOBILE_RE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")


def read_subscription(value: Any) -> dict[str, Any]:
    """A membership's `stock_alerts` as `{"low_stock", "near_expiry", "email": bool,
    "sms": str}` (nothing subscribed when empty)."""
    if isinstance(value, str):
        value = json.loads(value or "{}")
    value = value if isinstance(value, dict) else {}
    return {"low_stock": value.get("low_stock") is True,
            "near_expiry": value.get("near_expiry") is True,
            "email": value.get("email", True) is not False,
            "sms": str(value.get("sms") or "")}


async def subscription_of(tenant_id: int, user_id: int) -> dict[str, Any]:
    """What member `user_id` of the shop asked for. Call inside the shop's scope."""
    row = await Membership.select(Membership.stock_alerts).where(
        (Membership.tenant == tenant_id) & (Membership.user == user_id)).first()
    return read_subscription(row["stock_alerts"] if row else None)


async def set_subscription(tenant_id: int, user_id: int, *, low_stock: bool,
                           near_expiry: bool, email: bool, sms: str) -> dict[str, Any]:
    """Keep member `user_id`'s choice. `sms` is a mainland mobile number (spaces and
    hyphens allowed) or "" for no SMS; ValidationFailed names `sms` otherwise."""
    sms = re.sub(r"[\s-]", "", sms or "")
    problems = Problems()
    if sms and not _MOBILE_RE.match(sms):
        problems.add("sms", "a mainland mobile number of 11 digits, such as 13812345678")
    problems.raise_if_any("The alert subscription is invalid")
    chosen = {"low_stock": bool(low_stock), "near_expiry": bool(near_expiry),
              "email": bool(email), "sms": sms}
    await Membership.update({Membership.stock_alerts: chosen}).where(
        (Membership.tenant == tenant_id) & (Membership.user == user_id))
    return chosen


async def subscribers(tenant_id: int, kind: str) -> list[dict[str, str]]:
    """`[{"email", "sms"}]` of the members subscribed to `kind` (low_stock, near_expiry):
    the addresses each asked to be reached at ("" where not)."""
    rows = await Membership.select(Membership.stock_alerts,
                                   Membership.user.email.as_alias("email")).where(
        Membership.tenant == tenant_id)
    found = []
    for row in rows:
        chosen = read_subscription(row["stock_alerts"])
        if chosen[kind]:
            found.append({"email": row["email"] if chosen["email"] else "",
                          "sms": chosen["sms"]})
    return found


async def _values(tenant_id: int, shop: Any, event: Event) -> dict[str, Any] | None:
    payload = event.payload
    variant = await Variant.select(Variant.id, Variant.sku,
                                   Variant.product.name.as_alias("product_name")).where(
        (Variant.tenant == tenant_id) & (Variant.id == payload.get("variant_id"))).first()
    if variant is None:
        return None
    link = f"{shop_origin(shop.slug, shop.settings)}/console/inventory/{variant['id']}"
    return {"shop_name": shop.name, "product_name": variant["product_name"],
            "sku": variant["sku"], "link": link,
            **{key: str(payload.get(key, "")) for key in (
                "available", "safety_stock", "lot_code", "quantity", "expires_on",
                "days_left")}}


async def queue_stock_alerts(event: Event, host: PluginHost) -> None:
    """Listener of stock.low and stock.expiring: one message per subscribed member and
    channel that reaches them, logged and sent through `notification.send`."""
    if event.tenant_id is None or event.topic not in TOPICS:
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        people = await subscribers(shop.id, TOPICS[event.topic])
        if not people:
            return
        channels = shop_channels(host, shop, await enabled_plugins(shop.id))
        values = await _values(shop.id, shop, event)
        if values is None:
            return
        for person in people:
            for key, channel in channels.items():
                recipient = person.get(channel.kind, "")
                if not recipient:
                    continue
                message = render_message(MESSAGES[event.topic], MERCHANT, shop.locale,
                                         values, recipient=recipient, topic=event.topic,
                                         html=channel.kind == "email")
                await _log_and_schedule(shop.id, key, message)


LISTENERS = [Listener("stock_alerts", topic, queue_stock_alerts) for topic in TOPICS]

__all__ = ["LISTENERS", "queue_stock_alerts", "read_subscription", "set_subscription",
           "subscribers", "subscription_of"]

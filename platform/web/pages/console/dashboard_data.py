"""Read models for the console: figures and lists the dashboard shows.

Each function takes the shop's id and runs inside `shop_scope(tenant_id)`. The low-stock
count comes from the inventory service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_timedelta

from galleria.kernel.catalog.tables import Product, Variant
from galleria.kernel.orders.tables import Order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.audit import recent
from galleria.kernel.tenancy.tables import PlatformUser
from galleria.web.i18n import translations
from galleria.web.pages.console.audit_actions import action_text


async def count_skus(tenant_id: int) -> int:
    return await Variant.count().where(
        (Variant.tenant == tenant_id) & (Variant.status == "active")
        & Variant.product.deleted_at.is_null())


# The orders the merchant has to act on, each a filter of the orders list.
AWAITING_PAYMENT = ("pending_payment",)
AWAITING_REVIEW = ("under_review",)
AWAITING_SHIPMENT = ("paid", "approved", "fulfilling")


async def count_orders(tenant_id: int) -> dict[str, int]:
    """Every order the shop has; how many of them wait for the merchant (paid, not yet
    shipped: the order card); and the to-do figures: awaiting payment, awaiting review
    (审单), awaiting shipment."""
    shop = Order.tenant == tenant_id
    waiting = Order.status.is_in([*AWAITING_REVIEW, *AWAITING_SHIPMENT])
    return {"all": await Order.count().where(shop),
            "waiting": await Order.count().where(shop & waiting),
            "awaiting_payment": await Order.count().where(
                shop & Order.status.is_in(list(AWAITING_PAYMENT))),
            "awaiting_review": await Order.count().where(
                shop & Order.status.is_in(list(AWAITING_REVIEW))),
            "awaiting_shipment": await Order.count().where(
                shop & Order.status.is_in(list(AWAITING_SHIPMENT)))}


def status_filter(statuses: tuple[str, ...]) -> str:
    """The orders list's URL showing only orders in `statuses`."""
    return "/console/orders?" + "&".join(f"status={s}" for s in statuses)


async def product_statuses(tenant_id: int, ids: list[int]) -> dict[int, str]:
    rows = await Product.select(Product.id, Product.status).where(
        (Product.tenant == tenant_id) & Product.id.is_in(ids or [0]))
    return {row["id"]: row["status"] for row in rows}




def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def activity(tenant_id: int, host: PluginHost, locale: str, timezone: str,
                   limit: int = 8) -> list[dict[str, Any]]:
    """Recent audit log entries, told in `locale`: who, what, on what, when."""
    entries = await recent(tenant_id, limit)
    _ = translate = translations(locale).gettext
    user_ids = {int(e["actor"].split(":", 1)[1]) for e in entries
                if e["actor"].startswith("user:") and e["actor"][5:].isdigit()}
    emails = {row["id"]: row["email"] for row in await PlatformUser.select(
        PlatformUser.id, PlatformUser.email).where(PlatformUser.id.is_in(list(user_ids) or [0]))}
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    now = dt.datetime.now(dt.UTC)
    items = []
    for entry in entries:
        kind, _sep, ident = entry["actor"].partition(":")
        if kind == "user" and ident.isdigit():
            who = emails.get(int(ident), _("a removed user"))
        elif kind == "token":
            who = _("API token #%(id)s") % {"id": ident}
        else:
            who = _("System")
        subject, subject_is_code = entry["subject"], True
        if entry["action"].startswith("plugin.") and host.is_installed(subject):
            info = host.info(subject)
            subject = (info.title_zh or info.title) if locale == "zh_CN" else info.title
            subject_is_code = False
        when = _aware(entry["created_at"])
        items.append({
            "who": who, "subject": subject, "subject_is_code": subject_is_code,
            "action": entry["action"],
            "what": action_text(entry["action"], translate),
            "ago": format_timedelta(when - now, add_direction=True, locale=locale)
            if when else "",
            "when": format_datetime(when, "medium", tzinfo=zone, locale=locale) if when else "",
        })
    return items

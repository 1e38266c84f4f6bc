"""A requested delivery date (期望送达日期) for express orders, within rules the shop sets.

The shop's rules (settings key `requested_delivery`) say whether shoppers may ask for a
date, the window — from today + `earliest_days` to today + `latest_days`, "today" in the
shop's time zone — the weekdays it delivers on (ISO: 1 Monday … 7 Sunday) and the shipping
methods the date applies to (`express` by default: a date for a parcel, not for pickup or
a same-city slot, which have their own times). The date is optional; one that breaks a
rule is refused at checkout (preview and placing) under `requested_delivery_date`.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from galleria.kernel.errors import Problems
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import Tenant

SETTING = "requested_delivery"
FIELD = "requested_delivery_date"
MAX_DAYS = 60
# The kernel's messages, translated where they are shown (the storefront's catalog).
NOT_TAKEN = "this shop does not take requested delivery dates"
NOT_FOR_METHOD = "a delivery date can be asked for express delivery only"
NOT_A_DATE = "a date as YYYY-MM-DD"
OUT_OF_RANGE = "a date within the days the shop offers"
NOT_A_DELIVERY_DAY = "the shop does not deliver on that day of the week"


@dataclass(frozen=True)
class DeliveryDateRules:
    earliest_days: int = 1
    latest_days: int = 7
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    methods: tuple[str, ...] = ("express",)


def rules_of(shop: Shop) -> DeliveryDateRules | None:
    """The shop's rules, or None when it does not take requested dates."""
    stored = shop.settings.get(SETTING)
    if not isinstance(stored, dict) or not stored.get("enabled"):
        return None
    return DeliveryDateRules(
        earliest_days=int(stored.get("earliest_days", 1)),
        latest_days=int(stored.get("latest_days", 7)),
        weekdays=tuple(int(d) for d in stored.get("weekdays") or range(1, 8)),
        methods=tuple(str(m) for m in stored.get("methods") or ("express",)))


def shop_today(shop: Shop, now: dt.datetime | None = None) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()


def window(shop: Shop, today: dt.date | None = None) -> dict[str, Any] | None:
    """What a checkout shows: `{"earliest", "latest"}` (ISO dates), `weekdays`, `methods`;
    None when the shop takes no requested dates."""
    rules = rules_of(shop)
    if rules is None:
        return None
    today = today or shop_today(shop)
    return {"earliest": (today + dt.timedelta(days=rules.earliest_days)).isoformat(),
            "latest": (today + dt.timedelta(days=rules.latest_days)).isoformat(),
            "weekdays": list(rules.weekdays), "methods": list(rules.methods)}


def check_requested_date(shop: Shop, value: Any, shipping_method: str | None,
                         problems: Problems, *, today: dt.date | None = None
                         ) -> dt.date | None:
    """The requested date (None when none was asked for), checked against the shop's
    rules; a broken rule is added to `problems` under `requested_delivery_date`."""
    if value is None or value == "":
        return None
    rules = rules_of(shop)
    if rules is None:
        problems.add(FIELD, NOT_TAKEN)
        return None
    if (shipping_method or "") not in rules.methods:
        problems.add(FIELD, NOT_FOR_METHOD)
        return None
    try:
        wanted = dt.date.fromisoformat(value) if isinstance(value, str) and \
            len(value) == 10 else None
    except ValueError:
        wanted = None
    if wanted is None:
        problems.add(FIELD, NOT_A_DATE)
        return None
    today = today or shop_today(shop)
    if not rules.earliest_days <= (wanted - today).days <= rules.latest_days:
        problems.add(FIELD, OUT_OF_RANGE)
        return None
    if wanted.isoweekday() not in rules.weekdays:
        problems.add(FIELD, NOT_A_DELIVERY_DAY)
        return None
    return wanted


async def set_rules(tenant_id: int, *, enabled: bool, earliest_days: int, latest_days: int,
                    weekdays: list[int], methods: list[str] | None = None) -> dict[str, Any]:
    """Store the shop's rules; ValidationFailed names the field that is wrong."""
    problems = Problems()
    if not 0 <= earliest_days <= MAX_DAYS:
        problems.add("earliest_days", f"a whole number from 0 to {MAX_DAYS}")
    if not earliest_days <= latest_days <= MAX_DAYS:
        problems.add("latest_days", f"a whole number from earliest_days to {MAX_DAYS}")
    days = sorted({d for d in weekdays if isinstance(d, int) and 1 <= d <= 7})
    if enabled and not days:
        problems.add("weekdays", "at least one day of the week")
    problems.raise_if_any("The delivery date rules are invalid")
    rules = {"enabled": bool(enabled), "earliest_days": earliest_days,
             "latest_days": latest_days, "weekdays": days,
             "methods": list(methods or ["express"])}
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = (row or {}).get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    await Tenant.update({Tenant.settings: {**settings, SETTING: rules}}).where(
        Tenant.id == tenant_id)
    return rules


__all__ = ["FIELD", "SETTING", "DeliveryDateRules", "check_requested_date", "rules_of",
           "set_rules", "shop_today", "window"]

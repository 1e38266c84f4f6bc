"""Repair and installation requests (售后服务: 维修, 安装预约) from a delivered order, with
an appointment date, a time slot and the address; handled by staff like any ticket. And
the shop's service points (维修网点), listed by city from its `service_points` setting.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.orders import states
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.shops import Shop

KINDS = ("repair", "installation")
DEFAULT_SLOTS = ("09:00-12:00", "13:00-18:00", "18:00-21:00")
MAX_DAYS_AHEAD = 60


def time_slots(shop: Shop) -> tuple[str, ...]:
    slots = shop.settings.get("service_time_slots")
    if isinstance(slots, list) and slots and all(isinstance(s, str) for s in slots):
        return tuple(s[:16] for s in slots)
    return DEFAULT_SLOTS


def service_points(shop: Shop, city: str = "") -> list[dict[str, str]]:
    """The shop's service points, from its `service_points` setting (a JSON list of
    `{"city", "name", "address", "phone"?, "hours"?}`), those of `city` when given."""
    raw = shop.settings.get("service_points") or []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw or "[]")
        except ValueError:
            raw = []
    points = [{key: str(p.get(key) or "")[:200] for key in ("city", "name", "address",
                                                           "phone", "hours")}
              for p in raw if isinstance(p, dict) and p.get("name")] if isinstance(
        raw, list) else []
    wanted = city.strip()
    return [p for p in points if not wanted or p["city"].startswith(wanted.rstrip("市"))
            or wanted.startswith(p["city"].rstrip("市"))]


async def request_service(shop: Shop, order: dict[str, Any], *, kind: str, date: str,
                          time_slot: str, body: str, actor: str,
                          address: dict[str, Any] | None = None) -> dict[str, Any]:
    """A repair or installation request for delivered order `order` (a row): a ticket of
    that kind with its appointment. 422 for an order not delivered, a date not between
    tomorrow and 60 days ahead (in the shop's calendar), or a slot the shop does not offer.
    """
    problems = []
    if kind not in KINDS:
        problems.append(FieldError("kind", "repair or installation"))
    if order["status"] not in (states.DELIVERED, states.COMPLETED):
        problems.append(FieldError("order", "only a delivered order"))
    try:
        day = dt.date.fromisoformat(date or "")
    except ValueError:
        day = None
    today = dt.datetime.now(shop_zone(shop)).date()
    if day is None or not today < day <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        problems.append(FieldError("appointment_date",
                                   f"a date from tomorrow to {MAX_DAYS_AHEAD} days ahead"))
    if time_slot not in time_slots(shop):
        problems.append(FieldError("time_slot", " / ".join(time_slots(shop))))
    if problems:
        raise ValidationFailed("This service request cannot be made", errors=problems)
    where = address or tickets._json(order["address"]) or {}
    return await tickets.open_ticket(
        shop.id, kind=kind, subject=f"{kind} {date} {time_slot}",
        body=(body or "").strip() or kind, actor=actor, customer_id=order["customer"],
        order_number=order["number"], contact=tickets._json(order["contact"]) or {},
        appointment={"date": day.isoformat(), "time_slot": time_slot, "address": where})


def shop_zone(shop: Shop) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(shop.timezone or "Asia/Shanghai")
    except (KeyError, ValueError):
        return ZoneInfo("Asia/Shanghai")


__all__ = ["KINDS", "request_service", "service_points", "time_slots"]

"""Same-city delivery (同城配送) and store pickup (自提): their settings, distance and slots.

`same_city` setting (JSON)::

    {"name": "同城配送", "lat": 30.2741, "lng": 120.1551, "radius_km": 8,
     "bands": [{"up_to_km": 3, "fee": 500}, {"up_to_km": 8, "fee": 1000}],
     "slots": [{"start": "10:00", "end": "12:00", "capacity": 20}, …],
     "lead_minutes": 60}

Where an address is: addresses carry no coordinates, so an address is placed at the centre
of its district (or city) from the region data (`regions.locate`) — coarse, but it needs no
geocoding service, and a merchant's radius is a few kilometres of districts anyway. The
distance is the great-circle (haversine) distance from the shop's coordinates.

Slots: each configured slot is offered for its next day whose start is at least
`lead_minutes` away (today, else tomorrow), in the shop's time zone; a full slot is not
offered, and booking the last place is a conditional update, refused when someone else got
it first.

`pickup_points` setting (JSON)::

    [{"name": "西湖店", "address": "杭州市西湖区文三路 100 号", "phone": "0571-88888888",
      "open": "09:00", "close": "21:00", "days": [1, 2, 3, 4, 5, 6, 7],
      "fee": 0, "eta_days": [0, 1]}]

`days` are ISO weekdays (1 Monday … 7 Sunday).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass
from typing import Any

from galleria.kernel import Conflict
from galleria_plugins.shipping.config import Checker, check_time, parse_json
from galleria_plugins.shipping.tables import DeliverySlot, SlotBooking

EARTH_RADIUS_KM = 6371.0088
MAX_SLOTS = 6
MAX_PICKUP_POINTS = 6


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Band:
    up_to_km: float
    fee: int


@dataclass(frozen=True)
class Slot:
    start: str
    end: str
    capacity: int

    @property
    def label(self) -> str:
        return f"{self.start}–{self.end}"


@dataclass(frozen=True)
class SameCity:
    name: str
    lat: float
    lng: float
    radius_km: float
    bands: tuple[Band, ...]
    slots: tuple[Slot, ...]
    lead_minutes: int = 60

    def fee_for(self, km: float) -> int | None:
        for band in self.bands:
            if km <= band.up_to_km:
                return band.fee
        return None


@dataclass(frozen=True)
class PickupPoint:
    name: str
    address: str
    phone: str
    open: str
    close: str
    days: tuple[int, ...]
    fee: int = 0
    eta_days: tuple[int, int] = (0, 1)
    location: str = ""  # the shop's location (门店) it is, when fed from the locations
    # A location's hours: ((days, open, close), …) — per weekday ranges
    ranges: tuple[tuple[tuple[int, ...], str, str], ...] = ()

    @property
    def hours(self) -> str:
        if not self.ranges and not self.open:
            return ""  # a store that has not given its hours
        ranges = self.ranges or ((self.days, self.open, self.close),)
        return "；".join(f"{_days_label(days)} {start}–{end}" for days, start, end in ranges)


def _days_label(days: tuple[int, ...]) -> str:
    names = "一二三四五六日"
    if tuple(sorted(days)) == (1, 2, 3, 4, 5, 6, 7):
        return "每天"
    return "、".join("周" + names[d - 1] for d in days)


def pickup_point_of(location: dict[str, Any], now_local: dt.datetime) -> PickupPoint:
    """A location (门店) that offers pickup, as a pickup point: its address, phone and
    opening hours; ready from its next opening (today when it is still open, else the
    next day it opens), so a pickup is never promised for a day the store is shut."""
    address = location["address"]
    ranges = tuple((tuple(h["days"]), h["open"], h["close"]) for h in location["hours"])
    first = ranges[0] if ranges else ((), "", "")
    return PickupPoint(
        name=location["name"],
        address="".join(address[k] for k in ("province", "city", "district", "line1")
                        if address.get(k) and not (k == "city" and address[k] ==
                                                   address.get("province"))),
        phone=location["phone"], open=first[1], close=first[2], days=first[0],
        eta_days=_next_opening(ranges, now_local), location=location["code"],
        ranges=ranges)


def _next_opening(ranges: tuple[tuple[tuple[int, ...], str, str], ...],
                  now_local: dt.datetime) -> tuple[int, int]:
    """(days until the store next opens, one day later): today when it closes later than
    now (or when it has not given its hours)."""
    if not ranges:
        return 0, 1
    for ahead in range(8):
        day = now_local.date() + dt.timedelta(days=ahead)
        for days, _start, end in ranges:
            if day.isoweekday() in days and (ahead or now_local.strftime("%H:%M") < end):
                return ahead, ahead + 1
    return 0, 1


def check_same_city(raw: Any) -> tuple[SameCity | None, list[str]]:
    c = Checker()
    data = parse_json(raw, "same_city", c)
    if data is None:
        return None, c.problems
    if not isinstance(data, dict):
        c.add("same_city", "an object")
        return None, c.problems
    bands = tuple(sorted((Band(c.number(b, "up_to_km", w, 0.1, 100) or 0.0,
                               c.integer(b, "fee", w, default=0) or 0)
                          for w, b in c.items(data, "bands", "same_city")),
                         key=lambda b: b.up_to_km))
    slots = tuple(Slot(check_time(s.get("start"), f"{w}.start", c),
                       check_time(s.get("end"), f"{w}.end", c),
                       c.integer(s, "capacity", w, minimum=1, default=1) or 1)
                  for w, s in c.items(data, "slots", "same_city"))
    if len(slots) > MAX_SLOTS:
        c.add("same_city.slots", f"at most {MAX_SLOTS}")
    if not bands:
        c.add("same_city.bands", "at least one distance band")
    config = SameCity(
        name=c.text(data, "name", "same_city", required=False) or "同城配送",
        lat=c.number(data, "lat", "same_city", -90, 90) or 0.0,
        lng=c.number(data, "lng", "same_city", -180, 180) or 0.0,
        radius_km=c.number(data, "radius_km", "same_city", 0.1, 100) or 0.0,
        bands=bands, slots=slots[:MAX_SLOTS],
        lead_minutes=c.integer(data, "lead_minutes", "same_city", default=60) or 0)
    return (None if c.problems else config), c.problems


def check_pickup_points(raw: Any) -> tuple[tuple[PickupPoint, ...], list[str]]:
    c = Checker()
    data = parse_json(raw, "pickup_points", c)
    if data is None:
        return (), c.problems
    points = []
    for where, p in c.items({"pickup_points": data}, "pickup_points", ""):
        days = p.get("days", [1, 2, 3, 4, 5, 6, 7])
        if (not isinstance(days, list) or not days
                or any(type(d) is not int or not 1 <= d <= 7 for d in days)):
            c.add(f"{where}.days", "weekdays 1 (Monday) to 7 (Sunday)")
            days = [1, 2, 3, 4, 5, 6, 7]
        points.append(PickupPoint(
            name=c.text(p, "name", where), address=c.text(p, "address", where, max_length=200),
            phone=c.text(p, "phone", where, max_length=32, required=False),
            open=check_time(p.get("open", "09:00"), f"{where}.open", c),
            close=check_time(p.get("close", "21:00"), f"{where}.close", c),
            days=tuple(sorted(set(days))), fee=c.integer(p, "fee", where, default=0) or 0,
            eta_days=c.days(p, "eta_days", where) or (0, 1)))
    if len(points) > MAX_PICKUP_POINTS:
        c.add("pickup_points", f"at most {MAX_PICKUP_POINTS}")
    return tuple(points[:MAX_PICKUP_POINTS]), c.problems


def open_during(location: dict[str, Any], day: dt.date, slot: Slot) -> bool:
    """Whether the store is open for the whole of `slot` on `day` (a store that has not
    given its hours is taken as open): same-city delivery leaves from an open store."""
    hours = location.get("hours") or ()
    return not hours or any(day.isoweekday() in h["days"] and h["open"] <= slot.start
                            and slot.end <= h["close"] for h in hours)


def local_now(timezone: str, now: dt.datetime | None = None) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone)


def slot_day(slot: Slot, lead_minutes: int, now_local: dt.datetime) -> dt.date:
    """The next day on which `slot` can still be booked: today if it starts at least
    `lead_minutes` from now, else tomorrow."""
    hour, minute = map(int, slot.start.split(":"))
    start = now_local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if start - dt.timedelta(minutes=lead_minutes) >= now_local:
        return now_local.date()
    return now_local.date() + dt.timedelta(days=1)


async def booked_counts(tenant_id: int, days: list[dt.date]) -> dict[tuple[dt.date, int], int]:
    rows = await DeliverySlot.select(DeliverySlot.day, DeliverySlot.slot,
                                     DeliverySlot.booked).where(
        (DeliverySlot.tenant == tenant_id) & DeliverySlot.day.is_in(days))
    return {(row["day"], row["slot"]): row["booked"] for row in rows}


async def book_slot(tenant_id: int, order_number: str, day: dt.date, position: int,
                    slot: Slot) -> None:
    """Take one place of slot `position` on `day` for the order (inside the placing
    transaction). Refuses with Conflict when the slot is full."""
    await DeliverySlot.insert(DeliverySlot(tenant=tenant_id, day=day, slot=position,
                                           booked=0)).on_conflict(action="DO NOTHING")
    won = await DeliverySlot.update({DeliverySlot.booked: DeliverySlot.booked + 1}).where(
        (DeliverySlot.tenant == tenant_id) & (DeliverySlot.day == day)
        & (DeliverySlot.slot == position) & (DeliverySlot.booked < slot.capacity)
    ).returning(DeliverySlot.booked)
    if not won:
        raise Conflict(f"The delivery slot {day:%m-%d} {slot.label} is full: choose another "
                       f"time or another shipping method", slot=slot.label, day=str(day))
    await SlotBooking.insert(SlotBooking(tenant=tenant_id, order_number=order_number,
                                         day=day, slot=position))


async def release_slot(tenant_id: int, order_number: str) -> bool:
    """Give a cancelled order's place back, once (a retried event finds it released)."""
    released = await SlotBooking.update({SlotBooking.released: True}).where(
        (SlotBooking.tenant == tenant_id) & (SlotBooking.order_number == order_number)
        & (SlotBooking.released == False)  # noqa: E712 (piccolo builds SQL from ==)
    ).returning(SlotBooking.day, SlotBooking.slot)
    for row in released:
        await DeliverySlot.update({DeliverySlot.booked: DeliverySlot.booked - 1}).where(
            (DeliverySlot.tenant == tenant_id) & (DeliverySlot.day == row["day"])
            & (DeliverySlot.slot == row["slot"]) & (DeliverySlot.booked > 0))
    return bool(released)


__all__ = ["MAX_PICKUP_POINTS", "MAX_SLOTS", "Band", "PickupPoint", "SameCity", "Slot",
           "book_slot", "booked_counts", "check_pickup_points", "check_same_city",
           "haversine_km", "local_now", "open_during", "release_slot", "slot_day"]

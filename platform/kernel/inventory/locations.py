"""Locations (门店/仓库): where a shop keeps stock, and which of them fulfils an order.

Every shop has the location `default` (its first warehouse). A shop whose one active
location is not `default`, or that has several, says so in its settings
(`multi_location`), so that placing an order in a shop with only `default` reads nothing
more than before (the fast path).

Choosing a location for an order (`rank`): the active locations ordered by how close they
are to the shopper's address — same district, then same city, then same province, then any
— and, within a rank, by distance when the location and the shopper both have coordinates,
then by the merchant's order (`position`). The placement reserves at the first one that has
every line (`checkout.placement`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from galleria.kernel.catalog.tables import StockLevel
from galleria.kernel.errors import Conflict, NotFound, Problems
from galleria.kernel.inventory.service import DEFAULT_LOCATION
from galleria.kernel.inventory.tables import Location
from galleria.kernel.tenancy.tables import Tenant

KINDS = ("store", "warehouse")
MULTI_LOCATION = "multi_location"  # shop setting: more than one active location
SPLIT_ORDERS = "split_by_location"  # shop setting: an order may ship from several
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
REGION_RE = re.compile(r"^[0-9]{6}$")
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
TEXT_FIELDS = {"name": 60, "province": 60, "city": 60, "district": 60, "line1": 200,
               "phone": 32}
FIELDS = {*TEXT_FIELDS, "code", "kind", "region_code", "latitude", "longitude", "hours",
          "delivery_radius_km", "delivery_regions", "offers_pickup", "active", "position"}


class LocationTaken(Conflict):
    code, title = "location_taken", "Location code taken"


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            value = []
    return value if isinstance(value, list) else []


def view(row: dict[str, Any]) -> dict[str, Any]:
    """A location as the API and pages show it."""
    return {
        "code": row["code"], "name": row["name"], "kind": row["kind"],
        "address": {"province": row["province"], "city": row["city"],
                    "district": row["district"], "line1": row["line1"],
                    "region_code": row["region_code"]},
        "phone": row["phone"], "latitude": row["latitude"], "longitude": row["longitude"],
        "hours": _json_list(row["hours"]),
        "delivery_area": {"radius_km": row["delivery_radius_km"],
                          "regions": _json_list(row["delivery_regions"])},
        "offers_pickup": row["offers_pickup"], "active": row["active"],
        "position": row["position"],
    }


async def list_locations(tenant_id: int, *, active_only: bool = False) -> list[dict[str, Any]]:
    query = Location.select().where(Location.tenant == tenant_id)
    if active_only:
        query = query.where(Location.active.eq(True))
    rows = await query.order_by(Location.position).order_by(Location.id)
    return [view(row) for row in rows]


async def get_location(tenant_id: int, code: str) -> dict[str, Any]:
    row = await Location.select().where(
        (Location.tenant == tenant_id) & (Location.code == code)).first()
    if row is None:
        raise NotFound(f"No location {code} in this shop")
    return view(row)


async def require_location(tenant_id: int, code: str) -> None:
    """NotFound unless `code` is a location of the shop (active or not)."""
    await get_location(tenant_id, code)


def _check(data: dict[str, Any], problems: Problems, *, creating: bool) -> dict[str, Any]:
    """The columns `data` sets, each checked; problems under the API's field names."""
    values: dict[str, Any] = {}
    for name in data:
        if name not in FIELDS and name not in ("address", "delivery_area"):
            problems.add(name, "not a field of a location")
    flat = dict(data)
    for group in ("address", "delivery_area"):
        if group in flat:
            inner = flat.pop(group)
            if not isinstance(inner, dict):
                problems.add(group, "an object")
                continue
            for key, value in inner.items():
                key = {"radius_km": "delivery_radius_km", "regions": "delivery_regions"}.get(
                    key, key)
                flat[key] = value
    if creating:
        code = flat.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            problems.add("code", "1–32 lowercase letters, digits, - or _ (such as store-1)")
        else:
            values["code"] = code
        if "name" not in flat:
            problems.add("name", "required")
    elif "code" in flat:
        problems.add("code", "a location's code cannot change")
    for name, length in TEXT_FIELDS.items():
        if name in flat:
            value = flat[name]
            if not isinstance(value, str) or len(value.strip()) > length or (
                    name == "name" and not value.strip()):
                problems.add(name, f"text of {'1' if name == 'name' else '0'}–{length} "
                                   "characters")
            else:
                values[name] = value.strip()
    if "kind" in flat:
        if flat["kind"] not in KINDS:
            problems.add("kind", "store or warehouse")
        else:
            values["kind"] = flat["kind"]
    if "region_code" in flat:
        if flat["region_code"] not in ("", None) and not (
                isinstance(flat["region_code"], str) and REGION_RE.match(flat["region_code"])):
            problems.add("region_code", "a 6-digit region code (GB/T 2260), such as 310104")
        else:
            values["region_code"] = flat["region_code"] or ""
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180),
                            ("delivery_radius_km", 0.1, 100)):
        if name in flat:
            value = flat[name]
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, float)) or not low <= value <= high):
                problems.add(name, f"a number from {low} to {high}")
            else:
                values[name] = None if value is None else float(value)
    if "delivery_regions" in flat:
        regions = flat["delivery_regions"]
        if not isinstance(regions, list) or not all(
                isinstance(r, str) and REGION_RE.match(r) for r in regions) or len(regions) > 200:
            problems.add("delivery_area.regions", "a list of 6-digit region codes")
        else:
            values["delivery_regions"] = sorted(set(regions))
    if "hours" in flat:
        values["hours"] = _check_hours(flat["hours"], problems)
    for name in ("offers_pickup", "active"):
        if name in flat:
            if not isinstance(flat[name], bool):
                problems.add(name, "true or false")
            else:
                values[name] = flat[name]
    if "position" in flat:
        if type(flat["position"]) is not int or not 0 <= flat["position"] <= 10_000:
            problems.add("position", "a whole number from 0 to 10000")
        else:
            values["position"] = flat["position"]
    return values


def _check_hours(hours: Any, problems: Problems) -> list[dict[str, Any]]:
    """`[{"days": [1..7], "open": "HH:MM", "close": "HH:MM"}]` (ISO weekdays)."""
    if not isinstance(hours, list) or len(hours) > 14:
        problems.add("hours", "a list of {days, open, close}")
        return []
    checked = []
    for i, entry in enumerate(hours):
        days = entry.get("days") if isinstance(entry, dict) else None
        opens = entry.get("open") if isinstance(entry, dict) else None
        closes = entry.get("close") if isinstance(entry, dict) else None
        if (not isinstance(days, list) or not days
                or not all(type(d) is int and 1 <= d <= 7 for d in days)):
            problems.add(f"hours[{i}].days", "weekdays 1 (Monday) to 7 (Sunday)")
        elif not (isinstance(opens, str) and TIME_RE.match(opens)
                  and isinstance(closes, str) and TIME_RE.match(closes) and opens < closes):
            problems.add(f"hours[{i}]", "open and close as HH:MM, open before close")
        else:
            checked.append({"days": sorted(set(days)), "open": opens, "close": closes})
    return checked


async def create_location(tenant_id: int, data: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    values = _check(data, problems, creating=True)
    problems.raise_if_any("The location is invalid")
    inserted = await Location.insert(Location(tenant=tenant_id, **values)).on_conflict(
        action="DO NOTHING").returning(Location.id)
    if not inserted:
        raise LocationTaken(f"The shop has a location {values['code']} already",
                            errors=[])
    await _sync_flags(tenant_id)
    return await get_location(tenant_id, values["code"])


async def update_location(tenant_id: int, code: str, data: dict[str, Any]) -> dict[str, Any]:
    await require_location(tenant_id, code)
    problems = Problems()
    values = _check(data, problems, creating=False)
    problems.raise_if_any("The location is invalid")
    if values.get("active") is False:
        others = await Location.count().where(
            (Location.tenant == tenant_id) & (Location.code != code)
            & Location.active.eq(True))
        if not others:
            raise Conflict("A shop keeps at least one active location")
    if values:
        await Location.update({getattr(Location, k): v for k, v in values.items()}).where(
            (Location.tenant == tenant_id) & (Location.code == code))
        await _sync_flags(tenant_id)
    return await get_location(tenant_id, code)


async def set_split_orders(tenant_id: int, allowed: bool) -> None:
    """Whether an order no single location can fill ships from several (拆单)."""
    await _set_settings(tenant_id, {SPLIT_ORDERS: bool(allowed)})


async def _sync_flags(tenant_id: int) -> None:
    """`multi_location` unless `default` is the one active location: only then may an
    order be reserved at `default` without choosing."""
    active = await Location.select(Location.code).where(
        (Location.tenant == tenant_id) & Location.active.eq(True))
    await _set_settings(tenant_id, {
        MULTI_LOCATION: [row["code"] for row in active] != [DEFAULT_LOCATION]})


async def _set_settings(tenant_id: int, changes: dict[str, Any]) -> None:
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = row["settings"] if row else {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    await Tenant.update({Tenant.settings: {**(settings or {}), **changes}}).where(
        Tenant.id == tenant_id)


async def store_availability(tenant_id: int, variant_ids: list[int]) -> list[dict[str, Any]]:
    """The shop's open stores (kind `store`), each with how many of `variant_ids` it has
    available in all (`available`), for a product page's 门店库存."""
    stores = [loc for loc in await list_locations(tenant_id, active_only=True)
              if loc["kind"] == "store"]
    if not stores or not variant_ids:
        return []
    rows = await StockLevel.select(StockLevel.location, StockLevel.on_hand,
                                   StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(list(variant_ids))
        & StockLevel.location.is_in([store["code"] for store in stores]))
    held: dict[str, int] = {}
    for row in rows:
        held[row["location"]] = held.get(row["location"], 0) + max(
            row["on_hand"] - row["reserved"], 0)
    return [{"code": store["code"], "name": store["name"], "address": store["address"],
             "hours": store["hours"], "offers_pickup": store["offers_pickup"],
             "available": held.get(store["code"], 0)} for store in stores]


# --- choosing where an order ships from -------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where a shopper is: the address's names, and coordinates when known."""

    province: str = ""
    city: str = ""
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None


def _same(a: str, b: str) -> bool:
    return bool(a) and a.strip() == b.strip()


def closeness(location: dict[str, Any], place: Place) -> int:
    """3 same district, 2 same city, 1 same province, 0 elsewhere."""
    address = location["address"]
    if not _same(address["province"], place.province):
        return 0
    if not _same(address["city"], place.city):
        return 1
    return 3 if _same(address["district"], place.district) else 2


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def rank(locations: list[dict[str, Any]], place: Place) -> list[dict[str, Any]]:
    """The active `locations`, nearest to `place` first (see the module's docstring)."""
    def key(location: dict[str, Any]) -> tuple[int, float, int]:
        far = math.inf
        if None not in (location["latitude"], location["longitude"], place.latitude,
                        place.longitude):
            far = distance_km(location["latitude"], location["longitude"], place.latitude,
                              place.longitude)
        return (-closeness(location, place), far, location["position"])

    return sorted((loc for loc in locations if loc["active"]), key=key)


def _prefix(code: str) -> str:
    """What every code within region `code` starts with: 2 digits for a province (xx0000),
    4 for a city (xxxx00), all 6 for a district."""
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def delivers_to(location: dict[str, Any], *, region_code: str = "",
                latitude: float | None = None, longitude: float | None = None) -> bool:
    """Whether the location's own same-city area covers a place: its region code (or the
    code's city or province) among the area's regions, or coordinates within its radius."""
    area = location["delivery_area"]
    if region_code and any(region_code.startswith(_prefix(code)) for code in area["regions"]):
        return True
    if None in (area["radius_km"], location["latitude"], location["longitude"], latitude,
                longitude):
        return False
    return distance_km(location["latitude"], location["longitude"], latitude,
                       longitude) <= area["radius_km"]


__all__ = ["KINDS", "MULTI_LOCATION", "SPLIT_ORDERS", "LocationTaken", "Place", "closeness",
           "create_location", "delivers_to", "distance_km", "get_location",
           "list_locations", "rank", "require_location", "set_split_orders",
           "store_availability",
           "update_location", "view"]

"""The shipping methods this plugin gives a shop: express by template, same-city slots,
store pickup points.

Codes: `express`; `same_city_1` … `same_city_6` (one per configured delivery slot);
`pickup_1` … `pickup_6` (one per pickup point). The hook returns every code; a method whose
slot or point is not configured, or that cannot serve the cart or address, quotes None and
is not offered. `explain` gives the reason (the console's quote tester shows it).

All methods of one hook call share a `ShopShipping`: checkout quotes them concurrently on
one transaction, so the configuration is read once, under a lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any

from galleria.kernel import (
    Address,
    CarrierError,
    NotOffered,
    PricedLine,
    Quote,
    ShipmentCreated,
    ShipmentRequest,
    ShippingMethod,
    Shop,
    TrackedShipment,
    TrackingUpdate,
    delivers_to,
    list_locations,
    plugin_settings,
    shop_scope,
)
from galleria_plugins.shipping import regions
from galleria_plugins.shipping.carriers.kuaidi100 import Kuaidi100
from galleria_plugins.shipping.carriers.sf import SfExpress
from galleria_plugins.shipping.config import TemplateBook, check_templates
from galleria_plugins.shipping.local import (
    MAX_PICKUP_POINTS,
    MAX_SLOTS,
    PickupPoint,
    SameCity,
    booked_counts,
    check_pickup_points,
    check_same_city,
    haversine_km,
    local_now,
    open_during,
    pickup_point_of,
    slot_day,
)
from galleria_plugins.shipping.rates import Outcome, combine, group_lines
from galleria_plugins.shipping.tables import SlotBooking
from galleria_plugins.shipping.texts import N_, NO_POINT, NO_SLOT, refusal

PLUGIN = "shipping"
log = logging.getLogger("galleria.plugins.shipping")


@dataclass(frozen=True)
class Loaded:
    settings: dict[str, Any]
    book: TemplateBook
    same_city: SameCity | None
    points: tuple[PickupPoint, ...]
    booked: dict[tuple[dt.date, int], int]
    now: dt.datetime  # in the shop's time zone
    problems: tuple[str, ...]
    # The shop's open locations (门店/仓库) with a same-city area of their own: when there
    # are any, same-city delivery covers their areas instead of the plugin's one radius.
    areas: tuple[dict[str, Any], ...] = ()


class ShopShipping:
    """One shop's shipping configuration, read once and shared by its methods."""

    def __init__(self, shop: Shop, now: dt.datetime | None = None) -> None:
        self.shop, self._now = shop, now
        self._lock = asyncio.Lock()
        self._loaded: Loaded | None = None

    async def load(self) -> Loaded:
        async with self._lock:
            if self._loaded is None:
                self._loaded = await self._read()
        return self._loaded

    async def _read(self) -> Loaded:
        now = local_now(self.shop.timezone, self._now)
        async with shop_scope(self.shop.id):
            settings = await plugin_settings(self.shop.id, PLUGIN)
            same_city, p2 = check_same_city(settings.get("same_city"))
            booked = (await booked_counts(self.shop.id, [now.date(), now.date()
                                                         + dt.timedelta(days=1)])
                      if same_city else {})
            # Only a shop with stores reads them (one with `default` alone reads nothing).
            stores = (await list_locations(self.shop.id, active_only=True)
                      if self.shop.settings.get("multi_location") else [])
        areas = tuple(
            loc for loc in stores
            if loc["delivery_area"]["regions"] or loc["delivery_area"]["radius_km"]
        ) if same_city else ()
        book, p1 = check_templates(settings.get("templates"))
        points, p3 = check_pickup_points(settings.get("pickup_points"))
        # The shop's locations that offer pickup are its pickup points (their own address
        # and hours); the plugin's own list serves only a shop that has none.
        at_stores = tuple(pickup_point_of(loc, now) for loc in stores
                          if loc["offers_pickup"])[:MAX_PICKUP_POINTS]
        return Loaded(settings, book, same_city, at_stores or points, booked, now,
                      (*p1, *p2, *p3), areas)


def sf_client(settings: dict[str, Any]) -> SfExpress | None:
    """The shop's SF Express account, when its partner id and check word are set."""
    if not settings.get("sf_partner_id") or not settings.get("sf_check_word"):
        return None
    return SfExpress(base_url=settings.get("sf_base_url") or "",
                     partner_id=settings["sf_partner_id"],
                     check_word=settings["sf_check_word"],
                     monthly_card=settings.get("sf_monthly_card") or "",
                     sender=_sender(settings))


def kuaidi100_client(settings: dict[str, Any]) -> Kuaidi100 | None:
    """The shop's Kuaidi100 account, when its customer and key are set."""
    if not settings.get("kuaidi100_customer") or not settings.get("kuaidi100_key"):
        return None
    return Kuaidi100(base_url=settings.get("kuaidi100_base_url") or "",
                     customer=settings["kuaidi100_customer"], key=settings["kuaidi100_key"])


def _quote(outcome: Outcome) -> Quote | NotOffered:
    """The refusal goes to the shopper's checkout, next to the method, in their language."""
    if outcome.refused:
        return outcome.why or NotOffered(outcome.refused)
    return Quote(fee=outcome.fee, eta_days=outcome.eta_days, location=outcome.location)


class Express(ShippingMethod):
    """Parcel delivery priced by the shop's shipping templates; SF Express books waybills,
    Kuaidi100 (or SF) tracks them."""

    code = "express"

    def __init__(self, shipping: ShopShipping) -> None:
        self.shipping = shipping
        self.name = "快递"

    async def explain(self, lines: list[PricedLine], address: Address | None) -> Outcome:
        loaded = await self.shipping.load()
        self.name = loaded.settings.get("express_name") or "快递"
        if not loaded.book.templates:
            return Outcome.refuse(refusal("not_set_up",
                                          N_("no shipping templates are set up")))
        chosen = []
        for line in lines:
            template = loaded.book.for_product(line.product_id)
            if template is None:
                return Outcome.refuse(refusal(
                    "no_template", N_("%(product)s: no shipping template (set a default)"),
                    product=line.name))
            chosen.append((template, line.line_total, line.quantity,
                           line.weight_grams * line.quantity))
        codes = ()
        if address is not None:
            located = regions.locate(address.province, address.city, address.district)
            if located.province is None:
                return Outcome.refuse(refusal(
                    "unknown_province", N_("unknown province %(province)s"),
                    province=address.province))
            codes = located.codes
        return combine(group_lines(chosen), codes)

    async def quote(self, shop: Shop, lines: list[PricedLine],
                    address: Address | None) -> Quote | None:
        return _quote(await self.explain(lines, address))

    async def create_shipment(self, shop: Shop, request: ShipmentRequest) -> ShipmentCreated:
        settings = (await self.shipping.load()).settings
        carrier = request.carrier or settings.get("default_carrier") or "sf"
        if carrier != "sf":
            raise CarrierError(f"Waybills are booked through SF Express only: for {carrier}, "
                               f"type the tracking number")
        sf = sf_client(settings)
        if sf is None:
            raise CarrierError("SF Express is not set up for this shop (partner id and "
                               "check word)")
        return await sf.create_shipment(request)

    async def track(self, shop: Shop, shipment: TrackedShipment) -> list[TrackingUpdate]:
        settings = (await self.shipping.load()).settings
        sf = sf_client(settings)
        if sf is not None and shipment.carrier == sf.code:
            return await sf.track(shipment) or []
        tracker = kuaidi100_client(settings)
        if tracker is None:
            raise CarrierError(f"No tracking service is set up for {shipment.carrier}")
        return await tracker.track(shipment)


def _sender(settings: dict[str, Any]) -> dict[str, str]:
    return {"contact": settings.get("sender_name") or "", "tel": settings.get(
        "sender_phone") or "", "country": "CN", "province": settings.get(
        "sender_province") or "", "city": settings.get("sender_city") or "",
        "address": settings.get("sender_address") or ""}


class SameCityDelivery(ShippingMethod):
    """One delivery slot of the shop's same-city delivery."""

    def __init__(self, shipping: ShopShipping, position: int) -> None:
        self.shipping, self.position = shipping, position
        self.code = f"same_city_{position}"
        self.name = "同城配送"

    async def choice(self) -> tuple[SameCity, Any, dt.date] | None:
        """(settings, slot, day) of this method, or None when it has no slot."""
        loaded = await self.shipping.load()
        config = loaded.same_city
        if config is None or self.position > len(config.slots):
            return None
        slot = config.slots[self.position - 1]
        return config, slot, slot_day(slot, config.lead_minutes, loaded.now)

    async def offered(self, shop: Shop) -> bool:
        """Only the slots the shop has configured; named by the slot's time."""
        chosen = await self.choice()
        if chosen is not None:
            config, slot, _day = chosen
            self.name = f"{config.name} {slot.label}"
        return chosen is not None

    async def explain(self, lines: list[PricedLine], address: Address | None) -> Outcome:
        chosen = await self.choice()
        if chosen is None:
            return Outcome.refuse(NO_SLOT)
        config, slot, day = chosen
        loaded = await self.shipping.load()
        self.name = f"{config.name} {day:%m-%d} {slot.label}"
        if address is None:
            return Outcome.refuse(refusal("needs_address",
                                          N_("needs the delivery address")))
        point = regions.locate(address.province, address.city, address.district).point
        if point is None:
            return Outcome.refuse(refusal(
                "address_not_located",
                N_("cannot place this address on the map (district unknown)")))
        if loaded.areas:  # the stores' own areas
            place = regions.locate(address.province, address.city, address.district)
            code = place.codes[0] if place.codes else ""  # the district's, when known
            covering = [loc for loc in loaded.areas if delivers_to(
                loc, region_code=code, latitude=point[0], longitude=point[1])]
            if not covering:
                return Outcome.refuse(refusal(
                    "outside_area", N_("outside every store's same-city delivery area")))
            # The nearest covering store: the order ships from it (Quote.location).
            store = min(covering, key=lambda loc: haversine_km(
                (loc["latitude"], loc["longitude"]), point)
                if loc["latitude"] is not None and loc["longitude"] is not None else math.inf)
            if not open_during(store, day, slot):
                return Outcome.refuse(refusal(
                    "store_closed", N_("%(store)s is closed on %(day)s at %(slot)s"),
                    store=store["name"], day=day, slot=slot.label))
            centre = ((store["latitude"], store["longitude"])
                      if store["latitude"] is not None and store["longitude"] is not None
                      else (config.lat, config.lng))
            km = haversine_km(centre, point)
            fee = config.fee_for(km)
            if fee is None:
                return Outcome.refuse(refusal(
                    "beyond_fee_bands", N_("%(distance)s km is beyond the delivery fee bands"),
                    distance=round(km, 1)))
        else:
            km = haversine_km((config.lat, config.lng), point)
            fee = config.fee_for(km) if km <= config.radius_km else None
            if fee is None:
                return Outcome.refuse(refusal(
                    "outside_radius", N_("outside the delivery radius: %(distance)s km, the "
                                         "shop delivers within %(radius)s km"),
                    distance=round(km, 1), radius=float(config.radius_km)))
        if loaded.booked.get((day, self.position), 0) >= slot.capacity:
            return Outcome.refuse(refusal(
                "slot_full", N_("the %(slot)s slot on %(day)s is full"),
                slot=slot.label, day=day))
        days = (day - loaded.now.date()).days
        return Outcome(fee=fee, eta_days=(days, days),
                       parts=({"distance_km": round(km, 2), "slot": slot.label,
                               "day": day.isoformat()},),
                       location=store["code"] if loaded.areas else "")

    async def quote(self, shop: Shop, lines: list[PricedLine],
                    address: Address | None) -> Quote | None:
        return _quote(await self.explain(lines, address))

    async def delivery_slot(self, shop: Shop, order_number: str) -> str | None:
        """The day and time of the slot the order booked (`2026-12-05 18:00–20:00`)."""
        booked = await SlotBooking.select(SlotBooking.day, SlotBooking.slot).where(
            (SlotBooking.tenant == shop.id) & (SlotBooking.order_number == order_number)
            & (SlotBooking.released == False)).first()  # noqa: E712 - SQL, not Python
        if booked is None:
            return None
        config = (await self.shipping.load()).same_city
        day = booked["day"]
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        label = (config.slots[booked["slot"] - 1].label
                 if config is not None and booked["slot"] <= len(config.slots)
                 else f"#{booked['slot']}")
        return f"{day:%Y-%m-%d} {label}"

    async def create_shipment(self, shop: Shop, request: ShipmentRequest) -> ShipmentCreated:
        """The shop's own courier: the shipment's reference is its number."""
        return ShipmentCreated(carrier="local", tracking_number=request.reference,
                               label={"carrier_name": "同城配送"})


class StorePickup(ShippingMethod):
    """Pickup at one of the shop's pickup points."""

    def __init__(self, shipping: ShopShipping, position: int) -> None:
        self.shipping, self.position = shipping, position
        self.code = f"pickup_{position}"
        self.name = "到店自提"

    async def point(self) -> PickupPoint | None:
        points = (await self.shipping.load()).points
        return points[self.position - 1] if self.position <= len(points) else None

    async def offered(self, shop: Shop) -> bool:
        """Only the pickup points the shop has; named by the point."""
        point = await self.point()
        if point is not None:
            self.name = f"到店自提 · {point.name}"
        return point is not None

    async def explain(self, lines: list[PricedLine], address: Address | None) -> Outcome:
        point = await self.point()
        if point is None:
            return Outcome.refuse(NO_POINT)
        self.name = f"到店自提 · {point.name}"
        return Outcome(fee=point.fee, eta_days=point.eta_days,
                       parts=({"address": point.address, "hours": point.hours},),
                       location=point.location)

    async def quote(self, shop: Shop, lines: list[PricedLine],
                    address: Address | None) -> Quote | None:
        return _quote(await self.explain(lines, address))

    async def create_shipment(self, shop: Shop, request: ShipmentRequest) -> ShipmentCreated:
        """Ready for pickup: a 6-digit code for the shopper to show at the counter."""
        point = await self.point()
        if point is None:
            raise CarrierError("This pickup point no longer exists: ship another way")
        return ShipmentCreated(carrier="pickup", pickup_code=f"{secrets.randbelow(10**6):06d}",
                               label={"carrier_name": "到店自提", "point": point.name,
                                      "address": point.address,
                                      "hours": point.hours, "phone": point.phone})


def methods_for(shop: Shop, now: dt.datetime | None = None) -> list[Any]:
    shipping = ShopShipping(shop, now)
    return [Express(shipping),
            *(SameCityDelivery(shipping, n) for n in range(1, MAX_SLOTS + 1)),
            *(StorePickup(shipping, n) for n in range(1, MAX_PICKUP_POINTS + 1))]


__all__ = ["PLUGIN", "Express", "SameCityDelivery", "ShopShipping", "StorePickup",
           "kuaidi100_client", "methods_for", "sf_client"]

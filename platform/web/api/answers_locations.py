"""The shapes of the API's answers about locations (门店/仓库) and stock transfers (调拨)
(see galleria.web.api.answers for the rules they follow)."""

from __future__ import annotations

from typing import TypedDict


class LocationAddress(TypedDict):
    province: str
    city: str
    district: str
    line1: str
    region_code: str  # GB/T 2260, 6 digits, or ""


class OpeningHours(TypedDict):
    days: list[int]  # ISO weekdays, 1 Monday … 7 Sunday
    open: str  # HH:MM, the shop's time
    close: str


class DeliveryArea(TypedDict):
    radius_km: float | None  # around latitude/longitude
    regions: list[str]  # region codes (a province or city code covers what is in it)


class Location(TypedDict):
    code: str
    name: str
    kind: str  # store | warehouse
    address: LocationAddress
    phone: str
    latitude: float | None
    longitude: float | None
    hours: list[OpeningHours]
    delivery_area: DeliveryArea
    offers_pickup: bool
    active: bool
    position: int


class LocationList(TypedDict):
    items: list[Location]
    split_by_location: bool  # an order no single location can fill ships from several


class LocationSettings(TypedDict):
    split_by_location: bool


class TransferLine(TypedDict):
    variant_id: int
    quantity: int


class Transfer(TypedDict):
    id: int
    source: str
    destination: str
    state: str  # draft | in_transit | received | cancelled
    lines: list[TransferLine]
    note: str
    created_by: str
    created_at: str
    shipped_at: str | None
    received_at: str | None
    cancelled_at: str | None


class TransferPage(TypedDict):
    items: list[Transfer]
    next_cursor: str | None


class LocationStock(TypedDict):
    location: str
    on_hand: int
    reserved: int
    available: int


class VariantLocations(TypedDict):
    variant_id: int
    locations: list[LocationStock]

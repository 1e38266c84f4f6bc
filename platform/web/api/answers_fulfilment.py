"""The shapes of the answers of the admin API's shop-setup, catalog tools, shipping, picking
and packing routes (answers.py's conventions: an answer may carry more members than listed
here, never fewer; times are RFC 3339 strings, `None` until it happened)."""

from __future__ import annotations

from typing import TypedDict

from galleria.web.api.aftersales_schemas import Photo
from galleria.web.api.answers import Barcode
from galleria.web.api.answers_orders import StaffOrder


# -- custom domains ------------------------------------------------------------------------------
class Domain(TypedDict):
    host: str
    verified: bool


class DomainList(TypedDict):
    items: list[Domain]


class NewDomain(Domain):
    verification_token: str  # what the shop's host must answer at `verification_url`
    verification_url: str


# -- catalog tools -------------------------------------------------------------------------------
class ScannedVariant(TypedDict):
    id: int
    sku: str
    price: int


class ScannedProduct(TypedDict):
    id: int
    name: str
    status: str


class BarcodeMatch(TypedDict):
    barcode: Barcode
    variant: ScannedVariant
    product: ScannedProduct
    currency: str


class ImportedCatalog(TypedDict):
    ok: bool
    rows: int
    products_created: int
    products_updated: int
    variants_created: int
    variants_updated: int
    variants_unchanged: int


# -- shipments -----------------------------------------------------------------------------------
class TrackingEvent(TypedDict):
    status: str
    raw_status: str
    description: str
    location: str
    occurred_at: str | None


class Shipment(TypedDict):
    id: int
    method: str
    carrier: str
    carrier_name: str
    tracking_number: str
    status: str
    tracking_status: str | None
    shipped_at: str | None
    delivered_at: str | None
    events: list[TrackingEvent]  # newest first


class ShipmentList(TypedDict):
    items: list[Shipment]


class TrackingAdded(TypedDict):
    added: int  # how many of the events were new
    shipment: Shipment


class PickedUp(TypedDict):
    shipment: Shipment
    order: StaffOrder


# -- picking -------------------------------------------------------------------------------------
class PickListHead(TypedDict):
    id: int
    mode: str  # order or wave
    group_label: str
    status: str
    assignee_id: int | None
    assignee_name: str
    created_by: str
    created_at: str | None
    picked_at: str | None


class PickListSummary(PickListHead):
    order_count: int


class PickListPage(TypedDict):
    items: list[PickListSummary]  # newest first


class PickLine(TypedDict):
    id: int
    order_number: str
    variant_id: int
    sku: str
    name: str
    shelf_location: str
    lot_id: int | None
    lot_code: str
    expires_on: str | None
    quantity: int
    picked: int
    gift: bool


class PickProgress(TypedDict):
    number: str
    quantity: int
    picked: int
    complete: bool


class PickList(PickListHead):
    lines: list[PickLine]  # in walking order
    orders: list[PickProgress]


class ScanCounted(TypedDict):
    accepted: bool
    order_number: str
    sku: str
    name: str
    units: int
    order_left: int
    order_complete: bool
    list_left: int
    list_complete: bool


# -- packing -------------------------------------------------------------------------------------
class BoxPreset(TypedDict):
    name: str
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_grams: int


class BoxPresetList(TypedDict):
    items: list[BoxPreset]


class QualityCheck(TypedDict):
    id: int
    passed: bool
    notes: str
    photos: list[Photo]
    checked_by: str
    checked_at: str | None


class PackingPlan(TypedDict):
    number: str
    weight_grams: int
    suggested_box: BoxPreset | None
    boxes: list[BoxPreset]
    quality_check: QualityCheck | None  # the latest
    left_to_pick: int


class PackedParcels(TypedDict):
    items: list[Shipment]  # one shipment per parcel


# -- delivery supervision ------------------------------------------------------------------------
class DeliveryPromises(TypedDict):
    ship_within_hours: int
    stale_tracking_days: int


class DeliveryAlert(TypedDict):
    kind: str
    order_number: str
    due_at: str
    overdue_hours: int
    reason: str
    shipment_id: int | None
    carrier: str
    tracking_number: str


class DeliveryAlerts(TypedDict):
    items: list[DeliveryAlert]  # most overdue first
    promises: DeliveryPromises


# -- webhook deliveries --------------------------------------------------------------------------
class Redelivery(TypedDict):
    id: int
    event_id: str
    topic: str
    status: str  # pending until the outbox sends it


class DeliveryAttempt(TypedDict):
    status_code: int | None  # None when nothing answered
    error: str
    response_excerpt: str
    duration_ms: int
    at: str | None


class WebhookDelivery(Redelivery):
    attempts: int
    last_status_code: int | None
    created_at: str | None
    delivered_at: str | None
    attempt_log: list[DeliveryAttempt]  # newest first


class WebhookDeliveryPage(TypedDict):
    items: list[WebhookDelivery]  # newest first
    next_cursor: str | None

"""What shipping methods may do beyond quoting: create shipments and report tracking.

`galleria_shipping_methods(shop)` returns `ShippingMethod` instances
(galleria.kernel.checkout.contracts). Besides `code`, `name` and `quote`, a method MAY
override these async methods; their defaults answer None ("not done by this method") and
the kernel goes without:

- `create_shipment(shop, request: ShipmentRequest) -> ShipmentCreated` — book the parcel
  with the carrier (a waybill), or prepare a pickup (a pickup code). Called when the merchant
  ships without typing a tracking number. `request.reference` is unique per shipment and
  stable across retries: carriers that deduplicate by order id (SF Express) answer a retry
  with the first waybill. Raise `CarrierError` when the carrier refuses.
- `track(shop, shipment: TrackedShipment) -> list[TrackingUpdate]` — ask the carrier where
  the parcel is (polling). Events may repeat: the kernel keeps each one once.

The carrier work itself is done by `Carrier` objects (below) the method holds: one per
courier company or tracking service, with the same optional operations and safe defaults.

Carriers that push (Kuaidi100) reach the plugin's own route, which verifies the push and
hands the events to `galleria.kernel.record_tracking_by_number`.

Tracking statuses are normalised to six: `picked_up`, `in_transit`, `out_for_delivery`,
`delivered`, `delivery_failed`, `returned`; the carrier's own code stays in `raw_status`.
A `delivered` event marks the shipment delivered and, once every shipment of the order is,
the order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from galleria.kernel.checkout.contracts import Address
from galleria.kernel.errors import DomainError

if TYPE_CHECKING:
    from galleria.kernel.tenancy.shops import Shop

PICKED_UP = "picked_up"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
# The carrier could not deliver (nobody home, refused), or sends the parcel back: delivery
# supervision flags both at once.
DELIVERY_FAILED = "delivery_failed"
RETURNED = "returned"
TRACKING_STATUSES = (PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, DELIVERY_FAILED,
                     RETURNED)


class CarrierError(DomainError):
    """The carrier refused or could not be reached; the message says what it answered."""

    kind, code, title = "unavailable", "carrier_error", "Carrier error"


@dataclass(frozen=True)
class ShipmentLine:
    variant_id: int
    sku: str
    name: str
    quantity: int
    weight_grams: int = 0  # per unit, from the catalog when known

    def to_json(self) -> dict[str, Any]:
        return {"variant_id": self.variant_id, "sku": self.sku, "name": self.name,
                "quantity": self.quantity}


@dataclass(frozen=True)
class ShipmentRequest:
    """What `create_shipment` gets: the order's delivery details and the lines in this
    parcel. `carrier` is what the merchant chose at shipping ("" for the method's default)."""

    shop: Shop
    reference: str  # {order number}_S{n}
    order_number: str
    method: str
    carrier: str
    address: Address | None
    contact: dict[str, str]
    lines: tuple[ShipmentLine, ...]
    note: str = ""
    # A courier pickup asked for (预约取件): (from, until), aware datetimes. Carriers that
    # offer it book the courier for this window; the others ignore it.
    pickup_window: tuple[dt.datetime, dt.datetime] | None = None


@dataclass(frozen=True)
class ShipmentCreated:
    """A booked shipment: the carrier's code and waybill number, or a pickup code for a
    pickup; `label` holds what a printed label needs (sorting codes…), JSON-able."""

    carrier: str
    tracking_number: str = ""
    pickup_code: str = ""
    label: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackedShipment:
    """What `track` gets: which parcel, and the receiver's phone (some carriers want its
    last four digits)."""

    carrier: str
    tracking_number: str
    phone: str = ""


@dataclass(frozen=True)
class TrackingUpdate:
    """One scan of a parcel. `status` is one of TRACKING_STATUSES."""

    status: str
    occurred_at: dt.datetime
    description: str = ""
    location: str = ""
    raw_status: str = ""


class Carrier:
    """One courier company's API (SF Express) or tracking service's (Kuaidi100), as one
    shop's account with it: the base class of every carrier adapter. A shipping method holds
    the carriers it books and tracks with (the shipping plugin's `Express` holds SF Express
    and Kuaidi100) and hands them the work of its own `create_shipment` and `track`.

    `code` is the carrier's code on shipments and in tracking (`sf`, `kuaidi100`); `name` is
    shown to the merchant (the code when empty). Every operation is optional: the defaults
    answer "not offered here", so a tracking-only service overrides `track` alone.
    """

    code: str = ""
    name: str = ""
    # Honours `ShipmentRequest.pickup_window` (预约取件: a courier comes in that window)
    # when it books; the others ship without a courier pickup booked.
    books_pickup: bool = False

    @property
    def title(self) -> str:
        return self.name or self.code

    async def create_shipment(self, request: ShipmentRequest) -> ShipmentCreated | None:
        """Book a waybill for `request`. A retry of the same `request.reference` must get
        the first waybill (no second parcel). Raise `CarrierError` when the carrier refuses.
        Default: None, this carrier books nothing (the merchant types the number)."""
        return None

    async def track(self, shipment: TrackedShipment) -> list[TrackingUpdate] | None:
        """The parcel's scans so far (repeats are fine: the kernel keeps each once), [] while
        the carrier has none yet. Default: None, this carrier cannot be polled."""
        return None

    async def subscribe(self, shipment: TrackedShipment, *, callback_url: str,
                        salt: str) -> bool:
        """Ask the carrier to push scans of `shipment` to `callback_url`, signed with
        `salt`; True once subscribed (a repeat is not an error). Default: False, this
        carrier does not push (poll it with `track`)."""
        return False


__all__ = [
    "DELIVERED",
    "DELIVERY_FAILED",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "PICKED_UP",
    "RETURNED",
    "TRACKING_STATUSES",
    "Carrier",
    "CarrierError",
    "ShipmentCreated",
    "ShipmentLine",
    "ShipmentRequest",
    "TrackedShipment",
    "TrackingUpdate",
]

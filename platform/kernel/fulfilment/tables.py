"""Fulfilment tables. Shop-owned: every row carries `tenant` (row-level security on
PostgreSQL).

A shipment is one parcel (or one pickup) of an order: what it holds, how it travels and
where it is. Its tracking events are the carrier's scans, normalised to four statuses and
kept once each (`dedupe_key`), however often a carrier pushes or we poll them.
"""

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant


class Shipment(Table, tablename="shipment"):
    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    reference = Varchar(length=40)  # {order number}_S{n}: the carrier's order id, unique
    method = Varchar(length=64)  # the shipping method's code (express, same_city_1, pickup_1)
    carrier = Varchar(length=32, default="")  # sf, kuaidi100:yuantong, pickup, local…
    tracking_number = Varchar(length=64, default="")  # the waybill number
    status = Varchar(length=20, default="shipped")  # shipped | ready_for_pickup | delivered
    tracking_status = Varchar(length=20, default="")  # the latest normalised event's status
    lines = JSON(default="[]")  # [{"variant_id", "sku", "name", "quantity"}]
    pickup_code = Varchar(length=12, default="")  # shown to the shopper, checked at handover
    label = JSON(default="{}")  # what the carrier returned for the label (sorting codes…)
    created_at = Timestamptz(default=TimestamptzNow())
    shipped_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)


class TrackingEvent(Table, tablename="tracking_event"):
    tenant = ForeignKey(Tenant, null=False)
    shipment = ForeignKey(Shipment, null=False)
    status = Varchar(length=20)  # picked_up | in_transit | out_for_delivery | delivered
    raw_status = Varchar(length=32, default="")  # the carrier's own code (opCode, state)
    description = Varchar(length=500, default="")
    location = Varchar(length=120, default="")
    occurred_at = Timestamptz()
    source = Varchar(length=32, default="")  # push, poll, manual:token:3, pickup:…
    dedupe_key = Varchar(length=64)  # sha256 of (occurred_at, raw_status, description)
    created_at = Timestamptz(default=TimestamptzNow())

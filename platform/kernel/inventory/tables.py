"""Inventory tables: the stock ledger, lots and transfers. Stock levels live in
catalog.tables (`StockLevel`), one row per variant and location; locations themselves in
tenancy.tables (`Location`, re-exported here): a new shop opens with its first."""

from piccolo.columns import JSON, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.catalog.tables import Variant
from galleria.kernel.tenancy.tables import Location, Tenant


class StockMovement(Table, tablename="stock_movement"):
    """One line of the ledger: every change of on-hand or reserved stock."""

    tenant = ForeignKey(Tenant, null=False)
    variant = ForeignKey(Variant, null=False)
    location = Varchar(length=32, default="default")
    kind = Varchar(length=16)  # receive | reserve | release | ship | adjust | return | write_off
    on_hand_change = Integer(default=0)
    reserved_change = Integer(default=0)
    on_hand_after = Integer()
    reserved_after = Integer()
    reason = Varchar(length=200, default="")
    reference = Varchar(length=64, default="")  # an order number, a stocktake id…
    actor = Varchar(length=120, default="system")
    lot = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Lot(Table, tablename="stock_lot"):
    """Stock received together, with its dates; picked first-expiry-first-out."""

    tenant = ForeignKey(Tenant, null=False)
    variant = ForeignKey(Variant, null=False)
    location = Varchar(length=32, default="default")
    code = Varchar(length=64, default="")
    produced_on = Date(null=True, default=None)
    expires_on = Date(null=True, default=None)
    quantity = Integer(default=0)  # units left in this lot
    received_at = Timestamptz(default=TimestamptzNow())
    # When the merchant was told this lot is near its expiry (`stock.expiring`, once).
    expiry_alerted_at = Timestamptz(null=True, default=None)


class StockTransfer(Table, tablename="stock_transfer"):
    """Stock moving between two locations of a shop (调拨): draft → in_transit → received,
    or cancelled (from draft, or from in_transit: the units go back to the source). While
    in transit the units are on hand at neither end."""

    tenant = ForeignKey(Tenant, null=False)
    source = Varchar(length=32)
    destination = Varchar(length=32)
    state = Varchar(length=16, default="draft")
    lines = JSON(default="[]")  # [{"variant_id", "quantity"}]
    note = Varchar(length=200, default="")
    created_by = Varchar(length=120, default="system")
    created_at = Timestamptz(default=TimestamptzNow())
    shipped_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)


__all__ = ["Location", "Lot", "StockMovement", "StockTransfer"]

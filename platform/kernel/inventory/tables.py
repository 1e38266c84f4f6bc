"""Inventory tables: the stock ledger and lots. Stock levels live in catalog.tables
(`StockLevel`), one row per variant and location."""

from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.catalog.tables import Variant
from galleria.kernel.tenancy.tables import Tenant


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

"""Pick lists and their lines. Shop-owned: every row carries `tenant` (row-level security
on PostgreSQL).

A pick list gathers approved orders for one walk through the shelves. Each line is one
order's units of one variant from one lot (first-expiry-first-out), in route order
(`position`, by shelf location); `picked` counts the units scanned so far. The lot a line
names is where the stock leaves on-hand from when the order ships.
"""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant


class PickList(Table, tablename="pick_list"):
    tenant = ForeignKey(Tenant, null=False)
    mode = Varchar(length=8, default="order")  # order (摘果) | wave (播种: pick, then sort)
    group_label = Varchar(length=64, default="")  # the shipping method or slot it gathers
    status = Varchar(length=12, default="open")  # open | picked
    assignee = Integer(null=True, default=None)  # a platform user id (staff of the shop)
    assignee_name = Varchar(length=120, default="")
    created_by = Varchar(length=120, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    picked_at = Timestamptz(null=True, default=None)


class PickLine(Table, tablename="pick_line"):
    tenant = ForeignKey(Tenant, null=False)
    pick_list = ForeignKey(PickList, null=False)
    order = ForeignKey(Order, null=False)
    order_number = Varchar(length=20)
    variant = Integer()
    sku = Varchar(length=64)
    name = Varchar(length=200)
    shelf_location = Varchar(length=32, default="")
    lot = Integer(null=True, default=None)  # stock_lot id; None: units kept outside lots
    lot_code = Varchar(length=64, default="")
    expires_on = Date(null=True, default=None)
    quantity = Integer()
    picked = Integer(default=0)
    gift = Boolean(default=False)  # a free gift line: picked like any other
    position = Integer(default=0)  # the walking route, by shelf location


class QualityCheck(Table, tablename="quality_check"):
    """质检 before a parcel is sealed: who checked, what they saw, photos when wrong."""

    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    passed = Boolean(default=True)
    notes = Text(default="")
    photos = Text(default="[]")  # JSON list of media keys
    checked_by = Varchar(length=120, default="")
    checked_at = Timestamptz(default=TimestamptzNow())


class BoxPreset(Table, tablename="box_preset"):
    """A box the shop packs in: inner size in millimetres and the most it may carry."""

    tenant = ForeignKey(Tenant, null=False)
    name = Varchar(length=40)
    length_mm = Integer()
    width_mm = Integer()
    height_mm = Integer()
    max_weight_grams = Integer()


class DelayNotice(Table, tablename="delay_notice"):
    """The shopper was told about this delay (`key`: the kind of alert and the parcel), so
    the hourly supervision tells them once."""

    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    key = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())

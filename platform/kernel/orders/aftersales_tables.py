"""After-sales tables: lines cancelled before shipping, and returns/exchanges after delivery.
Shop-owned: every row carries `tenant` (row-level security on PostgreSQL).

Both keep a copy of the lines they concern and the refund they owe, so the refund job can
run (and run again) from the row alone, and refunds each once.
"""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant


class LineCancellation(Table, tablename="order_line_cancellation"):
    """Units of an order cancelled before they shipped (a short pick, the shopper changed
    their mind), and the refund that gives their money back."""

    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    order_number = Varchar(length=20)
    lines = JSON(default="[]")  # [{"variant_id", "sku", "name", "unit_price", "quantity"}]
    reason = Varchar(length=500, default="")
    amount = Integer(default=0)  # what is refunded, minor units (see cancellation.py's rule)
    currency = Varchar(length=3)
    # none (nothing was paid) | pending | refunding | refunded
    refund_status = Varchar(length=16, default="pending")
    refund_reference = Varchar(length=40, default="")
    actor = Varchar(length=120, default="system")
    created_at = Timestamptz(default=TimestamptzNow())


class ReturnRequest(Table, tablename="order_return"):
    """A shopper's request to return or exchange delivered lines, and its progress:
    requested → approved → (shipped_back →) received → refunded | replacement_shipped,
    or rejected."""

    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    order_number = Varchar(length=20)
    kind = Varchar(length=16, default="return")  # return | exchange
    status = Varchar(length=24, default="requested")
    # [{"variant_id", "sku", "name", "unit_price", "quantity", "received", "restocked"}]
    lines = JSON(default="[]")
    reason = Varchar(length=32, default="")  # no_reason | quality | wrong_item | damaged
    note = Text(default="")
    photos = JSON(default="[]")  # image URLs the shopper attached
    return_address = Text(default="")
    reject_reason = Varchar(length=500, default="")
    carrier = Varchar(length=32, default="")
    tracking_number = Varchar(length=64, default="")
    refund_amount = Integer(default=0)
    currency = Varchar(length=3)
    shop_pays_return_shipping = Boolean(default=False)
    history = JSON(default="[]")  # [{"status", "at", "actor", "note"}]
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ProductAftersales(Table, tablename="product_aftersales"):
    """A product's after-sales terms: whether it may be returned without a quality problem
    (fresh food may not), and its warranty. No row: returnable, no warranty."""

    tenant = ForeignKey(Tenant, null=False)
    product = Integer()  # the catalog product's id
    returnable = Boolean(default=True)
    warranty_months = Integer(default=0)
    warranty_covers = Text(default="")  # what the warranty covers, as the merchant says it
    updated_at = Timestamptz(default=TimestamptzNow())

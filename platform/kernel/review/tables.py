"""The review record: one row per order reviewed, shop-owned (row-level security on
PostgreSQL). It feeds the review queue (why an order is held) and the console's figures
(share approved automatically, time spent in review)."""

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant


class OrderReview(Table, tablename="order_review"):
    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    # held while it waits in the queue; approved | rejected once decided
    outcome = Varchar(length=16)
    # every rule's verdict, then the merchant's decision:
    # [{"rule", "name", "verdict", "reason"}, …]
    reasons = JSON(default="[]")
    decided_by = Varchar(length=120, default="")  # AUTOMATIC, or "user:7" from the queue
    started_at = Timestamptz(default=TimestamptzNow())  # when the review began
    decided_at = Timestamptz(null=True, default=None)  # None while held

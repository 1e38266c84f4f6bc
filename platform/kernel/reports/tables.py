"""Report tables. Shop-owned: every row carries `tenant` (row-level security on PostgreSQL).

`ShopDay` is the daily rollup a shop's overview and sales reports read instead of scanning
its orders: one row per shop and local day (the shop's time zone). Its order figures are
recomputed from the orders whenever an order event arrives (`reports.rollups`), so they
equal a rebuild from scratch by construction; `visitors` is counted by the storefront.
Carts are counted from the `cart` table itself (its (tenant, created_at) index).
"""

from piccolo.columns import ForeignKey, Integer, Varchar
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class ShopDay(Table, tablename="report_shop_day"):
    tenant = ForeignKey(Tenant, null=False)
    # "YYYY-MM-DD" in the shop's time zone: text sorts and compares the same on SQLite and
    # PostgreSQL, with no driver date adaptation in between.
    day = Varchar(length=10)
    visitors = Integer(default=0)  # distinct storefront visitors that day (daily cookie)
    orders = Integer(default=0)  # orders placed
    cancelled_orders = Integer(default=0)  # of those placed that day, cancelled since
    paid_orders = Integer(default=0)  # orders paid that day
    paid_total = Integer(default=0)  # their totals, minor units
    refunded_total = Integer(default=0)  # refunded since from the orders paid that day


REPORT_TABLES = [ShopDay]

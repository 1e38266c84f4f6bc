"""Report tables. Shop-owned: every row carries `tenant` (row-level security on PostgreSQL).

`ShopDay` is the daily rollup a shop's overview and sales reports read instead of scanning
its orders: one row per shop and local day (the shop's time zone). Its order figures are
recomputed from the orders whenever an order event arrives (`reports.rollups`), so they
equal a rebuild from scratch by construction; `visitors` is counted by the storefront.
Carts are counted from the `cart` table itself (its (tenant, created_at) index).
"""

from piccolo.columns import JSON, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
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


class ReportExport(Table, tablename="report_export"):
    """A report file written in the background (`reports.export_jobs`) for one staff member:
    its progress, then the file under the shop's media until it expires. `token` (random,
    unique per shop) names the file; only the staff member who asked may fetch it."""
    tenant = ForeignKey(Tenant, null=False)
    token = Varchar(length=40)
    user_id = Integer()  # the platform user (staff member) who asked for it
    email = Varchar(length=254, default="")  # where the "ready" notice goes
    report = Varchar(length=40)  # a name of exports.COLUMNS
    fmt = Varchar(length=8)  # csv | xlsx
    title = Varchar(length=200, default="")  # the file's title, in the staff's language
    params = JSON(default="{}")  # period, grouping, headings and labels (already translated)
    status = Varchar(length=16, default="queued")  # queued, running, ready, failed, expired
    rows_done = Integer(default=0)
    rows_total = Integer(default=0)
    storage_key = Varchar(length=250, default="")
    filename = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)


REPORT_TABLES = [ShopDay, ReportExport]

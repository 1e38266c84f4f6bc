"""Marketing tables. Shop-owned: `tenant` first in every key; row-level security on
PostgreSQL (migrations/marketing_0002)."""

from piccolo.columns import Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Coupon(Table, tablename="marketing_coupon"):
    tenant = Integer()
    code = Varchar(length=32)  # upper case; unique in the shop
    kind = Varchar(length=8)  # percent | amount
    value = Integer()  # percent 1–100, or minor units off
    min_subtotal = Integer(default=0)  # minor units the items must reach
    usage_limit = Integer(default=0)  # 0: no limit
    used = Integer(default=0)
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class CouponRedemption(Table, tablename="marketing_coupon_redemption"):
    """One use of a coupon by one order; removed (and the use given back) if the order is
    cancelled."""

    tenant = Integer()
    coupon = Integer()
    order_number = Varchar(length=20)
    amount = Integer()  # the discount, minor units (positive)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [Coupon, CouponRedemption]

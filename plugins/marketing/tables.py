"""Marketing tables. Shop-owned: `tenant` first in every key; row-level security on
PostgreSQL (migrations/marketing_0002, _0005)."""

from piccolo.columns import JSON, Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Coupon(Table, tablename="marketing_coupon"):
    """A coupon definition (优惠券). `kind`: amount_off | percent_off | free_shipping |
    fixed_price (rows from before kinds had these names say `amount` / `percent`)."""

    tenant = Integer()
    code = Varchar(length=32)  # upper case; unique in the shop (generated for wallet-only)
    kind = Varchar(length=16)
    value = Integer()  # percent 1–100; minor units off; or the fixed price of one item
    min_subtotal = Integer(default=0)  # minor units the items in scope must reach
    usage_limit = Integer(default=0)  # total: uses (code) or claims (claimable); 0 no limit
    used = Integer(default=0)
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    name = Varchar(length=60, default="")  # shown to shoppers
    max_discount = Integer(default=0)  # percent_off's cap, minor units; 0: none
    scope = JSON(default="{}")  # {"products", "categories", "exclude_products"}: id lists
    per_customer_limit = Integer(default=0)  # uses (code) or claims (claimable) per shopper
    claimable = Boolean(default=False)  # offered in the coupon centre (领券)
    code_typed = Boolean(default=True)  # False: only from the wallet, typing refused
    claimed = Integer(default=0)


class CouponRedemption(Table, tablename="marketing_coupon_redemption"):
    """One use of a coupon by one order; marked `returned_at` (and the use given back) when
    the shop's policy returns it. `slot` (1…per_customer_limit) makes the per-shopper limit a unique
    key; `claim` is the wallet entry used, if any."""

    tenant = Integer()
    coupon = Integer()
    order_number = Varchar(length=20)
    amount = Integer()  # the discount, minor units (positive)
    created_at = Timestamptz(default=TimestamptzNow())
    customer = Integer(null=True, default=None)
    slot = Integer(null=True, default=None)
    claim = Integer(null=True, default=None)
    order_amount = Integer(default=0)  # the goods' total of the order (the sales it brought)
    returned_at = Timestamptz(null=True, default=None)  # given back: no longer counts


class CouponClaim(Table, tablename="marketing_coupon_claim"):
    """A coupon in a shopper's wallet (我的 → 优惠券): `available`, or `used` by
    `order_number` (and `available` again when the coupon is given back)."""

    tenant = Integer()
    coupon = Integer()
    customer = Integer()
    slot = Integer()  # 1…per_customer_limit: the limit as a unique key
    status = Varchar(length=12, default="available")
    order_number = Varchar(length=20, default="")
    claimed_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)
    # A reward another plugin granted (galleria_reward_granted): its `ref`, unique in the
    # shop, so one reward is one coupon; such entries take slots below 0, outside the limit.
    ref = Varchar(length=120, null=True, default=None)


class Promotion(Table, tablename="marketing_promotion"):
    """A promotion: `timed` (限时折扣: products or variants at a percentage or a price),
    `tiers` (满减 / 满折) or `quantity` (第二件半价: the Nth item at a percentage)."""

    tenant = Integer()
    kind = Varchar(length=12)
    name = Varchar(length=60, default="")
    rule = JSON(default="{}")
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class PromotionUse(Table, tablename="marketing_promotion_use"):
    """What a promotion took off one order (written when the order is placed; marked
    `returned_at` when the order is cancelled or fully refunded), for its figures."""

    tenant = Integer()
    promotion = Integer()
    order_number = Varchar(length=20)
    amount = Integer()  # minor units off (positive), all the order's lines together
    order_amount = Integer(default=0)  # the order's goods total
    created_at = Timestamptz(default=TimestamptzNow())
    returned_at = Timestamptz(null=True, default=None)


TABLES = [Coupon, CouponRedemption, CouponClaim, Promotion, PromotionUse]

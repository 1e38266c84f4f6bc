"""Flash-sale and gift tables. Shop-owned: `tenant` first in every key; row-level security
on PostgreSQL (migrations/campaigns_0002)."""

from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class FlashSale(Table, tablename="campaigns_flash_sale"):
    """A sale price for one variant, for `quota` units, between `starts_at` and `ends_at`.
    `sold` counts the units held by orders (placed, not cancelled): the database's record,
    changed only by conditional updates (`sold + n <= quota`)."""

    tenant = Integer()
    variant = Integer()
    product = Integer()
    price = Integer()  # the sale price of one unit, minor units
    quota = Integer()
    sold = Integer(default=0)
    per_customer_limit = Integer(default=0)  # 0: no limit beyond the quota
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class FlashSaleClaim(Table, tablename="campaigns_flash_sale_claim"):
    """Units of a sale held by one order; deleted (and the units returned) when the order is
    cancelled — by the shopper, the merchant or the payment timeout."""

    tenant = Integer()
    sale = Integer()
    order_number = Varchar(length=20)
    customer = Integer(null=True, default=None)
    quantity = Integer()
    price = Integer()  # the sale price paid per unit
    regular_price = Integer()  # the variant's price then: the discount's cost per unit
    created_at = Timestamptz(default=TimestamptzNow())


class FlashSaleBuyer(Table, tablename="campaigns_flash_sale_buyer"):
    """How many units of a sale one signed-in customer holds: the per-customer limit,
    enforced by a conditional update on this row."""

    tenant = Integer()
    sale = Integer()
    customer = Integer()
    bought = Integer(default=0)


class Gift(Table, tablename="campaigns_gift"):
    """A gift with purchase: `gift_variant` added at price 0 to orders with one of
    `product_ids` (JSON list) or whose items reach `min_amount`, while more than
    `safety_stock` of it is available."""

    tenant = Integer()
    gift_variant = Integer()
    product_ids = Text(default="[]")
    min_amount = Integer(default=0)  # 0: no spending trigger
    safety_stock = Integer(default=0)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class GiftGiven(Table, tablename="campaigns_gift_given"):
    """One gift in one order (deleted if the order is cancelled): the console's figures."""

    tenant = Integer()
    gift = Integer()
    order_number = Varchar(length=20)
    quantity = Integer(default=1)
    items_total = Integer(default=0)  # what the order's items came to, minor units
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [FlashSale, FlashSaleClaim, FlashSaleBuyer, Gift, GiftGiven]

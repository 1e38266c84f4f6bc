"""Order tables. Shop-owned: every row carries `tenant` (row-level security on PostgreSQL).

An order keeps copies of what was bought (SKU, name, options, price): the catalog may
change afterwards, the order must not. Its variants are plain ids for the same reason.
"""

from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class Order(Table, tablename="shop_order"):  # `order` is an SQL keyword
    tenant = ForeignKey(Tenant, null=False)
    number = Varchar(length=20)  # {yyMMdd}{6 random digits} in the shop's time zone
    status = Varchar(length=20, default="pending_payment")  # see orders.states
    customer = Integer(null=True, default=None)
    contact = JSON(default="{}")  # {"name", "phone"?, "email"?}
    address = JSON(default="{}")  # API.md's address shape
    # The two phones as digits only (orders.queries.phone_key): what the console's search
    # looks up through a (tenant, phone) index.
    contact_phone = Varchar(length=32, default="")
    address_phone = Varchar(length=32, default="")
    shipping_method = Varchar(length=64, default="")
    payment_method = Varchar(length=64, default="")
    coupon_code = Varchar(length=64, default="")
    points = Integer(default=0)
    subtotal = Integer(default=0)  # minor units, like every amount here
    shipping_fee = Integer(default=0)
    discount_total = Integer(default=0)
    total = Integer(default=0)
    refunded_total = Integer(default=0)
    currency = Varchar(length=3)
    note = Text(default="")
    invoice = JSON(null=True, default=None)
    access_token_hash = Varchar(length=64)  # sha256 of the guest's access token
    stock_status = Varchar(length=16, default="reserved")  # reserved | released | shipped
    # Where the order came from (orders.channels.CHANNELS): web, mini_program, staff, import,
    # api; an order from another platform keeps that platform's order id, unique per shop
    # and channel (NULL for orders made here: NULLs never collide in a unique key).
    channel = Varchar(length=16, default="web")
    external_id = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    payment_due_at = Timestamptz(null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    # The chosen shipping method's promise: delivered within this many days of shipping
    # (the longest of its quote's ETA); None when it named none. Delivery supervision.
    eta_max_days = Integer(null=True, default=None)
    # The day the shopper asked the parcel to arrive (checkout.delivery_dates), or None.
    requested_delivery_date = Date(null=True, default=None)
    # The location (门店/仓库) the chosen shipping method is tied to (Quote.location: the
    # store whose same-city area was quoted, the store picked up at); "" when none. The
    # order's stock is reserved there and nowhere else (checkout.sourcing).
    ship_from = Varchar(length=32, default="")


class OrderLine(Table, tablename="order_line"):
    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    variant = Integer()
    sku = Varchar(length=64)
    name = Varchar(length=200)
    options = JSON(default="{}")
    unit_price = Integer()
    quantity = Integer()
    line_total = Integer()
    # Units cancelled before shipping (a short pick, `cancel-lines`): released and refunded.
    cancelled_quantity = Integer(default=0)
    # The location (inventory.tables.Location code) the line is reserved at and ships from.
    location = Varchar(length=32, default="default")


class OrderAdjustment(Table, tablename="order_adjustment"):
    """A discount applied when the order was placed, as the price adjuster gave it."""

    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    source = Varchar(length=64)  # the adjuster's code
    code = Varchar(length=64)
    label = Varchar(length=120, default="")
    target = Varchar(length=16, default="items")  # items | shipping
    amount = Integer()  # signed minor units; a discount is negative
    data = JSON(default="{}")


class TimelineEntry(Table, tablename="order_timeline"):
    """Every transition (and recorded refund), with who and why."""

    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    from_status = Varchar(length=20, default="")  # "" when the order was placed
    to_status = Varchar(length=20)
    actor = Varchar(length=120)  # "guest", "customer:7", "token:3", "system", "job:…"
    reason = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())

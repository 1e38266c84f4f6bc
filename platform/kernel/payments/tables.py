"""Payment tables. Shop-owned: every row carries `tenant` (row-level security on PostgreSQL).

A payment is one attempt to pay an order through one gateway (`reference` is what the
gateway knows it by: its out_trade_no). Its state changes only by conditional updates, so a
notification, a query and a merchant's click may race and each change happens once.
"""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant


class Payment(Table, tablename="payment"):
    tenant = ForeignKey(Tenant, null=False)
    order = ForeignKey(Order, null=False)
    order_number = Varchar(length=20)
    reference = Varchar(length=32)  # {order number}_{attempt}; unique in the shop
    plugin = Varchar(length=64)
    method = Varchar(length=64)  # the gateway's code
    scene = Varchar(length=16, default="")
    amount = Integer()  # minor units
    currency = Varchar(length=3)
    status = Varchar(length=16, default="pending")  # pending | paid | failed | closed
    refunded = Integer(default=0)  # refunds succeeded or under way (minor units)
    provider_reference = Varchar(length=128, default="")
    # Who paid, as the gateway names them (a WeChat openid, an Alipay buyer_id, a Stripe
    # card fingerprint or customer), prefixed by the method; "" when it names nobody.
    payer_ref = Varchar(length=128, default="")
    action = JSON(default="{}")
    origin = Varchar(length=200, default="")  # the shop's URL origin the payment began on
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    paid_at = Timestamptz(null=True, default=None)
    checked_at = Timestamptz(null=True, default=None)  # last asked of the gateway


class Refund(Table, tablename="payment_refund"):
    tenant = ForeignKey(Tenant, null=False)
    payment = ForeignKey(Payment, null=False)
    order_number = Varchar(length=20)
    reference = Varchar(length=40)  # {payment reference}_R{n}; unique in the shop
    amount = Integer()
    currency = Varchar(length=3)
    status = Varchar(length=16, default="pending")  # pending | succeeded | failed
    reason = Varchar(length=500, default="")
    actor = Varchar(length=120)
    # False for money given back that the order never counted (paid after cancelling,
    # paid twice): it does not move the order's refunded total.
    counts_for_order = Boolean(default=True)
    provider_reference = Varchar(length=128, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    settled_at = Timestamptz(null=True, default=None)


class GatewayNotification(Table, tablename="payment_notification"):
    """Every gateway callback and what became of it: applied, duplicate, refused (and why)."""

    tenant = ForeignKey(Tenant, null=False)
    plugin = Varchar(length=64)
    method = Varchar(length=64)
    reference = Varchar(length=40, default="")
    notification_id = Varchar(length=128, default="")
    outcome = Varchar(length=16)  # applied | duplicate | ignored | unknown | mismatch | rejected
    detail = Text(default="")
    received_at = Timestamptz(default=TimestamptzNow())


PAYMENT_TABLES = [Payment, Refund, GatewayNotification]

"""Cart tables. Shop-owned: every row carries `tenant` (row-level security on PostgreSQL)."""

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.catalog.tables import Variant
from galleria.kernel.tenancy.tables import Tenant


class Cart(Table, tablename="cart"):
    """A shopper's cart. `token` is its public id: unguessable, so it is the key to it."""

    tenant = ForeignKey(Tenant, null=False)
    token = Varchar(length=32)
    customer = Integer(null=True, default=None)  # a customer id once accounts exist
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()  # pushed on by every change; an expired cart is gone (404)
    # The order placed from this cart ('' until then). Placing sets it with a conditional
    # update, so concurrent placings of one cart make one order; a placed cart is finished.
    order_number = Varchar(length=20, default="")


class CartLine(Table, tablename="cart_line"):
    """One variant in a cart. Carts hold no stock: orders reserve it when placed."""

    tenant = ForeignKey(Tenant, null=False)
    cart = ForeignKey(Cart, null=False)
    variant = ForeignKey(Variant, null=False)
    quantity = Integer()
    added_at = Timestamptz(default=TimestamptzNow())

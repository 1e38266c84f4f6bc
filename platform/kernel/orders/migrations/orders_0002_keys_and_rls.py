"""Unique keys, shop-first indexes and row-level security for carts and orders (raw steps
run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-23T07:46:14:000000"
VERSION = "1.38.0"
DESCRIPTION = "cart and order keys, indexes, row-level security"

INDEXES = [
    Index("cart", ("tenant", "token"), unique=True),
    Index("cart", ("tenant", "expires_at")),
    Index("cart_line", ("tenant", "cart", "variant"), unique=True),
    Index("shop_order", ("tenant", "number"), unique=True),
    Index("shop_order", ("tenant", "id")),
    Index("shop_order", ("tenant", "status", "id")),
    Index("shop_order", ("tenant", "status", "payment_due_at")),
    Index("shop_order", ("tenant", "customer", "id")),
    Index("order_line", ("tenant", "order")),
    Index("order_adjustment", ("tenant", "order")),
    Index("order_timeline", ("tenant", "order", "id")),
]

SHOP_OWNED = ["cart", "cart_line", "shop_order", "order_line", "order_adjustment",
              "order_timeline"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager

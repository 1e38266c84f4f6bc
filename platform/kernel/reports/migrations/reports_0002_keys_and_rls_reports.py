"""The rollup's key (one row per shop and day, which the upserts rely on) and row-level
security (raw steps run before a migration's own table changes, hence their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T10:55:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "report_shop_day key, order/cart report indexes, row-level security"

INDEXES = [
    Index("report_shop_day", ("tenant", "day"), unique=True),
    # What the overview counts beside the rollups: paying customers and carts of a period.
    Index("shop_order", ("tenant", "paid_at")),
    Index("cart", ("tenant", "created_at")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, ["report_shop_day"])

    manager.add_raw(run)
    return manager

"""Shop-first indexes and row-level security for tickets, messages and the FAQ (raw steps
run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T10:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ticket and FAQ indexes, row-level security"

INDEXES = [
    Index("service_ticket", ("tenant", "status", "id")),
    Index("service_ticket", ("tenant", "customer", "id")),
    Index("service_ticket", ("tenant", "order_number")),
    Index("service_ticket_message", ("tenant", "ticket", "id")),
    Index("service_faq", ("tenant", "position")),
]

SHOP_OWNED = ["service_ticket", "service_ticket_message", "service_faq"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="service", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager

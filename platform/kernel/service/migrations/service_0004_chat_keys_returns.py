"""Indexes and row-level security for live chat (raw steps run before a migration's own
table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T10:41:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "live chat indexes, row-level security"

INDEXES = [
    Index("service_chat", ("tenant", "visitor"), unique=True),
    Index("service_chat", ("tenant", "updated_at")),
    Index("service_chat_message", ("tenant", "conversation", "id")),
]

SHOP_OWNED = ["service_chat", "service_chat_message"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="service", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager

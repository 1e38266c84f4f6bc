"""Keys and row-level security for staff tasks: one task of each kind per order, one rule
of each kind per store (raw steps run before a migration's own table changes, hence a
migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T13:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff task keys, row-level security"

INDEXES = [
    Index("staff_task", ("tenant", "kind", "order"), unique=True),
    Index("staff_task", ("tenant", "assignee", "kind")),
    Index("task_rule", ("tenant", "kind", "store"), unique=True),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="fulfilment", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, ["staff_task", "task_rule"])

    manager.add_raw(run)
    return manager

"""Outbox claims get an owner and a lease, so a runner killed mid-job is taken over.

Rows written before this migration have no lease (NULL): they are finished deliveries.
An index finds the dead letters (rows given up) per shop for the console."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

from galleria.kernel.schema import Index, create_indexes
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T10:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox delivery owner and lease (jobs)"

_COMMON = {"primary_key": False, "unique": False, "index": False,
           "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
           "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)
    manager.add_column(
        table_class_name="OutboxDelivery", tablename="outbox_delivery",
        column_name="owner", db_column_name="owner", column_class_name="Varchar",
        column_class=Varchar, params={"length": 128, "default": "", "null": False, **_COMMON},
        schema=None)
    manager.add_column(
        table_class_name="OutboxDelivery", tablename="outbox_delivery",
        column_name="lease_until", db_column_name="lease_until",
        column_class_name="Timestamptz", column_class=Timestamptz,
        params={"default": None, "null": True, **_COMMON}, schema=None)

    async def run():
        await create_indexes(Tenant._meta.db, [Index("outbox_event", ("tenant", "attempts"))])

    manager.add_raw(run)
    return manager

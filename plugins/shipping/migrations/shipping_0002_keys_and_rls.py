"""Slot keys and row-level security (after the tables exist: raw steps run first)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-11-29T09:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "slot keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipping", description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()
        await create_indexes(engine, [
            Index("shipping_delivery_slot", ("tenant", "day", "slot"), unique=True),
            Index("shipping_slot_booking", ("tenant", "order_number"), unique=True),
        ])
        await enable_row_level_security(engine, ["shipping_delivery_slot",
                                                 "shipping_slot_booking"])

    manager.add_raw(keys_and_rls)
    return manager

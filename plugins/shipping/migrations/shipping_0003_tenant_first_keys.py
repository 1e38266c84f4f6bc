"""The plugin's tables get the primary key (tenant, id), as the kernel's do (docs/scaling.md:
keys led by the shop, so the tables can be distributed by shop). PostgreSQL only; a no-op
on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import tenant_first_keys

ID = "2026-12-05T13:17:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "keys led by the shop"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipping", description=DESCRIPTION)

    async def keys():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await tenant_first_keys(engine, ["shipping_delivery_slot", "shipping_slot_booking"])

    manager.add_raw(keys)
    return manager

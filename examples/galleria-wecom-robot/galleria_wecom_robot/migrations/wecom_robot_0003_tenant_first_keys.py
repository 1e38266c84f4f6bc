"""The primary key (tenant, id), as every shop-owned table's (a no-op on SQLite)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import tenant_first_keys

ID = "2026-12-05T13:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "wecom_robot keys led by the shop"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="wecom_robot", description=DESCRIPTION)

    async def keys():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await tenant_first_keys(engine, ["wecom_robot_entry"])

    manager.add_raw(keys)
    return manager

# piccolo runs a migration's raw steps before its table operations: keys and row-level
# security come in a migration of their own, after the table exists.
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-12-05T10:26:44:704711"
VERSION = "1.38.0"
DESCRIPTION = "wecom_robot keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="wecom_robot", description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            Index("wecom_robot_entry", ("tenant", "order_number"), unique=True)])
        await enable_row_level_security(engine, ["wecom_robot_entry"])

    manager.add_raw(keys_and_rls)
    return manager

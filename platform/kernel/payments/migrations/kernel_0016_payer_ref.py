from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-05T16:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payer_ref: who paid, as the gateway names them (openid, buyer_id, card)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payments", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Payment", tablename="payment", column_name="payer_ref",
        db_column_name="payer_ref", column_class_name="Varchar", column_class=Varchar,
        params={"length": 128, "default": ""}, schema=None)
    return manager

"""A task rule of a store (门店) names that store's staff: the user ids its work goes to in
turn, instead of everyone with the rule's role (rules made before have none: the role)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T17:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "task_rule: staff, the store's staff the rule hands work to"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="fulfilment", description=DESCRIPTION)
    manager.add_column(
        table_class_name="TaskRule",
        tablename="task_rule",
        column_name="staff",
        db_column_name="staff",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T14:22:13:921086"
VERSION = "1.38.0"
DESCRIPTION = "cost price (成本价) of variants, optional"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="kernel", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Variant",
        tablename="variant",
        column_name="cost_price",
        db_column_name="cost_price",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
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

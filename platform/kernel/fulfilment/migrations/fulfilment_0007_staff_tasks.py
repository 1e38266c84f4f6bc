from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Order(Table, tablename="shop_order", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


ID = "2026-12-05T13:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tasks for staff and the rules that hand them out"


def _params(**extra) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **extra}


def _fk(references) -> dict:
    return _params(references=references, on_delete=OnDelete.cascade,
                   on_update=OnUpdate.cascade, target_column=None)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="fulfilment", description=DESCRIPTION)
    columns = {
        ("StaffTask", "staff_task"): [
            ("tenant", ForeignKey, _fk(Tenant)), ("kind", Varchar, _params(length=16,
                                                                           default="")),
            ("order", ForeignKey, _fk(Order)),
            ("order_number", Varchar, _params(length=20, default="")),
            ("store", Varchar, _params(length=32, default="default")),
            ("assignee", Integer, _params(default=None, null=True)),
            ("assignee_name", Varchar, _params(length=120, default="")),
            ("assigned_by", Varchar, _params(length=120, default="")),
            ("created_at", Timestamptz, _params(default=TimestamptzNow())),
            ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ],
        ("TaskRule", "task_rule"): [
            ("tenant", ForeignKey, _fk(Tenant)), ("kind", Varchar, _params(length=16,
                                                                           default="")),
            ("store", Varchar, _params(length=32, default="default")),
            ("role", Varchar, _params(length=16, default="staff")),
            ("last_user", Integer, _params(default=None, null=True)),
        ],
    }
    for (class_name, tablename), fields in columns.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None,
                          columns=None)
        for name, column_class, params in fields:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params, schema=None)
    return manager

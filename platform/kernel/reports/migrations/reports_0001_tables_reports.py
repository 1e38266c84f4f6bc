"""The daily rollup table, `report_shop_day` (written by hand in piccolo's auto-migration
form: one add_table, then one add_column per column)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T10:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "report_shop_day: a shop's figures per local day"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


def _params(**extra):
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **extra}


COUNTS = ["visitors", "orders", "cancelled_orders", "paid_orders", "paid_total",
          "refunded_total"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)
    manager.add_table(class_name="ShopDay", tablename="report_shop_day", schema=None,
                      columns=None)

    def column(name, column_class, params):
        manager.add_column(table_class_name="ShopDay", tablename="report_shop_day",
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)

    column("tenant", ForeignKey, _params(references=Tenant, on_delete=OnDelete.cascade,
                                         on_update=OnUpdate.cascade, target_column=None))
    column("day", Varchar, _params(length=10, default=""))
    for name in COUNTS:
        column(name, Integer, _params(default=0))
    return manager

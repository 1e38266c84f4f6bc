"""The background exports' table, `report_export` (piccolo's auto-migration form)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "report_export: report files written in the background"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


def _params(**extra):
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **extra}


TEXTS = [("token", 40, ""), ("email", 254, ""), ("report", 40, ""), ("fmt", 8, ""),
         ("title", 200, ""), ("status", 16, "queued"), ("storage_key", 250, ""),
         ("filename", 200, "")]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)
    manager.add_table(class_name="ReportExport", tablename="report_export", schema=None,
                      columns=None)

    def column(name, column_class, params):
        manager.add_column(table_class_name="ReportExport", tablename="report_export",
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)

    column("tenant", ForeignKey, _params(references=Tenant, on_delete=OnDelete.cascade,
                                         on_update=OnUpdate.cascade, target_column=None))
    for name, length, default in TEXTS:
        column(name, Varchar, _params(length=length, default=default))
    for name in ("user_id", "rows_done", "rows_total"):
        column(name, Integer, _params(default=0))
    column("params", JSON, _params(default="{}"))
    column("created_at", Timestamptz, _params(default=TimestamptzNow()))
    for name in ("finished_at", "expires_at"):
        column(name, Timestamptz, _params(null=True, default=None))
    return manager

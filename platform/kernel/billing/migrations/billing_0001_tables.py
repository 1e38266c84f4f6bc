"""Billing tables (written by hand in piccolo's auto-migration form: one add_table per table,
then one add_column per column)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T13:04:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing_subscription, billing_event, operator_factor, platform_audit"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


def _params(**extra):
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **extra}


def _varchar(length, default=""):
    return Varchar, _params(length=length, default=default)


def _moment(null=True):
    return Timestamptz, (_params(null=True, default=None) if null
                         else _params(default=TimestamptzNow()))


TABLES = {
    ("Subscription", "billing_subscription"): [
        ("tenant", ForeignKey, _params(references=Tenant, on_delete=OnDelete.cascade,
                                       on_update=OnUpdate.cascade, target_column=None)),
        ("plan", *_varchar(32)),
        ("interval", *_varchar(8, "month")),
        ("status", *_varchar(16, "trialing")),
        ("trial_ends_at", *_moment()),
        ("current_period_end", *_moment()),
        ("cancel_at_period_end", Boolean, _params(default=False)),
        ("past_due_since", *_moment()),
        ("grace_until", *_moment()),
        ("suspend_at", *_moment()),
        ("stripe_customer", *_varchar(64)),
        ("stripe_subscription", *_varchar(64)),
        ("operator_hold", Boolean, _params(default=False)),
        ("hold_reason", *_varchar(500)),
        ("updated_at", *_moment(null=False)),
    ],
    ("BillingEvent", "billing_event"): [
        ("event_id", Varchar, _params(length=64, default="", unique=True)),
        ("kind", *_varchar(64)),
        ("tenant_id", Integer, _params(null=True, default=None)),
        ("received_at", *_moment(null=False)),
    ],
    ("OperatorFactor", "operator_factor"): [
        ("user_id", Integer, _params(default=0, unique=True)),
        ("totp_secret", Text, _params(default="")),
        ("last_step", Integer, _params(default=0)),
        ("created_at", *_moment(null=False)),
    ],
    ("PlatformAudit", "platform_audit"): [
        ("actor", *_varchar(120)),
        ("action", *_varchar(64)),
        ("tenant_id", Integer, _params(null=True, default=None)),
        ("subject", *_varchar(120)),
        ("data", JSON, _params(default="{}")),
        ("created_at", *_moment(null=False)),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None,
                          columns=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params, schema=None)
    return manager

"""Same-city delivery slots and bookings (the shape piccolo's auto migrations write)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean, Date, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-11-29T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "same-city delivery slots and bookings"

TABLES = {
    ("DeliverySlot", "shipping_delivery_slot"): [
        ("tenant", Integer, {}), ("day", Date, {}), ("slot", Integer, {}),
        ("booked", Integer, {"default": 0}),
    ],
    ("SlotBooking", "shipping_slot_booking"): [
        ("tenant", Integer, {}), ("order_number", Varchar, {"length": 20}),
        ("day", Date, {}), ("slot", Integer, {}), ("released", Boolean, {"default": False}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipping", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager

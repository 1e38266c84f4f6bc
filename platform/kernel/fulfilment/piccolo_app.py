"""The `fulfilment` piccolo app: shipments, tracking events, pick lists; own migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.fulfilment.picking_tables import (
    BoxPreset,
    DelayNotice,
    PickLine,
    PickList,
    QualityCheck,
)
from galleria.kernel.fulfilment.tables import Shipment, TrackingEvent
from galleria.kernel.fulfilment.task_tables import StaffTask, TaskRule

FULFILMENT_TABLES = [Shipment, TrackingEvent, PickList, PickLine, QualityCheck, BoxPreset,
                     DelayNotice, StaffTask, TaskRule]

APP_CONFIG = AppConfig(
    app_name="fulfilment",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(FULFILMENT_TABLES),
    migration_dependencies=["galleria.kernel.orders.piccolo_app"],
)

"""The `service` piccolo app: tickets, their messages and the FAQ, with their own
migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.service.tables import SERVICE_TABLES

APP_CONFIG = AppConfig(
    app_name="service",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(SERVICE_TABLES),
    migration_dependencies=["galleria.kernel.orders.piccolo_app"],
)

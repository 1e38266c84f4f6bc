"""The `reports` piccolo app: daily rollups of a shop's figures, with their own migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.reports.tables import REPORT_TABLES

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(REPORT_TABLES),
    migration_dependencies=["galleria.kernel.piccolo_app",
                            "galleria.kernel.orders.piccolo_app"],
)

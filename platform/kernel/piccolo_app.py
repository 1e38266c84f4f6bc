"""The kernel's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.tables import KERNEL_TABLES

APP_CONFIG = AppConfig(
    app_name="kernel",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(KERNEL_TABLES),
)

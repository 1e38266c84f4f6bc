"""The `payments` piccolo app: payments, refunds and the gateway notification log."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.payments.tables import PAYMENT_TABLES

APP_CONFIG = AppConfig(
    app_name="payments",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(PAYMENT_TABLES),
    migration_dependencies=["galleria.kernel.orders.piccolo_app"],
)

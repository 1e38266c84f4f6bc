"""The `billing` piccolo app: subscriptions, applied Stripe events, operators' second
factor and the platform audit log, with their own migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.billing.tables import BILLING_TABLES

APP_CONFIG = AppConfig(
    app_name="billing",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(BILLING_TABLES),
    migration_dependencies=["galleria.kernel.piccolo_app"],
)

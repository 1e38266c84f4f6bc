"""The `shop_keys` piccolo app: no tables, only the migrations that make the kernel's keys
start with the shop. It depends on every other kernel app so that it runs last."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="shop_keys",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[],
    migration_dependencies=[
        "galleria.kernel.piccolo_app",
        "galleria.kernel.orders.piccolo_app",
        "galleria.kernel.payments.piccolo_app",
        "galleria.kernel.customers.piccolo_app",
        "galleria.kernel.notifications.piccolo_app",
        "galleria.kernel.fulfilment.piccolo_app",
        "galleria.kernel.review.piccolo_app",
        "galleria.kernel.access.piccolo_app",
        "galleria.kernel.service.piccolo_app",
        "galleria.kernel.reports.piccolo_app",
    ],
)

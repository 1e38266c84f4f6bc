"""The `review` piccolo app: the order review record, with its own migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.review.tables import OrderReview

APP_CONFIG = AppConfig(
    app_name="review",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[OrderReview],
    migration_dependencies=["galleria.kernel.orders.piccolo_app"],
)

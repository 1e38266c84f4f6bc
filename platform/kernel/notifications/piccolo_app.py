"""The `notifications` piccolo app: the notification log and merchant webhooks, with their
own migrations (kept apart from the other kernel apps')."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.notifications.tables import (
    NotificationLog,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

NOTIFICATION_TABLES = [NotificationLog, WebhookEndpoint, WebhookDelivery, WebhookAttempt]

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(NOTIFICATION_TABLES),
    migration_dependencies=["galleria.kernel.piccolo_app"],
)

"""Notifications (order messages to shoppers and merchants through channel plugins) and
merchant webhooks (signed order events POSTed to the merchant's URLs). See service.py and
webhooks.py; `jobs.py` lists what galleria.jobs registers."""

from galleria.kernel.notifications.contracts import NotificationChannel, NotificationMessage

__all__ = ["NotificationChannel", "NotificationMessage"]

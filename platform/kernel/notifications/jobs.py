"""What the job runners register for notifications and webhooks: the kernel listeners (by
topic) and the webhook delivery job, registered in galleria.kernel.reactions."""

from __future__ import annotations

from galleria.kernel.events import Listener
from galleria.kernel.notifications import (
    account,
    billing_notices,
    service,
    stock_alerts,
    tickets,
    webhooks,
)
from galleria.kernel.plugins import JobSpec

LISTENERS = [
    *(Listener("notifications", topic, service.queue_order_notifications)
      for topic in service.ORDER_MESSAGES),
    Listener("notification_send", service.SEND_TOPIC, service.send_notification),
    Listener("notification_follow_up", service.FOLLOW_UP_TOPIC, service.follow_up),
    Listener("notification_ticket_answered", tickets.TOPIC, tickets.ticket_answered),
    *(Listener("webhooks", topic, webhooks.queue_webhooks) for topic in webhooks.TOPICS),
    *account.LISTENERS,
    *billing_notices.LISTENERS,
    *stock_alerts.LISTENERS,  # low stock, near expiry: to the staff who asked
]
JOBS = [JobSpec(webhooks.JOB, webhooks.deliver_webhook)]

__all__ = ["JOBS", "LISTENERS"]

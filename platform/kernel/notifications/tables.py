"""Notification and webhook tables. Shop-owned: every row carries `tenant` (row-level
security on PostgreSQL), and every index starts with it."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class NotificationLog(Table, tablename="notification_log"):
    """One message to one recipient through one channel; the send job's record.

    `message` keeps what is sent (so a retry sends the same text); `status` is pending,
    sent, failed (retried with backoff until the outbox gives up) or skipped (the channel
    was disabled meanwhile)."""

    tenant = ForeignKey(Tenant, null=False)
    topic = Varchar(length=40)  # order.paid, order.follow_up, …
    audience = Varchar(length=16)  # shopper | merchant
    channel = Varchar(length=130)  # "<plugin>:<kind>", e.g. notify_email:email
    recipient = Varchar(length=254)
    order_number = Varchar(length=20, default="")
    subject = Varchar(length=300, default="")
    message = JSON(default="{}")
    status = Varchar(length=16, default="pending")
    error = Text(default="")
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    """A merchant's URL that receives signed order events. The signing secret is kept
    encrypted (kernel.crypto) and shown once, when the endpoint is created."""

    tenant = ForeignKey(Tenant, null=False)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    topics = JSON(default="[]")
    enabled = Boolean(default=True)
    secret = Text(default="")  # sealed {"secret": "whsec_…"}
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event sent (and re-sent until it succeeds) to one endpoint; `body` is the exact
    JSON every attempt posts."""

    tenant = ForeignKey(Tenant, null=False)
    endpoint = ForeignKey(WebhookEndpoint, null=False)
    event_id = Varchar(length=40)  # the body's `id` and Galleria-Event-Id
    topic = Varchar(length=40)
    body = Text(default="")
    status = Varchar(length=16, default="pending")  # pending | succeeded | failed
    attempts = Integer(default=0)
    last_status_code = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)


class WebhookAttempt(Table, tablename="webhook_attempt"):
    """Every POST of a delivery: what came back, how long it took, or what went wrong."""

    tenant = ForeignKey(Tenant, null=False)
    delivery = ForeignKey(WebhookDelivery, null=False)
    status_code = Integer(null=True, default=None)
    duration_ms = Integer(default=0)
    error = Varchar(length=500, default="")
    response_excerpt = Varchar(length=500, default="")
    attempted_at = Timestamptz(default=TimestamptzNow())

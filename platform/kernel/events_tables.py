"""The transactional outbox: events written in the same transaction as the change."""

from piccolo.columns import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxEvent(Table, tablename="outbox_event"):
    """One domain event. Platform infrastructure (the relay reads across shops), so it is not
    behind row-level security; its `tenant` says which shop's plugins receive it."""

    tenant = Integer(null=True)  # None for platform events
    topic = Varchar(length=64)  # "order.placed" → hook galleria_order_placed
    payload = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")


class OutboxDelivery(Table, tablename="outbox_delivery"):
    """A receiver's claim on an event, one per (event, receiver). While it runs, the claim
    has an `owner` (the runner process) and a `lease_until` the owner keeps renewing; a
    claim whose lease ran out (its runner was killed) is taken over by the next runner.
    A finished delivery has no lease (`lease_until` NULL)."""

    event = BigInt()
    plugin = Varchar(length=64)
    delivered_at = Timestamptz(default=TimestamptzNow())
    owner = Varchar(length=128, default="")
    lease_until = Timestamptz(null=True, default=None)


class IdempotencyRecord(Table, tablename="idempotency_record"):
    """The first answer to a creating POST, replayed for a repeat with the same key."""

    tenant = Integer(default=0)  # 0 for the platform host
    key = Varchar(length=255)
    scope = Varchar(length=120)  # method and path
    request_hash = Varchar(length=64)
    status_code = Integer()
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())

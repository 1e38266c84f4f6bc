"""Dead letters: outbox work given up after MAX_ATTEMPTS failures (or runner deaths).

They stay in the outbox with their last error, never run again on their own, and are
listed for staff — a shop's own in the console (`/console/jobs`), all of them with
`galleria jobs dead` — who retry one once the cause is fixed (`retry` gives it a fresh
round of attempts).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.errors import NotFound
from galleria.kernel.events import MAX_ATTEMPTS
from galleria.kernel.events_tables import OutboxDelivery, OutboxEvent

ALL_SHOPS = object()  # `dead_letters(ALL_SHOPS)`: the platform operator's view


def _view(row: dict[str, Any]) -> dict[str, Any]:
    payload = row["payload"]
    return {"id": row["id"], "tenant": row["tenant"], "topic": row["topic"],
            "payload": json.loads(payload) if isinstance(payload, str) else payload,
            "attempts": row["attempts"], "last_error": row["last_error"],
            # _retry_later leaves a given-up row's next_attempt_at at its last attempt
            "created_at": row["created_at"], "last_attempt_at": row["next_attempt_at"]}


def _dead(tenant: Any) -> Any:
    where = OutboxEvent.done_at.is_null() & (OutboxEvent.attempts >= MAX_ATTEMPTS)
    if tenant is ALL_SHOPS:
        return where
    if tenant is None:
        return where & OutboxEvent.tenant.is_null()
    return where & (OutboxEvent.tenant == tenant)


async def dead_letters(tenant: Any, limit: int = 100) -> list[dict[str, Any]]:
    """A shop's dead letters (`tenant` its id; None for platform work; ALL_SHOPS for
    every one), newest first."""
    rows = await OutboxEvent.select().where(_dead(tenant)).order_by(
        OutboxEvent.id, ascending=False).limit(limit)
    return [_view(row) for row in rows]


async def count_dead(tenant: Any) -> int:
    return await OutboxEvent.count().where(_dead(tenant))


async def retry(tenant: Any, event_id: int) -> dict[str, Any]:
    """Run a dead letter again now, with a fresh round of attempts. NotFound unless it is
    one of `tenant`'s dead letters."""
    row = await OutboxEvent.select().where(_dead(tenant) & (OutboxEvent.id == event_id)).first()
    if row is None:
        raise NotFound(f"No dead job {event_id}")
    # A claim left by a runner that died holds no one now: clear it with the attempts.
    await OutboxDelivery.delete().where((OutboxDelivery.event == event_id)
                                        & OutboxDelivery.lease_until.is_not_null())
    await OutboxEvent.update({OutboxEvent.attempts: 0,
                              OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)}).where(
        (OutboxEvent.id == event_id) & OutboxEvent.done_at.is_null())
    return _view({**row, "attempts": 0})

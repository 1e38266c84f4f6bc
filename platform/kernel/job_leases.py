"""Claims on outbox work with an owner and a lease.

A runner claims a receiver's delivery of an event (or a job) before it calls it. The claim
names the runner process (`runner_id()`) and holds a lease that the runner renews while the
call runs (`holding`). If the runner dies — `kill -9`, an out-of-memory kill, a lost
machine — nobody renews the lease, and once it has run out the next runner takes the claim
over and calls the receiver again. So work is done at least once and, while its runner
lives, by one runner at a time; receivers make repeats harmless (webhooks carry the same
delivery id, jobs check what they already did).

A takeover counts as a failed attempt of the event, so work that kills its runner every
time ends as a dead letter rather than taking down worker after worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator

from galleria.kernel.events_tables import OutboxDelivery, OutboxEvent
from galleria.kernel.outages import is_outage

log = logging.getLogger("galleria.events")
_lease = dt.timedelta(seconds=60)
_runner: tuple[int, str] | None = None


class Claim(enum.Enum):
    MINE = "mine"            # claimed now: call the receiver
    TAKEN_OVER = "taken"     # its runner died: call the receiver again
    DONE = "done"            # delivered before
    HELD = "held"            # a live runner has it now


def set_lease(seconds: float) -> None:
    """How long a claim lasts without renewal (GALLERIA_JOB_LEASE_SECONDS)."""
    global _lease
    _lease = dt.timedelta(seconds=seconds)


def lease() -> dt.timedelta:
    return _lease


def runner_id() -> str:
    """This process, as claims name it: host, pid and a random tag (pids are reused)."""
    global _runner
    pid = os.getpid()
    if _runner is None or _runner[0] != pid:  # a forked worker process gets its own
        _runner = (pid, f"{socket.gethostname()[:60]}:{pid}:{secrets.token_hex(4)}")
    return _runner[1]


async def claim(event_id: int, receiver: str) -> Claim:
    now = dt.datetime.now(dt.UTC)
    me = runner_id()
    inserted = await OutboxDelivery.insert(OutboxDelivery(
        event=event_id, plugin=receiver, owner=me, lease_until=now + _lease,
    )).on_conflict(action="DO NOTHING").returning(OutboxDelivery.id)
    if inserted:
        return Claim.MINE
    row = await OutboxDelivery.select(OutboxDelivery.owner, OutboxDelivery.lease_until).where(
        (OutboxDelivery.event == event_id) & (OutboxDelivery.plugin == receiver)).first()
    if row is None:
        return Claim.HELD  # released between the two statements; the next pass claims it
    if row["lease_until"] is None:
        return Claim.DONE
    if row["lease_until"] >= now:
        return Claim.HELD
    taken = await OutboxDelivery.update({
        OutboxDelivery.owner: me, OutboxDelivery.lease_until: now + _lease,
    }).where((OutboxDelivery.event == event_id) & (OutboxDelivery.plugin == receiver)
             & (OutboxDelivery.owner == row["owner"])
             & (OutboxDelivery.lease_until < now)).returning(OutboxDelivery.id)
    if not taken:
        return Claim.HELD  # another runner took it over first
    log.warning("%s takes over %s of outbox row %s from %s, whose lease ran out",
                me, receiver, event_id, row["owner"])
    await OutboxEvent.update({
        OutboxEvent.attempts: OutboxEvent.attempts + 1,
        OutboxEvent.last_error: f"{receiver}: runner {row['owner']} stopped mid-run "
                                f"(its lease ran out); taken over by {me}",
    }).where(OutboxEvent.id == event_id)
    return Claim.TAKEN_OVER


async def settle(event_id: int, receiver: str) -> None:
    """The receiver succeeded: the claim becomes a finished delivery."""
    await OutboxDelivery.update({
        OutboxDelivery.lease_until: None, OutboxDelivery.delivered_at: dt.datetime.now(dt.UTC),
    }).where((OutboxDelivery.event == event_id) & (OutboxDelivery.plugin == receiver)
             & (OutboxDelivery.owner == runner_id()))


async def release(event_id: int, receiver: str) -> None:
    """The receiver failed: give the claim up so a later attempt claims it afresh."""
    await OutboxDelivery.delete().where(
        (OutboxDelivery.event == event_id) & (OutboxDelivery.plugin == receiver)
        & (OutboxDelivery.owner == runner_id()))


async def delivered_receivers(event_id: int) -> set[str]:
    rows = await OutboxDelivery.select(OutboxDelivery.plugin).where(
        (OutboxDelivery.event == event_id) & OutboxDelivery.lease_until.is_null())
    return {row["plugin"] for row in rows}


@contextlib.asynccontextmanager
async def holding(event_id: int, receiver: str) -> AsyncIterator[None]:
    """Renew the claim's lease every third of its length while the body runs."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(_lease.total_seconds() / 3)
            try:
                await OutboxDelivery.update({
                    OutboxDelivery.lease_until: dt.datetime.now(dt.UTC) + _lease,
                }).where((OutboxDelivery.event == event_id)
                         & (OutboxDelivery.plugin == receiver)
                         & (OutboxDelivery.owner == runner_id()))
            except Exception as exc:  # the database may be back before the lease ends
                log.warning("could not renew the lease on %s of outbox row %s (%s)",
                            receiver, event_id, type(exc).__name__,
                            exc_info=not is_outage(exc))

    task = asyncio.create_task(renew(), name=f"lease-{event_id}-{receiver}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

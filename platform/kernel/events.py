"""Domain events through the transactional outbox.

`emit()` writes an outbox row in the caller's transaction, so an event exists exactly when
the change that caused it committed. A relay (galleria.jobs) hands pending rows to a job that
calls `deliver()`: each enabled plugin implementing the event's hook is called once — a
delivery row records it — and a plugin that raises is logged and retried later with backoff
while the others are not called again. Work that fails MAX_ATTEMPTS times is given up: a
dead letter, kept with its last error until staff retry it (galleria.kernel.dead_letters).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.job_leases import Claim, claim, delivered_receivers, holding, release, settle
from galleria.kernel.outages import is_outage
from galleria.kernel.plugins import PluginHost

log = logging.getLogger("galleria.events")
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Listener:
    """A kernel reaction to an event, `fn(event, host)` (sync or async; `host` is the
    PluginHost, for listeners that call the shop's plugins), run after commit like a
    plugin's event hook: at most once, retried with backoff when it raises."""

    name: str
    topic: str
    fn: Callable[[Event, PluginHost], Any]


@dataclass(frozen=True)
class Event:
    """What event hooks receive: plain data, safe to keep or send on."""

    id: int
    tenant_id: int | None
    topic: str
    payload: dict[str, Any]
    occurred_at: dt.datetime

    @property
    def hook_name(self) -> str:
        return "galleria_" + self.topic.replace(".", "_")


def event_row(tenant_id: int | None, topic: str, payload: dict[str, Any], *,
              not_before: dt.datetime | None = None) -> OutboxEvent:
    """The outbox row `emit` writes; give several to `emit_all` to write them at once."""
    row = OutboxEvent(tenant=tenant_id, topic=topic, payload=payload)
    if not_before is not None:
        row.next_attempt_at = not_before
    return row


def job_row(tenant_id: int | None, job: str, /, *, delay: dt.timedelta | None = None,
            **kwargs: Any) -> OutboxEvent:
    """The outbox row `enqueue` writes; give several to `emit_all` to write them at once."""
    return event_row(tenant_id, "job." + job, kwargs,
                     not_before=dt.datetime.now(dt.UTC) + delay if delay else None)


async def emit(tenant_id: int | None, topic: str, payload: dict[str, Any], *,
               not_before: dt.datetime | None = None) -> None:
    """Record an event; call inside the transaction of the change it reports.

    `not_before` delays it (durable delayed work: a payment timeout, an auto-complete).
    """
    await OutboxEvent.insert(event_row(tenant_id, topic, payload, not_before=not_before))


async def emit_all(rows: list[OutboxEvent]) -> None:
    """Record several events and jobs (`event_row`, `job_row`) in one INSERT."""
    if rows:
        await OutboxEvent.insert(*rows)


async def enqueue(tenant_id: int | None, job: str, /, *, delay: dt.timedelta | None = None,
                  **kwargs: Any) -> None:
    """Schedule job `job` (a JobSpec from `galleria_actors`) with JSON-able `kwargs`, in the
    caller's transaction: it runs once that commits (after `delay`, if given)."""
    await OutboxEvent.insert(job_row(tenant_id, job, delay=delay, **kwargs))


def backoff(attempts: int) -> dt.timedelta:
    """15 s, 30 s, 1 min, … capped at 1 hour."""
    return dt.timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), 3600))


async def pending_event_ids(limit: int = 100) -> list[int]:
    now = dt.datetime.now(dt.UTC)
    rows = await (
        OutboxEvent.select(OutboxEvent.id)
        .where(OutboxEvent.done_at.is_null() & (OutboxEvent.next_attempt_at <= now)
               & (OutboxEvent.attempts < MAX_ATTEMPTS))
        .order_by(OutboxEvent.id).limit(limit)
    )
    return [row["id"] for row in rows]


async def deliver(event_id: int, host: PluginHost, enabled_for: Any,
                  jobs: dict[str, Any] | None = None,
                  listeners: dict[str, list[Listener]] | None = None) -> bool:
    """Deliver one event to every plugin that should get it; True when none is left.

    A row whose topic is `job.<name>` runs the plugin job `<name>` (a JobSpec in `jobs`)
    with the payload as keyword arguments instead.

    `listeners` maps a topic to the kernel's own listeners (notifications, webhooks, order
    review): each is called with the Event like a plugin, claimed as `kernel:<name>`.

    `enabled_for(tenant_id)` is an async function giving a shop's enabled plugins (platform
    events, with no tenant, go to every installed plugin). Safe to run twice at once: a
    receiver is claimed (galleria.kernel.job_leases) before it is called, so one live runner
    calls it; a claim whose runner died is taken over once its lease runs out.
    """
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    if row is None or row["done_at"] is not None:
        return True
    payload = row["payload"]
    event = Event(id=row["id"], tenant_id=row["tenant"], topic=row["topic"],
                  payload=json.loads(payload) if isinstance(payload, str) else payload,
                  occurred_at=row["created_at"])
    if event.topic.startswith("job."):
        return await _run_job(row, event, jobs or {})
    own = (listeners or {}).get(event.topic, [])
    has_hook = hasattr(host.pm.hook, event.hook_name)
    if not has_hook and not own:
        log.error("event %s has topic %s with no hook", event.id, event.topic)
        await _finish(event_id)
        return True
    receivers: list[tuple[str, Any]] = [
        (f"kernel:{listener.name}", functools.partial(_call_listener, listener, host))
        for listener in own]
    if has_hook:
        enabled = (host.names() if event.tenant_id is None
                   else await enabled_for(event.tenant_id))
        receivers += [(plugin, _plugin_caller(host, plugin, event.hook_name))
                      for plugin in host.implementers(event.hook_name, enabled)]
    done = await delivered_receivers(event_id)
    failures, held = [], False
    for receiver, call in receivers:
        if receiver in done:
            continue
        claimed = await claim(event_id, receiver)
        if claimed in (Claim.DONE, Claim.HELD):
            held = held or claimed is Claim.HELD  # its runner finishes it, or its lease ends
            continue
        try:
            async with holding(event_id, receiver):
                result = call(event)
                for value in result if isinstance(result, list) else [result]:
                    if inspect.isawaitable(value):
                        await value
        except Exception as exc:  # one receiver's failure must not stop the others
            log.log(logging.WARNING if is_outage(exc) else logging.ERROR,
                    "%s failed on event %s (%s)", receiver, event.id, event.topic,
                    exc_info=not is_outage(exc))
            failures.append(f"{receiver}: {exc!r}")
            await release(event_id, receiver)
        else:
            await settle(event_id, receiver)
    if failures:
        await _retry_later(await _current(row), "; ".join(failures))
        return False
    if held and not {r for r, _ in receivers} <= await delivered_receivers(event_id):
        return False  # still running elsewhere: the row stays pending until all are done
    await _finish(event_id)
    return True


def _call_listener(listener: Listener, host: PluginHost, event: Event) -> Any:
    return listener.fn(event, host)


def _plugin_caller(host: PluginHost, plugin: str, hook_name: str) -> Any:
    return lambda event: host.call_one(plugin, hook_name, event=event)


async def _run_job(row: dict[str, Any], event: Event, jobs: dict[str, Any]) -> bool:
    name = event.topic.removeprefix("job.")
    spec = jobs.get(name)
    if spec is None:
        await _retry_later(row, f"no job named {name} is installed")
        return False
    claimed = await claim(event.id, "job")
    if claimed is Claim.HELD:
        return False  # another runner has it now
    if claimed is Claim.DONE:  # ran, but its runner stopped before finishing the row
        await _finish(event.id)
        return True
    try:
        async with holding(event.id, "job"):
            result = spec.fn(**event.payload)
            if inspect.isawaitable(result):
                await result
    except Exception as exc:
        log.log(logging.WARNING if is_outage(exc) else logging.ERROR,
                "job %s (outbox row %s) failed", name, event.id, exc_info=not is_outage(exc))
        await release(event.id, "job")
        await _retry_later(await _current(row), repr(exc))
        return False
    await settle(event.id, "job")
    await _finish(event.id)
    return True


async def _current(row: dict[str, Any]) -> dict[str, Any]:
    """The row as it is now (a takeover counted an attempt since it was read)."""
    fresh = await OutboxEvent.select().where(OutboxEvent.id == row["id"]).first()
    return fresh or row


async def _retry_later(row: dict[str, Any], error: str) -> None:
    attempts = row["attempts"] + 1
    if attempts >= MAX_ATTEMPTS:
        log.error("outbox row %s (%s) failed %d times and is given up: %s",
                  row["id"], row["topic"], attempts, error)
    now = dt.datetime.now(dt.UTC)
    await OutboxEvent.update({
        OutboxEvent.attempts: attempts,
        # A dead letter never comes due again: its next_attempt_at keeps its last attempt.
        OutboxEvent.next_attempt_at: now if attempts >= MAX_ATTEMPTS else now + backoff(attempts),
        OutboxEvent.last_error: error[:2000],
    }).where(OutboxEvent.id == row["id"])


async def _finish(event_id: int) -> None:
    await OutboxEvent.update({OutboxEvent.done_at: dt.datetime.now(dt.UTC)}).where(
        OutboxEvent.id == event_id
    )


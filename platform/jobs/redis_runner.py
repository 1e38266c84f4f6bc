"""The Redis runner: dramatiq actors in `galleria worker` processes.

The relay leases each due outbox row (pushes its `next_attempt_at` one job lease ahead) and sends
one `deliver_event` message for it; if the message is lost, the lease runs out and the next
sweep sends it again. Delivery itself is idempotent (see galleria.kernel.events.deliver).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO, Middleware

from galleria.jobs.tasks import plugin_jobs, run_event, run_sweeps
from galleria.kernel import job_leases
from galleria.kernel.events import pending_event_ids
from galleria.kernel.events_tables import OutboxEvent
from galleria.runtime import Runtime
from galleria.settings import Settings

log = logging.getLogger("galleria.jobs")
_state: dict[str, Any] = {}


class RuntimeMiddleware(Middleware):
    """Opens the database inside the worker's event loop, once per worker process, before
    the worker consumes anything: a message taken earlier (one left in the queue by a
    worker that died) would find no database. Added after `AsyncIO`, whose
    `before_worker_boot` starts that loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def before_worker_boot(self, broker, worker) -> None:
        runtime = Runtime.build(self.settings)
        get_event_loop_thread().run_coroutine(runtime.open())
        _state["runtime"] = runtime
        _state["jobs"] = plugin_jobs(runtime.host)

    def before_worker_shutdown(self, broker, worker) -> None:
        runtime = _state.pop("runtime", None)
        if runtime is not None:
            get_event_loop_thread().run_coroutine(runtime.close())


def setup_broker(settings: Settings) -> RedisBroker:
    broker = RedisBroker(url=settings.redis_url, namespace="galleria")
    broker.add_middleware(AsyncIO())
    broker.add_middleware(RuntimeMiddleware(settings))
    dramatiq.set_broker(broker)
    global deliver_event
    deliver_event = dramatiq.actor(_deliver_event, actor_name="deliver_event",
                                   max_retries=10, min_backoff=1000, max_backoff=300_000,
                                   broker=broker)
    return broker


async def _deliver_event(event_id: int) -> None:
    runtime: Runtime = _state["runtime"]
    await run_event(event_id, runtime.host, _state["jobs"])


deliver_event: Any = None


async def relay_to_broker(limit: int = 200) -> int:
    """Lease due rows and send a message for each (after the sweeps, when due); returns
    how many were sent."""
    await run_sweeps(_state["runtime"].host if "runtime" in _state else None)
    sent = 0
    for event_id in await pending_event_ids(limit):
        leased = await OutboxEvent.update(
            {OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC) + job_leases.lease()}
        ).where((OutboxEvent.id == event_id) & OutboxEvent.done_at.is_null()).returning(
            OutboxEvent.id)
        if leased:
            try:
                deliver_event.send(event_id)
            except Exception:  # Redis is down: the row waits in the outbox, due again
                await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)}
                                         ).where(OutboxEvent.id == event_id)
                raise
            sent += 1
    return sent

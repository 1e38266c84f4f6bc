"""The work itself, independent of the runner: relay due outbox rows and deliver one."""

from __future__ import annotations

import datetime as dt
import inspect
import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.events import deliver, emit, pending_event_ids
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins

log = logging.getLogger("galleria.jobs")
JOB_TOPIC_PREFIX = "job."


async def enqueue(tenant_id: int | None, job: str, *, delay: dt.timedelta | None = None,
                  **kwargs: Any) -> None:
    """Schedule plugin job `job` with JSON-able `kwargs` (in the caller's transaction)."""
    await emit(tenant_id, JOB_TOPIC_PREFIX + job, kwargs,
               not_before=dt.datetime.now(dt.UTC) + delay if delay else None)


async def _enabled_for(tenant_id: int) -> frozenset[str]:
    async with db.shop_scope(tenant_id):
        return await enabled_plugins(tenant_id)


def plugin_jobs(host: PluginHost) -> dict[str, JobSpec]:
    jobs: dict[str, JobSpec] = {}
    for specs in host.pm.hook.galleria_actors():
        for spec in specs:
            jobs[spec.name] = spec
    return jobs


async def run_event(event_id: int, host: PluginHost, jobs: dict[str, JobSpec]) -> bool:
    """Deliver one outbox row: an event to plugin hooks, or a job to its function."""
    return await deliver(event_id, host, _enabled_for, jobs=jobs)


async def relay_once(host: PluginHost, jobs: dict[str, JobSpec], limit: int = 100) -> int:
    """Run every due row in this process; returns how many were finished."""
    finished = 0
    for event_id in await pending_event_ids(limit):
        try:
            finished += await run_event(event_id, host, jobs)
        except Exception:
            log.exception("outbox row %s could not be processed", event_id)
    return finished


async def call_job(spec: JobSpec, kwargs: dict[str, Any]) -> None:
    result = spec.fn(**kwargs)
    if inspect.isawaitable(result):
        await result

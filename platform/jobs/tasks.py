"""The work itself, independent of the runner: relay due outbox rows and deliver one."""

from __future__ import annotations

import inspect
import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.events import deliver, enqueue, pending_event_ids
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins

log = logging.getLogger("galleria.jobs")


async def _enabled_for(tenant_id: int) -> frozenset[str]:
    async with db.shop_scope(tenant_id):
        return await enabled_plugins(tenant_id)


def plugin_jobs(host: PluginHost) -> dict[str, JobSpec]:
    jobs: dict[str, JobSpec] = {}
    for spec in host.collect("galleria_actors", host.names()):
        if spec.name in jobs:
            raise ValueError(f"two plugins declare a job named {spec.name!r}")
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


__all__ = ["call_job", "enqueue", "plugin_jobs", "relay_once", "run_event"]

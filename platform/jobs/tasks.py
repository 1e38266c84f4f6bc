"""The work itself, independent of the runner: relay due outbox rows and deliver one.

Jobs come from two places: the kernel's own (`KERNEL_JOBS`, e.g. the unpaid-order timeout),
which every runner always has, and plugins' `galleria_actors`. Kernel job names are
reserved. `SWEEPS` are kernel jobs each runner process also runs every so often, from its
relay loop: the safety net for delayed work whose outbox row was lost or given up. The
kernel registers its jobs, sweeps and listeners itself (galleria.kernel.reactions); this
module only runs them.
"""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any

from galleria.kernel import db
from galleria.kernel.events import deliver, enqueue, pending_event_ids
from galleria.kernel.outages import is_outage
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.reactions import KERNEL_JOBS, KERNEL_LISTENERS, SWEEPS
from galleria.kernel.tenancy.plugin_state import enabled_plugins

log = logging.getLogger("galleria.jobs")
_last_swept: dict[str, float] = {}


async def _enabled_for(tenant_id: int) -> frozenset[str]:
    async with db.shop_scope(tenant_id):
        return await enabled_plugins(tenant_id)


def plugin_jobs(host: PluginHost) -> dict[str, JobSpec]:
    jobs: dict[str, JobSpec] = {}
    for spec in host.collect("galleria_actors", host.names()):
        if spec.name in jobs or spec.name in KERNEL_JOBS:
            raise ValueError(f"two plugins (or a plugin and the kernel) declare a job named "
                             f"{spec.name!r}")
        jobs[spec.name] = spec
    return jobs


async def run_event(event_id: int, host: PluginHost, jobs: dict[str, JobSpec]) -> bool:
    """Deliver one outbox row: an event to plugin hooks, or a job to its function."""
    return await deliver(event_id, host, _enabled_for, jobs={**jobs, **KERNEL_JOBS},
                         listeners=KERNEL_LISTENERS)


async def relay_once(host: PluginHost, jobs: dict[str, JobSpec], limit: int = 100) -> int:
    """Run every due row in this process (and the sweeps, when due); returns how many
    rows were finished."""
    await run_sweeps(host)
    finished = 0
    for event_id in await pending_event_ids(limit):
        try:
            finished += await run_event(event_id, host, jobs)
        except Exception as exc:
            if is_outage(exc):
                raise  # the database is away: stop this pass, the loop waits for it
            log.exception("outbox row %s could not be processed", event_id)
    return finished


async def run_sweeps(host: PluginHost | None = None, now: float | None = None) -> None:
    """Run each sweep whose interval has passed in this process (the first call runs all).
    Sweeps are idempotent, so several processes running them at once is harmless. A sweep
    whose function takes `host` (it calls the shops' plugins) is given the plugin host."""
    now = time.monotonic() if now is None else now
    for name, every in SWEEPS:
        last = _last_swept.get(name)
        if last is not None and now - last < every:
            continue
        _last_swept[name] = now
        try:
            spec = KERNEL_JOBS[name]
            wants_host = "host" in inspect.signature(spec.fn).parameters
            if wants_host and host is None:
                continue  # a caller without plugins cannot run this one
            await call_job(spec, {"host": host} if wants_host else {})
        except Exception as exc:
            if is_outage(exc):
                _last_swept.pop(name, None)  # run it as soon as the database is back
                raise
            log.exception("sweep %s failed; it runs again in %.0f s", name, every)


async def call_job(spec: JobSpec, kwargs: dict[str, Any]) -> None:
    result = spec.fn(**kwargs)
    if inspect.isawaitable(result):
        await result


__all__ = ["KERNEL_JOBS", "KERNEL_LISTENERS", "SWEEPS", "call_job", "enqueue", "plugin_jobs",
           "relay_once", "run_event", "run_sweeps"]

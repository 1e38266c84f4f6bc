"""The work itself, independent of the runner: relay due outbox rows and deliver one.

Jobs come from two places: the kernel's own (`KERNEL_JOBS`, e.g. the unpaid-order timeout),
which every runner always has, and plugins' `galleria_actors`. Kernel job names are
reserved. `SWEEPS` are kernel jobs each runner process also runs every so often, from its
relay loop: the safety net for delayed work whose outbox row was lost or given up.
"""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any

from galleria.kernel import db
from galleria.kernel.events import Listener, deliver, enqueue, pending_event_ids
from galleria.kernel.fulfilment import jobs as fulfilment_jobs
from galleria.kernel.inventory import jobs as inventory_jobs
from galleria.kernel.notifications import jobs as notification_jobs
from galleria.kernel.orders import jobs as order_jobs
from galleria.kernel.payments import jobs as payment_jobs
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.reports import jobs as report_jobs
from galleria.kernel.review import runner as review_runner
from galleria.kernel.tenancy.plugin_state import enabled_plugins

log = logging.getLogger("galleria.jobs")
KERNEL_JOBS: dict[str, JobSpec] = {spec.name: spec
                                   for spec in (*order_jobs.JOBS, *inventory_jobs.JOBS,
                                                *payment_jobs.JOBS,
                                                *notification_jobs.JOBS,
                                                *fulfilment_jobs.JOBS)}
SWEEPS: list[tuple[str, float]] = [(name, every.total_seconds())
                                   for name, every in (*order_jobs.SWEEPS,
                                                       *inventory_jobs.SWEEPS,
                                                       *payment_jobs.SWEEPS,
                                                       *fulfilment_jobs.SWEEPS)]


def _by_topic(listeners: list[Listener]) -> dict[str, list[Listener]]:
    topics: dict[str, list[Listener]] = {}
    for listener in listeners:
        topics.setdefault(listener.topic, []).append(listener)
    return topics


# The kernel's own reactions to events (notifications, webhooks, order review), by topic.
KERNEL_LISTENERS: dict[str, list[Listener]] = _by_topic([*order_jobs.LISTENERS,
                                                          *payment_jobs.LISTENERS,
                                                          *notification_jobs.LISTENERS,
                                                          *review_runner.LISTENERS,
                                                          *report_jobs.LISTENERS])
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
        except Exception:
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
        except Exception:
            log.exception("sweep %s failed; it runs again in %.0f s", name, every)


async def call_job(spec: JobSpec, kwargs: dict[str, Any]) -> None:
    result = spec.fn(**kwargs)
    if inspect.isawaitable(result):
        await result


__all__ = ["KERNEL_JOBS", "KERNEL_LISTENERS", "SWEEPS", "call_job", "enqueue", "plugin_jobs",
           "relay_once", "run_event", "run_sweeps"]

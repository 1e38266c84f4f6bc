"""Plugin host and outbox steps of the test kit (exported by `galleria.testing`), usable
with any test runner.

A plugin's tests use the real platform: a real plugin host, a real database, the real
outbox. This module adds the few steps such tests repeat::

    with register_plugin(plugin_host, Recorder, "recorder") as recorder:
        await enable_plugin(shop.id, plugin_host, "recorder")
        async with shop_scope(shop.id):
            await emit(shop.id, "order.paid", {"number": "A1", ...})
        await run_outbox(plugin_host)
    assert recorder.paid == ["A1"]

(the whole example is in docs/plugins.md, "Testing plugins"). `enable_plugin` and
`run_outbox` need the database connected, as the app's start-up or `Runtime.open()` does;
`register_plugin` and `make_event` need none.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel.db import current_tenant, shop_scope
from galleria.kernel.events import Event, pending_event_ids
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import set_plugin_state

__all__ = ["enable_plugin", "make_event", "register_plugin", "run_outbox"]

TEST_ACTOR = "test:galleria.testing"


@contextmanager
def register_plugin(host: PluginHost, plugin: object, name: str) -> Iterator[Any]:
    """Register `plugin` (an object, a module, or a class, which is instantiated) as `name`
    for the duration of the block, then unregister it, whatever happens inside.

    The host is checked on registration, so a misspelt hook implementation
    (`galleria_order_payed`) fails here with `pluggy.PluginValidationError` instead of
    silently never being called. Yields the registered object.
    """
    if inspect.isclass(plugin):
        plugin = plugin()
    host.register(plugin, name)
    try:
        host.check()
        yield plugin
    finally:
        if host.is_installed(name):
            host.unregister(name)


async def enable_plugin(tenant_id: int, host: PluginHost, name: str,
                        settings: dict[str, Any] | None = None) -> None:
    """Enable plugin `name` for the shop, as a merchant does in the console.

    `settings` are validated against the plugin's schema (`ValidationFailed` otherwise);
    with `None` the stored settings are kept. Commits, and writes the `plugin.enabled`
    event like the console does when the plugin was not enabled before.
    """
    async with shop_scope(tenant_id):
        await set_plugin_state(tenant_id, host, name, enabled=True, settings=settings,
                               actor=TEST_ACTOR)


async def run_outbox(host: PluginHost, *, max_passes: int = 50) -> int:
    """Deliver every outbox row that is due now, as the worker would; returns how many
    rows were finished.

    Runs until no due row is left: a row whose plugin (or job) raised is put back with
    backoff, so it is not due again in this call; a row that cannot be processed at all
    ends the loop instead of spinning. Every shop's rows are delivered, not only the
    caller's shop's. Call it outside any `shop_scope`: events are delivered after the
    transaction that wrote them committed, never inside it.
    """
    if current_tenant() is not None:
        raise RuntimeError("run_outbox() inside shop_scope(): commit first, then deliver")
    jobs = plugin_jobs(host)
    finished = 0
    previous: list[int] = []
    for _ in range(max_passes):
        due = await pending_event_ids()
        if not due or due == previous:  # nothing left, or only rows that cannot be run
            break
        previous = due
        finished += await relay_once(host, jobs)
    return finished


def make_event(topic: str, payload: dict[str, Any] | None = None, *,
               tenant_id: int | None = None, event_id: int = 0,
               occurred_at: dt.datetime | None = None) -> Event:
    """An `Event` as event hooks receive it, to call a hook implementation directly in a
    unit test (no database): `plugin.galleria_order_paid(event=make_event("order.paid",
    {...}, tenant_id=1))`."""
    return Event(id=event_id, tenant_id=tenant_id, topic=topic, payload=dict(payload or {}),
                 occurred_at=occurred_at or dt.datetime.now(dt.UTC))

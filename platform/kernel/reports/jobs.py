"""The reports' kernel listeners: every order event recomputes the days that order counts
on, after commit, from the outbox (at most once, retried with backoff like any listener)."""

from __future__ import annotations

from galleria.kernel.events import Event, Listener
from galleria.kernel.plugins import PluginHost
from galleria.kernel.reports.rollups import refresh_order

# Events that change a day's order figures: placed, paid, cancelled, (partly) refunded.
TOPICS = ("order.placed", "order.paid", "order.cancelled", "order.refunded")


async def refresh_rollups(event: Event, host: PluginHost) -> None:
    number = event.payload.get("number")
    if event.tenant_id is not None and isinstance(number, str):
        await refresh_order(event.tenant_id, number)


LISTENERS = [Listener(f"reports.rollup.{topic}", topic, refresh_rollups) for topic in TOPICS]

__all__ = ["LISTENERS", "TOPICS", "refresh_rollups"]

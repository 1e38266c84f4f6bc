"""The kernel's own reactions, registered in one place: what happens after an order is
placed, paid, shipped…, which jobs the kernel runs, and which sweeps catch delayed work.

- `KERNEL_LISTENERS`: the kernel's listeners to outbox events, by topic (order review on
  placed/paid, payments and orders reacting to each other, notifications, webhooks). They
  run before the event reaches the plugins' hooks.
- `KERNEL_JOBS`: the kernel's background jobs by name (the unpaid-order timeout, tracking
  polls, …); their names are reserved, a plugin's `galleria_actors` may not reuse them.
- `SWEEPS`: (job name, interval in seconds) — kernel jobs each runner process also runs
  every so often, the safety net for delayed work whose outbox row was lost or given up.
- the order view's sections that payments and fulfilment contribute (`payments`,
  `shipments`, the shopper's `tracking`), so that orders imports neither.

`galleria.kernel` imports this module, so the kernel is wired whenever it is imported.

Each area keeps its reactions next to its code (`<area>/jobs.py`: `JOBS`, `LISTENERS`,
`SWEEPS`); this module only gathers them. `galleria.jobs` runs them and knows nothing of
what they are for: a new reaction is added here, in the kernel, never in the job runner.
"""

from __future__ import annotations

from galleria.kernel.aftersales import jobs as aftersales_jobs
from galleria.kernel.billing import jobs as billing_jobs
from galleria.kernel.events import Listener
from galleria.kernel.fulfilment import jobs as fulfilment_jobs
from galleria.kernel.fulfilment.views import shipments_of, shipped_quantities
from galleria.kernel.inventory import jobs as inventory_jobs
from galleria.kernel.notifications import jobs as notification_jobs
from galleria.kernel.orders import jobs as order_jobs
from galleria.kernel.orders import service as orders
from galleria.kernel.payments import jobs as payment_jobs
from galleria.kernel.payments.views import payments_of
from galleria.kernel.plugins import JobSpec
from galleria.kernel.reports import export_jobs as report_export_jobs
from galleria.kernel.reports import jobs as report_jobs
from galleria.kernel.review import runner as review_runner
from galleria.kernel.service import jobs as service_jobs

KERNEL_JOBS: dict[str, JobSpec] = {spec.name: spec
                                   for spec in (*order_jobs.JOBS, *inventory_jobs.JOBS,
                                                *payment_jobs.JOBS,
                                                *notification_jobs.JOBS,
                                                *fulfilment_jobs.JOBS,
                                                *service_jobs.JOBS,
                                                *billing_jobs.JOBS,
                                                *report_export_jobs.JOBS)}
SWEEPS: list[tuple[str, float]] = [(name, every.total_seconds())
                                   for name, every in (*order_jobs.SWEEPS,
                                                       *inventory_jobs.SWEEPS,
                                                       *payment_jobs.SWEEPS,
                                                       *fulfilment_jobs.SWEEPS,
                                                       *billing_jobs.SWEEPS,
                                                       *report_export_jobs.SWEEPS)]


def _by_topic(listeners: list[Listener]) -> dict[str, list[Listener]]:
    topics: dict[str, list[Listener]] = {}
    for listener in listeners:
        topics.setdefault(listener.topic, []).append(listener)
    return topics


KERNEL_LISTENERS: dict[str, list[Listener]] = _by_topic([*order_jobs.LISTENERS,
                                                          *payment_jobs.LISTENERS,
                                                          *notification_jobs.LISTENERS,
                                                          *review_runner.LISTENERS,
                                                          *aftersales_jobs.LISTENERS,
                                                          *report_jobs.LISTENERS,
                                                          *report_export_jobs.LISTENERS])



# What the areas built on orders add to the order view (orders imports none of them).
async def _shipments_for_staff(tenant_id: int, order_id: int) -> list[dict]:
    return await shipments_of(tenant_id, order_id, staff=True)


async def _tracking(tenant_id: int, order_id: int) -> list[dict]:
    return await shipments_of(tenant_id, order_id, staff=False)


orders.STAFF_SECTIONS.update(payments=payments_of, shipments=_shipments_for_staff)
orders.SHOPPER_SECTIONS.update(tracking=_tracking)
orders.NEW_ORDER_SECTIONS.update(payments=list, shipments=list, tracking=list)  # none yet
orders.SHIPPED_UNITS.append(shipped_quantities)

__all__ = ["KERNEL_JOBS", "KERNEL_LISTENERS", "SWEEPS"]

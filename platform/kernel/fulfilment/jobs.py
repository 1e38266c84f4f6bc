"""Polling carriers for parcels on their way: the sweep `poll_tracking`.

Carriers that push (Kuaidi100) keep shipments moving by themselves; the others (SF Express's
route query) are asked every couple of hours, and a lost push is caught the same way. The
sweep visits each shop's shipments that are shipped, not delivered and not older than
`POLL_DAYS`, through the shipping method's `track` (methods without one are skipped). It is
idempotent: events are kept once each, and a delivered parcel is left alone afterwards.
"""

from __future__ import annotations

import datetime as dt
import logging

from galleria.kernel import db
from galleria.kernel.errors import DomainError, ValidationFailed
from galleria.kernel.fulfilment import tasks
from galleria.kernel.fulfilment.service import SHIPPED, refresh_tracking
from galleria.kernel.fulfilment.supervision import tell_shoppers
from galleria.kernel.fulfilment.tables import Shipment
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.tenancy.shops import list_shops

log = logging.getLogger("galleria.fulfilment")
POLL_DAYS = 30
PER_SHOP = 200  # shipments polled per shop and sweep, oldest news first
UNTRACKED = ("", "pickup", "local")


async def poll_tracking(host: PluginHost, now: dt.datetime | None = None) -> int:
    """Ask the carriers about every shop's parcels in transit; returns how many new events
    were recorded."""
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=POLL_DAYS)
    added = 0
    for shop in await list_shops():
        async with db.shop_scope(shop.id):
            rows = await (Shipment.select(Shipment.id).where(
                (Shipment.tenant == shop.id) & (Shipment.status == SHIPPED)
                & (Shipment.shipped_at >= since) & Shipment.carrier.not_in(list(UNTRACKED))
                & (Shipment.tracking_number != "")).order_by(Shipment.id).limit(PER_SHOP))
        for row in rows:
            try:
                added += await refresh_tracking(shop, host, row["id"])
            except DomainError as exc:  # no tracker for this carrier, carrier refused…
                log.info("shop %s shipment %s not polled: %s", shop.id, row["id"], exc.detail)
            except Exception:  # one parcel must not stop the sweep of the others
                log.exception("polling shipment %s of shop %s failed", row["id"], shop.id)
    return added


async def supervise_delivery(host: PluginHost, now: dt.datetime | None = None) -> int:
    """Tell shoppers about delays (delivery supervision), each once; returns how many."""
    told = 0
    for shop in await list_shops():
        try:
            told += await tell_shoppers(shop, now)
        except Exception:  # one shop must not stop the sweep of the others
            log.exception("supervising the deliveries of shop %s failed", shop.id)
    return told


async def distribute_by_rules() -> int:
    """Hand out every shop's waiting work by its task rules (round robin, each rule in its
    own turn order); returns how many tasks were made. A rule whose role has nobody is
    skipped until it has."""
    made = 0
    for shop in await list_shops():
        try:
            for rule in await tasks.rules(shop.id):
                try:
                    made += len(await tasks.distribute(shop.id, rule["kind"],
                                                       store=rule["store"]))
                except ValidationFailed:
                    continue  # nobody has the role (yet)
        except Exception:  # one shop must not stop the sweep of the others
            log.exception("handing out the tasks of shop %s failed", shop.id)
    return made


JOBS = [JobSpec("poll_tracking", poll_tracking),
        JobSpec("supervise_delivery", supervise_delivery),
        JobSpec("distribute_tasks", distribute_by_rules)]
SWEEPS = [("poll_tracking", dt.timedelta(hours=2)),
          ("supervise_delivery", dt.timedelta(hours=1)),
          ("distribute_tasks", dt.timedelta(minutes=1))]

__all__ = ["JOBS", "SWEEPS", "distribute_by_rules", "poll_tracking", "supervise_delivery"]

"""Inventory's background work: near-expiry alerts for every shop."""

from __future__ import annotations

import datetime as dt

from galleria.kernel import db
from galleria.kernel.inventory.service import near_expiry_alerts
from galleria.kernel.plugins import JobSpec
from galleria.kernel.tenancy.shops import list_shops

DEFAULT_EXPIRY_ALERT_DAYS = 30


async def alert_near_expiry() -> int:
    """Raise `stock.expiring` for lots expiring within each shop's horizon (shop setting
    `expiry_alert_days`, default 30); a lot is alerted once. Returns how many alerts."""
    alerted = 0
    for shop in await list_shops():
        if not shop.is_active:
            continue
        days = int(shop.settings.get("expiry_alert_days", DEFAULT_EXPIRY_ALERT_DAYS))
        async with db.shop_scope(shop.id):
            alerted += await near_expiry_alerts(shop.id, days)
    return alerted


JOBS = [JobSpec("alert_near_expiry", alert_near_expiry)]
SWEEPS = [("alert_near_expiry", dt.timedelta(hours=1))]

__all__ = ["JOBS", "SWEEPS", "alert_near_expiry"]

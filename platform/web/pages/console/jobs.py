"""The console's dead jobs: the shop's background work that failed every attempt.

- `GET /console/jobs`: each dead job with what it was for, when, how often it was tried
  and its last error (as technical detail, folded away);
- `POST /console/jobs/{id}/retry`: run it again with a fresh round of attempts (audited).

Settings area (galleria.auth.permissions), like webhooks and notifications.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.auth.permissions import staff_may
from galleria.kernel import db
from galleria.kernel.dead_letters import dead_letters, retry
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.notifications import TOPIC_TITLES
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

LIMIT = 200
JOB_TITLES = {
    "job.deliver_webhook": N_("Webhook delivery"),
    "job.cancel_unpaid_order": N_("Cancel an unpaid order"),
    "job.complete_delivered_order": N_("Complete a delivered order"),
    "notification.send": N_("Send a message"),
    "notification.follow_up": N_("Feedback invitation"),
}
OTHER = N_("Background job")


def _local(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    if value is None:
        return ""
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _zone(shop: Shop) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _row(job: dict[str, Any], translate: Any, zone: dt.tzinfo) -> dict[str, Any]:
    title = JOB_TITLES.get(job["topic"]) or TOPIC_TITLES.get(job["topic"]) or OTHER
    payload = job["payload"] if isinstance(job["payload"], dict) else {}
    return {"id": job["id"], "title": translate(title), "order_number": payload.get("number"),
            "attempts": job["attempts"], "last_error": job["last_error"],
            "created_local": _local(job["created_at"], zone),
            "last_local": _local(job["last_attempt_at"], zone)}


class DeadJobPages(Controller):
    path = "/"
    guards = [require_staff]

    @get("/jobs", name="console:jobs")
    async def dead_jobs(self, request: Request, shop: Shop, runtime: Runtime,
                        saved: str = "") -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            jobs = await dead_letters(shop.id, LIMIT)
        zone = _zone(shop)
        return await console_page(request, runtime, "console/jobs.html", "jobs",
                                  rows=[_row(job, translate, zone) for job in jobs],
                                  saved=saved == "retried", limit=LIMIT,
                                  can_retry=staff_may(staff_of(request), "settings", "write"))

    @post("/jobs/{event_id:int}/retry", name="console:job-retry")
    async def retry_job(self, request: Request, shop: Shop, event_id: int) -> Response:
        staff = staff_of(request)
        async with db.shop_scope(shop.id):
            await retry(shop.id, event_id)  # NotFound (404) unless it is this shop's
            await record(shop.id, f"user:{staff['user_id']}", "job.retried", str(event_id))
        return Redirect("/console/jobs?saved=retried", status_code=303)


jobs_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[DeadJobPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["jobs_console_router"]

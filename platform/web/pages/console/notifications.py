"""The console's notification log and webhooks.

- `/console/notifications`: every message sent (or trying) to shoppers and the shop, with
  its channel, recipient, status, attempts and last error.
- `/console/webhooks`: the shop's endpoints and a form to add one (its signing secret is
  shown once, on the page that answers the form); `/console/webhooks/{id}`: one endpoint,
  its settings and its delivery log with every attempt, and redelivery.

Changing webhooks is for the shop's owner and admins, like plugins.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import Forbidden, ValidationFailed
from galleria.kernel.notifications import webhooks
from galleria.kernel.notifications.service import notification_log
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    MANAGERS,
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

LOG_LIMIT = 200
STATUSES = ("pending", "sent", "failed", "skipped")
TOPIC_TITLES = {
    "order.placed": N_("Order placed"), "order.paid": N_("Order paid"),
    "order.shipped": N_("Order shipped"), "order.delivered": N_("Order delivered"),
    "order.completed": N_("Order completed"), "order.cancelled": N_("Order cancelled"),
    "order.refunded": N_("Order refunded"), "order.follow_up": N_("Feedback invitation"),
}
STATUS_TITLES = {"pending": N_("Pending"), "sent": N_("Sent"), "failed": N_("Failed"),
                 "skipped": N_("Skipped"), "succeeded": N_("Delivered")}
AUDIENCES = {"shopper": N_("Customer"), "merchant": N_("Shop")}


def _manager(request: Request) -> dict[str, Any]:
    staff = staff_of(request)
    if staff["role"] not in MANAGERS:
        raise Forbidden("Only the shop's owner and admins can change webhooks")
    return staff


def _topics(translate: Any) -> list[dict[str, str]]:
    return [{"code": t, "title": translate(TOPIC_TITLES[t])} for t in webhooks.TOPICS]


def _form_errors(exc: ValidationFailed) -> dict[str, str]:
    errors = {e.field: e.message for e in exc.errors}
    return errors or {"": exc.detail}


async def _endpoint_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {"url": str(form.get("url") or "").strip(),
            "description": str(form.get("description") or "").strip()[:200],
            "topics": [str(t) for t in form.getall("topics")] if hasattr(form, "getall")
            else [], "enabled": str(form.get("enabled") or "") in ("on", "true", "1")}


class NotificationPages(Controller):
    path = "/"
    guards = [require_staff]

    @get("/notifications", name="console:notifications")
    async def log(self, request: Request, shop: Shop, runtime: Runtime,
                  status: str = "") -> Response:
        translate = gettext_for(request)
        status = status if status in STATUSES else ""
        async with db.shop_scope(shop.id):
            rows = await notification_log(shop.id, status=status, limit=LOG_LIMIT)
        for row in rows:
            row["topic_title"] = translate(TOPIC_TITLES.get(row["topic"], row["topic"]))
            row["status_title"] = translate(STATUS_TITLES.get(row["status"], row["status"]))
            row["audience_title"] = translate(AUDIENCES.get(row["audience"], row["audience"]))
        return await console_page(request, runtime, "console/notifications.html",
                                  "notifications", rows=rows, status=status,
                                  statuses=[(s, translate(STATUS_TITLES[s])) for s in STATUSES],
                                  limit=LOG_LIMIT)

    # -- webhooks -------------------------------------------------------------------------
    async def _list_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                         created: dict[str, Any] | None = None,
                         form: dict[str, Any] | None = None, errors: dict[str, str] | None
                         = None, status_code: int = 200) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            endpoints = await webhooks.list_endpoints(shop.id)
        return await console_page(
            request, runtime, "console/webhooks.html", "webhooks", status_code=status_code,
            endpoints=endpoints, created=created, topics=_topics(translate),
            topic_titles={t: translate(v) for t, v in TOPIC_TITLES.items()},
            form=form or {"url": "", "description": "", "topics": [], "enabled": True},
            errors=errors or {}, can_manage=staff_of(request)["role"] in MANAGERS)

    @get("/webhooks", name="console:webhooks")
    async def endpoints(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        return await self._list_page(request, shop, runtime)

    @post("/webhooks", name="console:webhook-create")
    async def create(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        staff = _manager(request)
        form = await _endpoint_form(request)
        try:
            async with db.shop_scope(shop.id):
                created = await webhooks.create_endpoint(
                    shop.id, url=form["url"], topics=form["topics"],
                    description=form["description"])
                await record(shop.id, f"user:{staff['user_id']}", "webhook.created",
                             str(created["id"]), {"url": created["url"]})
        except ValidationFailed as exc:
            return await self._list_page(request, shop, runtime, form=form,
                                         errors=_form_errors(exc), status_code=422)
        # The secret is on this page only: never in a URL, never shown again.
        return await self._list_page(request, shop, runtime, created=created)

    async def _endpoint_page(self, request: Request, shop: Shop, runtime: Runtime,
                             endpoint_id: int, *, form: dict[str, Any] | None = None,
                             errors: dict[str, str] | None = None, saved: str = "",
                             status_code: int = 200) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            endpoint = webhooks.endpoint_view(await webhooks.get_endpoint(shop.id, endpoint_id))
            deliveries = await webhooks.list_deliveries(shop.id, endpoint_id, limit=100)
        for delivery in deliveries:
            delivery["status_title"] = translate(STATUS_TITLES.get(delivery["status"],
                                                                   delivery["status"]))
        return await console_page(
            request, runtime, "console/webhooks_endpoint.html", "webhooks",
            status_code=status_code, endpoint=endpoint, deliveries=deliveries,
            topics=_topics(translate), form=form or endpoint, errors=errors or {},
            saved=saved, can_manage=staff_of(request)["role"] in MANAGERS,
            topic_titles={t: translate(v) for t, v in TOPIC_TITLES.items()})

    @get("/webhooks/{endpoint_id:int}", name="console:webhook")
    async def endpoint(self, request: Request, shop: Shop, runtime: Runtime,
                       endpoint_id: int, saved: str = "") -> Response:
        return await self._endpoint_page(request, shop, runtime, endpoint_id, saved=saved)

    @post("/webhooks/{endpoint_id:int}", name="console:webhook-save")
    async def save(self, request: Request, shop: Shop, runtime: Runtime,
                   endpoint_id: int) -> Response:
        staff = _manager(request)
        form = await _endpoint_form(request)
        try:
            async with db.shop_scope(shop.id):
                await webhooks.update_endpoint(
                    shop.id, endpoint_id, url=form["url"], topics=form["topics"],
                    description=form["description"], enabled=form["enabled"])
                await record(shop.id, f"user:{staff['user_id']}", "webhook.updated",
                             str(endpoint_id))
        except ValidationFailed as exc:
            return await self._endpoint_page(request, shop, runtime, endpoint_id, form=form,
                                             errors=_form_errors(exc), status_code=422)
        return Redirect(f"/console/webhooks/{endpoint_id}?saved=1", status_code=303)

    @post("/webhooks/{endpoint_id:int}/delete", name="console:webhook-delete")
    async def remove(self, request: Request, shop: Shop, endpoint_id: int) -> Response:
        staff = _manager(request)
        async with db.shop_scope(shop.id):
            await webhooks.delete_endpoint(shop.id, endpoint_id)
            await record(shop.id, f"user:{staff['user_id']}", "webhook.deleted",
                         str(endpoint_id))
        return Redirect("/console/webhooks", status_code=303)

    @post("/webhooks/{endpoint_id:int}/deliveries/{delivery_id:int}/redeliver",
          name="console:webhook-redeliver")
    async def redeliver(self, request: Request, shop: Shop, endpoint_id: int,
                        delivery_id: int) -> Response:
        staff = _manager(request)
        async with db.shop_scope(shop.id):
            await webhooks.redeliver(shop.id, endpoint_id, delivery_id)
            await record(shop.id, f"user:{staff['user_id']}", "webhook.redelivered",
                         str(delivery_id))
        return Redirect(f"/console/webhooks/{endpoint_id}?saved=redelivered",
                        status_code=303)


notifications_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[NotificationPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["notifications_console_router"]

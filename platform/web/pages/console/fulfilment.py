"""The console's fulfilment pages under `/console/fulfilment/{number}`.

- `GET /console/fulfilment/{number}`: the order's shipments with their tracking, and the
  forms the order's state allows: ship (choose the shipping method and carrier; leave the
  waybill number empty to have the method book it, e.g. SF Express or a pickup code), hand a
  pickup over (the shopper's code), record a tracking event by hand.
- `GET /console/fulfilment/{number}/print`: the packing slip and a shipping label per
  shipment, as a page made for printing (`@media print`).

Every page needs a member of the shop (`require_staff`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import DomainError, ValidationFailed
from galleria.kernel.fulfilment import service as fulfilment
from galleria.kernel.fulfilment.contracts import TRACKING_STATUSES, TrackingUpdate
from galleria.kernel.orders import states
from galleria.kernel.orders.service import get_order, order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.methods import method_names, offered_shipping
from galleria.web.pages.carriers import carrier_choices
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.order_states import name_order_parts, status_badge
from galleria.web.pages.render import gettext_for, page

DONE = {"shipped": N_("Shipped."), "picked_up": N_("Handed over: the order is delivered."),
        "tracked": N_("Tracking event recorded.")}
TRACKING_TITLES = {"picked_up": N_("Picked up"), "in_transit": N_("In transit"),
                   "out_for_delivery": N_("Out for delivery"), "delivered": N_("Delivered"),
                   "delivery_failed": N_("Delivery failed"),
                   "returned": N_("Returned to sender"),
                   "shipped": N_("Shipped"), "ready_for_pickup": N_("Ready for pickup")}


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _unshipped_units(order: dict[str, Any]) -> int:
    """Units still to ship: ordered, less cancelled, less what the parcels carry."""
    wanted = sum(line["quantity"] - line.get("cancelled_quantity", 0)
                 for line in order["lines"])
    return wanted - sum(line["quantity"] for shipment in order["shipments"]
                        for line in shipment.get("lines") or [])


async def _view(shop: Shop, number: str) -> dict[str, Any]:
    async with db.shop_scope(shop.id):
        return await order_view(shop.id, await get_order(shop.id, number[:20]), staff=True)


class FulfilmentPages(Controller):
    path = "/fulfilment"
    guards = [require_staff]

    @get("/{number:str}", name="console:fulfilment")
    async def show(self, request: Request, shop: Shop, runtime: Runtime, number: str,
                   done: str = "") -> Response:
        return await self._page(request, shop, runtime, number, done=done)

    async def _page(self, request: Request, shop: Shop, runtime: Runtime, number: str, *,
                    done: str = "", failed: dict[str, Any] | None = None,
                    status_code: int = 200) -> Response:
        translate = gettext_for(request)
        order = await _view(shop, number)
        methods = await offered_shipping(shop, runtime)
        name_order_parts(order, await method_names(shop, runtime), translate)
        status = order["status"]
        return await console_page(
            request, runtime, "console/fulfilment.html", "orders", status_code=status_code,
            order=order, methods=methods, badge=status_badge(status, translate),
            tracking_statuses=[
                (s, translate(TRACKING_TITLES[s])) for s in TRACKING_STATUSES],
            tracking_titles={k: translate(v) for k, v in TRACKING_TITLES.items()},
            can_ship=status in (states.APPROVED, states.FULFILLING, states.SHIPPED)
            and _unshipped_units(order) > 0, carriers=carrier_choices(translate),
            waiting_pickup=any(s["status"] == "ready_for_pickup" for s in order["shipments"]),
            done=translate(DONE[done]) if done in DONE else "", failed=failed or {})

    async def _act(self, request: Request, shop: Shop, runtime: Runtime, number: str,
                   form_name: str, values: dict[str, str], work: Any) -> Response:
        try:
            await work()
        except DomainError as exc:
            message = "; ".join(e.message for e in exc.errors) or exc.detail
            return await self._page(request, shop, runtime, number,
                                    status_code=422 if exc.kind == "invalid" else 409,
                                    failed={"form": form_name, "values": values,
                                            "error": message})
        return Redirect(f"/console/fulfilment/{number}?done={form_name}", status_code=303)

    @post("/{number:str}/ship", name="console:fulfilment-ship")
    async def ship(self, request: Request, shop: Shop, runtime: Runtime,
                   number: str) -> Response:
        form = await request.form()
        values = {key: str(form.get(key) or "").strip()[:64]
                  for key in ("method", "carrier", "tracking_number")}
        number = number[:20]

        async def work() -> None:
            await fulfilment.ship(shop, runtime.host, number, actor=_actor(request),
                                  method=values["method"] or None,
                                  carrier=values["carrier"],
                                  tracking_number=values["tracking_number"])

        return await self._act(request, shop, runtime, number, "shipped", values, work)

    @post("/{number:str}/pickup", name="console:fulfilment-pickup")
    async def pickup(self, request: Request, shop: Shop, runtime: Runtime,
                     number: str) -> Response:
        form = await request.form()
        code = str(form.get("code") or "").strip()[:12]
        number = number[:20]

        async def work() -> None:
            await fulfilment.hand_over_pickup(shop.id, number, code, actor=_actor(request))

        return await self._act(request, shop, runtime, number, "picked_up", {"code": code},
                               work)

    @post("/{number:str}/track", name="console:fulfilment-track")
    async def track(self, request: Request, shop: Shop, runtime: Runtime,
                    number: str) -> Response:
        form = await request.form()
        values = {"shipment": str(form.get("shipment") or ""),
                  "status": str(form.get("status") or ""),
                  "description": str(form.get("description") or "").strip()[:500]}
        number = number[:20]

        async def work() -> None:
            order = await _view(shop, number)
            ids = {str(s["id"]): s["id"] for s in order["shipments"]}
            if values["shipment"] not in ids or values["status"] not in TRACKING_STATUSES:
                raise ValidationFailed(gettext_for(request)("Choose a shipment and a status"))
            await fulfilment.record_tracking(shop.id, ids[values["shipment"]], [
                TrackingUpdate(status=values["status"], occurred_at=dt.datetime.now(dt.UTC),
                               raw_status="manual", description=values["description"])],
                source=_actor(request))

        return await self._act(request, shop, runtime, number, "tracked", values, work)

    @get("/{number:str}/print", name="console:fulfilment-print")
    async def print_view(self, request: Request, shop: Shop, number: str) -> Response:
        """The packing slip and the shipping labels, laid out for A4 / label printers."""
        order = await _view(shop, number)
        return page(request, "console/fulfilment_print.html", order=order,
                    printed_at=dt.datetime.now(dt.UTC).isoformat())


fulfilment_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[FulfilmentPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False)

__all__ = ["fulfilment_console_router"]

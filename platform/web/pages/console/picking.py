"""The console's picking and packing pages under `/console/picking`.

- `/console/picking`: pick lists (open first) and the form that starts one — per order
  (摘果) or as a wave (播种), for one shipping method or all waiting orders.
- `/console/picking/{id}`: the list on screen in walking order, its assignee, links to print
  it (A4 or 80 mm thermal) and to the picking screen.
- `/console/picking/{id}/scan`: the picking screen. The scan field takes a USB scanner's
  keystrokes (its Enter sends) or a phone camera's reading; every scan goes to
  `POST /console/picking/{id}/scan`, which checks it with `picking_scan.scan` — the same
  check as the admin API — and answers JSON with the message to show.
- `/console/picking/pack/{number}`: quality check, suggested box, parcels, ship.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import DomainError, FieldError, ValidationFailed
from galleria.kernel.fulfilment import packing, picking, picking_scan, supervision
from galleria.kernel.fulfilment.service import find_method
from galleria.kernel.orders import states
from galleria.kernel.orders.service import get_order, order_view
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.methods import offered_shipping
from galleria.web.pages.console.orders import _zone, local_time
from galleria.web.pages.console.picking_texts import (
    ALERT_KINDS,
    MODES,
    PACKING_ERRORS,
    STATUSES,
    refusal_message,
)
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for, page

ERRORS = {"none": N_("No approved order is waiting to be picked"),
          "box": N_("A box needs a name and its inside length, width, height (mm) and the "
                    "most it may carry (grams), each a whole number above 0")}
DONE = {"assigned": N_("Pick list assigned."), "checked": N_("Quality check recorded."),
        "shipped": N_("Packed and shipped."), "promised": N_("Promises saved.")}


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _int(value: Any, default: int = 0) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else default


def _window(form: Any, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime] | None:
    """The courier pickup window typed in the shop's time zone (both fields, or none)."""
    texts = [str(form.get(key) or "").strip()[:16] for key in ("pickup_from", "pickup_until")]
    if not all(texts):
        return None
    try:
        start, end = (dt.datetime.fromisoformat(t).replace(tzinfo=zone) for t in texts)
    except ValueError as exc:
        raise ValidationFailed("Give the pickup window as dates and times",
                               errors=[FieldError("courier_pickup", "from < until")]) from exc
    return start, end


class PickingPages(Controller):
    path = "/picking"
    guards = [require_staff]

    @get("/", name="console:picking")
    async def index(self, request: Request, shop: Shop, runtime: Runtime,
                    error: str = "") -> Response:
        translate = gettext_for(request)
        zone = _zone(shop)
        lists = await picking.list_pick_lists(shop.id)
        async with db.shop_scope(shop.id):
            waiting = await Order.count().where(
                (Order.tenant == shop.id) & Order.status.is_in(list(picking.WAITING)))
            methods = await offered_shipping(shop, runtime)
        for item in lists:
            item["created_local"] = local_time(item["created_at"], zone)
            item["mode_title"] = translate(MODES[item["mode"]])
            item["status_title"] = translate(STATUSES[item["status"]])
        return await console_page(
            request, runtime, "console/picking.html", "picking", lists=lists, waiting=waiting,
            methods=methods, modes=[(k, translate(v)) for k, v in MODES.items()],
            boxes=await packing.box_presets(shop.id),
            card=str(shop.settings.get(packing.THANK_YOU_CARD) or ""),
            error=translate(ERRORS.get(error, ERRORS["none"])) if error else "")

    @post("/packing-settings", name="console:packing-settings")
    async def packing_settings(self, request: Request, shop: Shop) -> Response:
        """The thank-you card text, and a box to add (or change, by its name)."""
        form = await request.form()
        await packing.set_thank_you_card(shop.id, str(form.get("thank_you_card") or ""))
        name = str(form.get("box_name") or "").strip()
        if name:
            try:
                await packing.save_box_preset(
                    shop.id, name=name, length_mm=_int(form.get("length_mm")),
                    width_mm=_int(form.get("width_mm")), height_mm=_int(form.get("height_mm")),
                    max_weight_grams=_int(form.get("max_weight_grams")))
            except DomainError:
                return Redirect("/console/picking?error=box", status_code=303)
        return Redirect("/console/picking", status_code=303)

    @post("/", name="console:picking-create")
    async def create(self, request: Request, shop: Shop) -> Response:
        form = await request.form()
        mode = str(form.get("mode") or "order")
        method = str(form.get("method") or "").strip()[:64] or None
        try:
            made = await picking.create_pick_list(shop.id, actor=_actor(request),
                                                  mode=mode if mode in MODES else "order",
                                                  method=method)
        except DomainError:
            return Redirect("/console/picking?error=none", status_code=303)
        return Redirect(f"/console/picking/{made['id']}", status_code=303)

    @get("/alerts", name="console:delivery-alerts")
    async def alerts(self, request: Request, shop: Shop, runtime: Runtime,
                     done: str = "") -> Response:
        """配送监督: what breaks the shop's promises, with why and how long overdue."""
        return await self._alerts_page(request, shop, runtime, done=done)

    async def _alerts_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                           done: str = "", error: str = "",
                           status_code: int = 200) -> Response:
        translate = gettext_for(request)
        zone = _zone(shop)
        items = await supervision.delivery_alerts(shop)
        for item in items:
            item["kind_title"] = translate(ALERT_KINDS[item["kind"]])
            item["due_local"] = local_time(item["due_at"], zone)
            days, hours = divmod(item["overdue_hours"], 24)
            item["overdue_text"] = (translate(N_("%(days)s d %(hours)s h")) % {
                "days": days, "hours": hours} if days else translate(N_("%(hours)s h")) % {
                "hours": hours})
        return await console_page(
            request, runtime, "console/delivery_alerts.html", "picking",
            status_code=status_code, alerts=items, promises=supervision.promises(shop),
            done=translate(DONE[done]) if done in DONE else "", error=error)

    @post("/alerts/promises", name="console:delivery-promises")
    async def save_promises(self, request: Request, shop: Shop,
                            runtime: Runtime) -> Response:
        form = await request.form()
        try:
            await supervision.set_promises(shop.id, {
                key: _int(form.get(key), -1) for key in supervision.DEFAULTS})
        except DomainError:
            return await self._alerts_page(
                request, shop, runtime, status_code=422, error=gettext_for(request)(
                    N_("Ship within 1 to 720 hours; tracking news within 1 to 60 days")))
        return Redirect("/console/picking/alerts?done=promised", status_code=303)

    async def _list(self, request: Request, shop: Shop, list_id: int) -> dict[str, Any]:
        found = await picking.get_pick_list(shop.id, list_id)
        translate = gettext_for(request)
        zone = _zone(shop)
        found.update(mode_title=translate(MODES[found["mode"]]),
                     status_title=translate(STATUSES[found["status"]]),
                     created_local=local_time(found["created_at"], zone))
        return found

    @get("/{list_id:int}", name="console:pick-list")
    async def show(self, request: Request, shop: Shop, runtime: Runtime, list_id: int,
                   done: str = "") -> Response:
        found = await self._list(request, shop, list_id)
        return await console_page(
            request, runtime, "console/pick_list.html", "picking", pick_list=found,
            staff_members=await picking.staff_choices(shop.id),
            done=gettext_for(request)(DONE[done]) if done in DONE else "")

    @post("/{list_id:int}/assign", name="console:pick-list-assign")
    async def assign(self, request: Request, shop: Shop, list_id: int) -> Response:
        form = await request.form()
        user_id = _int(form.get("user_id")) or None
        await picking.assign(shop.id, list_id, user_id)
        return Redirect(f"/console/picking/{list_id}?done=assigned", status_code=303)

    @get("/{list_id:int}/print", name="console:pick-list-print")
    async def print_view(self, request: Request, shop: Shop, list_id: int,
                         paper: str = "a4") -> Response:
        """The list for paper: A4, or an 80 mm thermal roll (`paper=80mm`)."""
        found = await self._list(request, shop, list_id)
        return page(request, "console/pick_list_print.html", pick_list=found,
                    paper="80mm" if paper == "80mm" else "a4")

    @get("/{list_id:int}/scan", name="console:pick-list-scan")
    async def scan_screen(self, request: Request, shop: Shop, runtime: Runtime,
                          list_id: int, order: str = "") -> Response:
        found = await self._list(request, shop, list_id)
        numbers = [o["number"] for o in found["orders"]]
        current = order if order in numbers else next(
            (o["number"] for o in found["orders"] if not o["complete"]), "")
        if found["mode"] == "wave":
            current = ""
        return await console_page(
            request, runtime, "console/pick_scan.html", "picking", pick_list=found,
            current=current)

    @post("/{list_id:int}/scan", name="console:pick-list-scan-post")
    async def scan(self, request: Request, shop: Shop, list_id: int) -> Response:
        """One scan, checked on the server; JSON for the picking screen."""
        translate = gettext_for(request)
        try:
            body = await request.json()
        except Exception:  # not JSON at all: the screen always sends JSON
            body = None
        if not isinstance(body, dict):
            return Response({"accepted": False, "message": translate(
                N_("Scan a barcode"))}, status_code=400)
        try:
            counted = await picking_scan.scan(
                shop.id, list_id, str(body.get("code") or "")[:64],
                order_number=str(body.get("order_number") or "")[:20] or None,
                lot_code=str(body.get("lot_code") or "")[:64])
        except picking_scan.ScanRefused as exc:
            return Response({"accepted": False, "reason": exc.reason,
                             "message": refusal_message(exc, translate)}, status_code=422)
        except DomainError as exc:
            return Response({"accepted": False, "message": exc.detail}, status_code=409)
        counted["message"] = translate(N_("%(name)s × %(units)s into order %(number)s")) % {
            "name": counted["name"], "units": counted["units"],
            "number": counted["order_number"]}
        return Response(counted, status_code=200)

    async def _pack_page(self, request: Request, shop: Shop, runtime: Runtime, number: str,
                         *, done: str = "", error: str = "",
                         status_code: int = 200) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            order = await order_view(shop.id, await get_order(shop.id, number[:20]),
                                     staff=True)
        plan = await packing.packing_plan(shop.id, number[:20])
        return await console_page(
            request, runtime, "console/pack.html", "picking", status_code=status_code,
            order=order, plan=plan, card=str(shop.settings.get("thank_you_card") or ""),
            can_ship=order["status"] in (states.APPROVED, states.FULFILLING),
            done=translate(DONE[done]) if done in DONE else "", error=error)

    @get("/pack/{number:str}", name="console:pack")
    async def pack_screen(self, request: Request, shop: Shop, runtime: Runtime, number: str,
                          done: str = "") -> Response:
        return await self._pack_page(request, shop, runtime, number, done=done)

    @post("/pack/{number:str}/check", name="console:pack-check")
    async def check(self, request: Request, shop: Shop, runtime: Runtime,
                    number: str) -> Response:
        form = await request.form()
        passed = str(form.get("passed") or "") == "yes"
        try:
            await packing.check_quality(shop.id, number[:20], passed=passed,
                                        notes=str(form.get("notes") or ""),
                                        actor=_actor(request))
        except DomainError:
            return await self._pack_page(request, shop, runtime, number, status_code=422,
                                         error=gettext_for(request)(N_("Say what is wrong")))
        return Redirect(f"/console/picking/pack/{number[:20]}?done=checked", status_code=303)

    @post("/pack/{number:str}/ship", name="console:pack-ship")
    async def ship(self, request: Request, shop: Shop, runtime: Runtime,
                   number: str) -> Response:
        """One parcel per filled weight field; the last takes what is left."""
        form = await request.form()
        translate = gettext_for(request)
        weights = [_int(w) for w in form.getall("weight_grams", []) if _int(w)]
        box = str(form.get("box") or "")[:40]
        number = number[:20]
        parcels = [{"weight_grams": w, "box": box, "lines": None,
                    "tracking_number": str(form.get("tracking_number") or "")[:64]}
                   for w in weights[:1]]
        if not parcels:
            return await self._pack_page(request, shop, runtime, number, status_code=422,
                                         error=translate(N_("Weigh the parcel (grams)")))
        try:
            async with db.shop_scope(shop.id):
                order = await get_order(shop.id, number)
                method = await find_method(shop, runtime.host, order["shipping_method"])
            await packing.pack_and_ship(shop, runtime.host, number, packages=parcels,
                                        actor=_actor(request),
                                        carrier=str(form.get("carrier") or "")[:32],
                                        method=method.code if method else None,
                                        pickup_window=_window(form, _zone(shop)))
        except DomainError as exc:
            fields = {e.field for e in exc.errors}
            known = PACKING_ERRORS.get(exc.code) or (
                N_("Type the waybill number: this shipping method books none itself")
                if "tracking_number" in fields else
                N_("The courier pickup ends before it starts") if "courier_pickup" in fields
                else None)
            message = translate(known) if known else (
                "; ".join(e.message for e in exc.errors) or exc.detail)
            return await self._pack_page(request, shop, runtime, number, status_code=409,
                                         error=message)
        return Redirect(f"/console/picking/pack/{number}?done=shipped", status_code=303)


picking_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[PickingPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False)

__all__ = ["picking_console_router"]

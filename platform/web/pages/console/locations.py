"""The console's pages for locations (门店/仓库) and transfers (调拨), under the stock pages
(`/console/inventory/…`, so that whoever may see stock may see them).

- `/console/inventory/locations`: the shop's stores and warehouses, a form to add one, and
  whether an order that no single location can fill is split by location.
- `/console/inventory/locations/{code}`: change one (name, kind, address, hours, pickup,
  delivery radius, open or closed).
- `/console/inventory/transfers`: transfers, newest first, a form to start one, and the
  step each takes next (ship, receive, cancel).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import Conflict, DomainError, NotFound
from galleria.kernel.inventory import locations, transfers
from galleria.kernel.inventory.lookup import active_variants
from galleria.kernel.tenancy.shops import Shop, get_shop
from galleria.runtime import Runtime
from galleria.web import regions
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

KIND_TITLES = {"store": N_("Store"), "warehouse": N_("Warehouse")}
STATE_TITLES = {"draft": N_("Draft"), "in_transit": N_("In transit"),
                "received": N_("Received at destination"), "cancelled": N_("Cancelled")}
NEXT_STEPS = {"draft": ("ship", "cancel"), "in_transit": ("receive", "cancel")}
STEP_TITLES = {"ship": N_("Ship"), "receive": N_("Mark received"), "cancel": N_("Cancel")}
FIELD_MESSAGES = {  # the kernel's field problems, as the form says them
    "code": N_("1–32 lowercase letters, digits, - or _ (such as store-1)"),
    "name": N_("required"),
    "hours[0]": N_("Opening time before closing time, as 09:00"),
    "delivery_radius_km": N_("A number of kilometres from 0.1 to 100"),
}


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _location_fields(form: Any, *, creating: bool) -> dict[str, Any]:
    """The form as the kernel's location fields; a radius left empty clears it."""
    fields: dict[str, Any] = {
        "name": _text(form, "name"), "kind": _text(form, "kind") or "store",
        "address": {"province": _text(form, "province"), "city": _text(form, "city"),
                    "district": _text(form, "district"), "line1": _text(form, "line1"),
                    # The picker's names, as GB/T 2260 codes for delivery areas.
                    "region_code": regions.code_of(_text(form, "province"),
                                                   _text(form, "city"),
                                                   _text(form, "district"))},
        "phone": _text(form, "phone"),
        "offers_pickup": form.get("offers_pickup") == "1",
    }
    if creating:
        fields["code"] = _text(form, "code")
    else:
        fields["active"] = form.get("active") == "1"
    fields["hours"] = _hours(form)
    radius = _text(form, "radius_km")
    try:
        fields["delivery_radius_km"] = float(radius) if radius else None
    except ValueError:
        fields["delivery_radius_km"] = -1.0  # the kernel's check names the field
    return fields


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def _hours(form: Any) -> list[dict[str, Any]]:
    """Opening hours per weekday: a day's own `open-N`/`close-N` (N = 1 Monday … 7 Sunday),
    else the every-day `open`/`close`; `closed-N` shuts that day. Days with the same range
    are one entry, as the API takes them."""
    daily = (_text(form, "open"), _text(form, "close"))
    ranges: dict[tuple[str, str], list[int]] = {}
    for day in range(1, 8):
        if form.get(f"closed-{day}") == "1":
            continue
        own = (_text(form, f"open-{day}"), _text(form, f"close-{day}"))
        chosen = own if any(own) else daily
        if any(chosen):
            ranges.setdefault(chosen, []).append(day)
    return [{"days": days, "open": opens, "close": closes}
            for (opens, closes), days in ranges.items()]


def days_text(days: list[int], translate: Any) -> str:
    """Weekdays as the merchant reads them: runs of three or more as 周一–周五."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [translate(WEEKDAYS[day - 1]) for day in run]
        parts += [f"{names[0]}–{names[-1]}"] if len(run) >= 3 else names
    text = parts[0]
    for part in parts[1:]:
        text = translate(N_("%(first)s, %(second)s")) % {"first": text, "second": part}
    return text


def hours_form(hours: list[dict[str, Any]]) -> dict[str, Any]:
    """A location's hours as the form's fields: every day alike fills `open`/`close`,
    otherwise each day its own (a day without hours is closed)."""
    if len(hours) == 1 and sorted(hours[0]["days"]) == list(range(1, 8)):
        return {"open": hours[0]["open"], "close": hours[0]["close"]}
    values: dict[str, Any] = {f"closed-{day}": bool(hours) for day in range(1, 8)}
    for entry in hours:
        for day in entry["days"]:
            values.update({f"open-{day}": entry["open"], f"close-{day}": entry["close"],
                           f"closed-{day}": False})
    return values


TRANSFER_ROWS = 5  # lines on the console's transfer form (the API takes any number)


def _transfer_lines(form: Any) -> list[dict[str, int]] | None:
    """The form's product lines (`variant_id`/`quantity`, then `variant_id-2`… up to
    TRANSFER_ROWS), a product twice adding up; rows left empty are skipped. None when a
    row is half filled or wrong, or no row is filled."""
    wanted: dict[int, int] = {}
    for n in range(1, TRANSFER_ROWS + 1):
        suffix = "" if n == 1 else f"-{n}"
        variant, quantity = _text(form, f"variant_id{suffix}"), _text(form, f"quantity{suffix}")
        if n > 1 and not variant and not quantity:
            continue  # an unused row
        if not variant.isdigit() or not quantity.isdigit() or int(quantity) < 1:
            return None
        wanted[int(variant)] = wanted.get(int(variant), 0) + int(quantity)
    return [{"variant_id": v, "quantity": q} for v, q in wanted.items()] or None


def _errors(exc: DomainError, translate: Any) -> dict[str, str]:
    found = {}
    for error in exc.errors or []:
        name = "hours" if error.field.startswith("hours") else error.field.split(".")[0]
        found[name] = translate(FIELD_MESSAGES.get(error.field, FIELD_MESSAGES.get(
            name, N_("Check this field"))))
    return found


class LocationPages(Controller):
    path = "/inventory"
    guards = [require_staff]

    async def _list_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                         form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                         status_code: int = 200) -> Response:
        async with db.shop_scope(shop.id):
            rows = await locations.list_locations(shop.id)
        translate = gettext_for(request)
        for row in rows:
            row["hours_text"] = [
                (days_text(h["days"], translate) if len(h["days"]) < 7 else "",
                 f"{h['open']}–{h['close']}") for h in row["hours"]]
        current = await get_shop(shop.slug) or shop
        return await console_page(
            request, runtime, "console/locations.html", "inventory", status_code=status_code,
            rows=rows, kinds=KIND_TITLES, form=form or {"kind": "store"}, errors=errors or {},
            weekdays=WEEKDAYS, levels=regions.cascade(str((form or {}).get("province") or ""),
                                                      str((form or {}).get("city") or "")),
            split=bool(current.settings.get(locations.SPLIT_ORDERS)),
            saved=request.query_params.get("saved", ""))

    @get("/locations", name="console:locations")
    async def list_locations(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        return await self._list_page(request, shop, runtime)

    @post("/locations", name="console:locations-add")
    async def add(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        form = await request.form()
        fields = _location_fields(form, creating=True)
        try:
            async with db.shop_scope(shop.id):
                await locations.create_location(shop.id, fields)
        except locations.LocationTaken:
            translate = gettext_for(request)
            return await self._list_page(
                request, shop, runtime, form=dict(form), status_code=409,
                errors={"code": translate(N_("This code is taken; choose another"))})
        except DomainError as exc:
            return await self._list_page(request, shop, runtime, form=dict(form),
                                         errors=_errors(exc, gettext_for(request)),
                                         status_code=422)
        return Redirect(f"/console/inventory/locations?saved={fields['code']}", status_code=303)

    @post("/locations/split", name="console:locations-split")
    async def split(self, request: Request, shop: Shop) -> Response:
        form = await request.form()
        async with db.shop_scope(shop.id):
            await locations.set_split_orders(shop.id, form.get("split") == "1")
        return Redirect("/console/inventory/locations", status_code=303)

    @get("/locations/{code:str}", name="console:location")
    async def edit(self, request: Request, shop: Shop, runtime: Runtime, code: str) -> Response:
        return await self._edit_page(request, shop, runtime, code)

    async def _edit_page(self, request: Request, shop: Shop, runtime: Runtime, code: str, *,
                         errors: dict[str, str] | None = None,
                         status_code: int = 200) -> Response:
        async with db.shop_scope(shop.id):
            location = await locations.get_location(shop.id, code)
        return await console_page(
            request, runtime, "console/location_edit.html", "inventory",
            status_code=status_code, location=location, kinds=KIND_TITLES,
            hours=hours_form(location["hours"]), weekdays=WEEKDAYS,
            levels=regions.cascade(location["address"].get("province") or "",
                                   location["address"].get("city") or ""),
            errors=errors or {})

    @post("/locations/{code:str}", name="console:location-save")
    async def save(self, request: Request, shop: Shop, runtime: Runtime, code: str) -> Response:
        form = await request.form()
        translate = gettext_for(request)
        try:
            async with db.shop_scope(shop.id):
                await locations.update_location(shop.id, code, _location_fields(
                    form, creating=False))
        except NotFound:
            raise
        except Conflict:
            return await self._edit_page(request, shop, runtime, code, status_code=409,
                                         errors={"active": translate(N_(
                                             "A shop keeps at least one open location"))})
        except DomainError as exc:
            return await self._edit_page(request, shop, runtime, code, status_code=422,
                                         errors=_errors(exc, translate))
        return Redirect(f"/console/inventory/locations?saved={code}", status_code=303)

    # -- transfers -----------------------------------------------------------------------------
    async def _transfers_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                              error: str = "", status_code: int = 200) -> Response:
        async with db.shop_scope(shop.id):
            rows = await transfers.list_transfers(shop.id, limit=100)
            places = await locations.list_locations(shop.id)
            variants = await active_variants(shop.id)
        names = {place["code"]: place["name"] for place in places}
        by_id = {variant["id"]: variant for variant in variants}
        for row in rows:
            row["lines_text"] = [
                (by_id[line["variant_id"]]["name"] if line["variant_id"] in by_id
                 else line["variant_id"], line["quantity"]) for line in row["lines"]]
        return await console_page(
            request, runtime, "console/transfers.html", "inventory", status_code=status_code,
            rows=rows, names=names, places=[p for p in places if p["active"]],
            variants=variants, states=STATE_TITLES, steps=NEXT_STEPS, step_titles=STEP_TITLES,
            transfer_rows=TRANSFER_ROWS, error=error)

    @get("/transfers", name="console:transfers")
    async def list_transfers(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        return await self._transfers_page(request, shop, runtime)

    @post("/transfers", name="console:transfers-add")
    async def add_transfer(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        form = await request.form()
        translate = gettext_for(request)
        lines = _transfer_lines(form)
        if not lines:
            return await self._transfers_page(
                request, shop, runtime, status_code=422,
                error=translate(N_("Choose a product and a quantity of 1 or more")))
        try:
            async with db.shop_scope(shop.id):
                await transfers.create_transfer(
                    shop.id, source=_text(form, "source"),
                    destination=_text(form, "destination"), lines=lines,
                    note=_text(form, "note"), actor=_actor(request))
        except DomainError:
            return await self._transfers_page(
                request, shop, runtime, status_code=422,
                error=translate(N_("Choose two different locations")))
        return Redirect("/console/inventory/transfers", status_code=303)

    @post("/transfers/{transfer_id:int}/{step:str}", name="console:transfer-step")
    async def step(self, request: Request, shop: Shop, runtime: Runtime, transfer_id: int,
                   step: str) -> Response:
        translate = gettext_for(request)
        try:
            async with db.shop_scope(shop.id):
                await transfers.take_step(shop.id, transfer_id, step, actor=_actor(request))
        except transfers.TransferStateConflict:
            return await self._transfers_page(
                request, shop, runtime, status_code=409,
                error=translate(N_("This transfer has moved on; look again")))
        except Conflict:  # out of stock at the source
            return await self._transfers_page(
                request, shop, runtime, status_code=409,
                error=translate(N_("The source location has too few available to ship "
                                   "this transfer")))
        return Redirect("/console/inventory/transfers", status_code=303)


locations_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[LocationPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["locations_console_router"]

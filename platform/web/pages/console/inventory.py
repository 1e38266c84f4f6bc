"""The console's stock pages under `/console/inventory`.

- `/console/inventory`: every variant's stock (on hand, reserved, available), safety stock
  editable in place, low rows highlighted, and a receiving form made for a barcode scanner
  (the code input has focus; the scanner's Enter submits; a case barcode adds its units).
- `/console/inventory/{variant_id}`: one variant's stock movements, with forms to receive
  and to count (stocktake) it.
- `/console/inventory/alerts?days=30`: low stock and lots near their expiry date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import Conflict, DomainError, NotFound, ValidationFailed
from galleria.kernel.inventory.locations import list_locations
from galleria.kernel.inventory.service import (
    adjust,
    expiring_lots,
    get_level,
    ledger,
    low_stock,
    receive,
    receive_by_barcode,
    set_safety_stock,
    stock_levels,
)
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import PlatformUser
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.catalog import format_options
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

LIST_LIMIT = 300
KINDS = {"receive": N_("Received"), "reserve": N_("Reserved"), "release": N_("Released"),
         "ship": N_("Shipped"), "adjust": N_("Stocktake"), "return": N_("Returned"),
         "transfer_out": N_("Sent to another location"),
         "transfer_in": N_("Arrived from another location"),
         "transfer_back": N_("Transfer cancelled, back in stock")}
UNKNOWN_BARCODE = N_("No product in this shop has this barcode")
WHOLE_ABOVE_0 = N_("a whole number, 1 or more")
WHOLE = N_("a whole number, 0 or more")
BAD_DATE = N_("Enter a date like 2025-12-31")
NEED_REASON = N_("Say why the count differs, such as 盘点 or damaged")
COUNT_CONFLICT = N_("Stock changed while counting, or the count is below what is reserved; "
                    "count again")


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _whole(text: str, minimum: int, default: int | None = None) -> int:
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 9 or int(text) < minimum:
        raise ValueError(WHOLE_ABOVE_0 if minimum else WHOLE)
    return int(text)


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(BAD_DATE) from exc


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


# -- read models (inside the shop's scope) ----------------------------------------------------
def _options(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value or "{}")
        except ValueError:
            value = {}
    return value if isinstance(value, dict) else {}


async def variant_info(tenant_id: int, variant_id: int) -> dict[str, Any]:
    row = await Variant.select(
        Variant.id, Variant.sku, Variant.options, Variant.status,
        Variant.product.id.as_alias("product_id"),
        Variant.product.name.as_alias("product")).where(
        (Variant.tenant == tenant_id) & (Variant.id == variant_id)
        & (Variant.status != "deleted")).first()
    if row is None:
        raise NotFound(f"No variant {variant_id} in this shop")
    row["options"] = _options(row["options"])
    return row


async def _who(entries: list[dict[str, Any]], translate: Any) -> None:
    ids = {int(e["actor"][5:]) for e in entries
           if e["actor"].startswith("user:") and e["actor"][5:].isdigit()}
    emails = {r["id"]: r["email"] for r in await PlatformUser.select(
        PlatformUser.id, PlatformUser.email).where(PlatformUser.id.is_in(list(ids) or [0]))}
    for entry in entries:
        kind, _sep, ident = entry["actor"].partition(":")
        entry["who"] = (emails.get(int(ident), entry["actor"]) if kind == "user"
                        and ident.isdigit() else translate("System")
                        if entry["actor"] == "system" else entry["actor"])
        entry["kind_title"] = translate(KINDS[entry["kind"]]) if entry["kind"] in KINDS \
            else entry["kind"]


# -- pages ---------------------------------------------------------------------------------------
class InventoryPages(Controller):
    path = "/inventory"
    guards = [require_staff]

    async def _levels_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                           q: str = "", low: bool = False, scan: dict[str, Any] | None = None,
                           status_code: int = 200) -> Response:
        async with db.shop_scope(shop.id):
            rows = await stock_levels(shop.id, q, low, limit=LIST_LIMIT)
            places = await list_locations(shop.id)
        params = request.query_params
        received = None
        if params.get("added") and params.get("sku"):
            received = {"added": params.get("added"), "sku": params.get("sku"),
                        "product": params.get("product", ""),
                        "available": params.get("available", ""),
                        "variant": params.get("variant", "")}
        return await console_page(
            request, runtime, "console/inventory.html", "inventory", status_code=status_code,
            rows=rows, q=q, low=low, scan=scan or {"count": "1"}, received=received,
            low_count=sum(1 for r in rows if r["low"]), limit=LIST_LIMIT,
            saved=params.get("saved", ""), places=places,
            place_names={place["code"]: place["name"] for place in places})

    @get("/", name="console:inventory")
    async def levels(self, request: Request, shop: Shop, runtime: Runtime, q: str = "",
                     low: str = "") -> Response:
        return await self._levels_page(request, shop, runtime, q=q.strip()[:64],
                                       low=bool(low))

    @post("/receive", name="console:inventory-receive")
    async def receive_scan(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        form = await request.form()
        scan = {k: _text(form, k)
                for k in ("barcode", "count", "lot_code", "expires_on", "location")}
        errors: dict[str, str] = {}
        try:
            count = _whole(scan["count"], 1, default=1)
        except ValueError as exc:
            errors["count"] = translate(str(exc))
        try:
            expires_on = _date(scan["expires_on"])
        except ValueError as exc:
            errors["expires_on"] = translate(str(exc))
        if not scan["barcode"]:
            errors["barcode"] = translate("required")
        if not errors:
            lot = {"lot_code": scan["lot_code"][:64], "expires_on": expires_on,
                   "location": scan["location"][:32] or "default"}
            try:
                async with db.shop_scope(shop.id):
                    variant_id, level = await receive_by_barcode(
                        shop.id, scan["barcode"], count, actor=_actor(request), **lot)
                    info = await variant_info(shop.id, variant_id)
                    last = await ledger(shop.id, variant_id, limit=1)
                return Redirect("/console/inventory?" + urlencode({
                    "added": str(last[0]["on_hand_change"] if last else count),
                    "sku": info["sku"], "product": info["product"],
                    "available": str(level.available),
                    "variant": str(variant_id)}), status_code=303)
            except NotFound:
                errors["barcode"] = translate(UNKNOWN_BARCODE)
            except ValidationFailed as exc:
                errors["expires_on" if "expire" in exc.detail else "barcode"] = exc.detail
        scan["errors"] = errors
        scan["barcode_kept"] = scan["barcode"]
        return await self._levels_page(request, shop, runtime, scan=scan, status_code=422)

    @post("/{variant_id:int}/safety", name="console:inventory-safety")
    async def safety(self, request: Request, shop: Shop, variant_id: int) -> Response:
        form = await request.form()
        back = _text(form, "back") or "/console/inventory"
        back = back if back.startswith("/console/inventory") else "/console/inventory"
        try:
            value = _whole(_text(form, "safety_stock"), 0)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from exc
        async with db.shop_scope(shop.id):
            await set_safety_stock(shop.id, variant_id, value)
        joiner = "&" if "?" in back else "?"
        return Redirect(f"{back}{joiner}saved={variant_id}", status_code=303)

    @get("/{variant_id:int}", name="console:inventory-variant")
    async def variant(self, request: Request, shop: Shop, runtime: Runtime, variant_id: int,
                      saved: str = "") -> Response:
        return await self._variant_page(request, shop, runtime, variant_id, saved=saved)

    async def _variant_page(self, request: Request, shop: Shop, runtime: Runtime,
                            variant_id: int, *, saved: str = "",
                            forms: dict[str, dict[str, Any]] | None = None,
                            status_code: int = 200) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            info = await variant_info(shop.id, variant_id)
            level = await get_level(shop.id, variant_id)
            entries = await ledger(shop.id, variant_id, limit=200)
            await _who(entries, translate)
        forms = forms or {}
        return await console_page(
            request, runtime, "console/inventory_variant.html", "inventory",
            status_code=status_code, variant=info, options=format_options(info["options"]),
            level={"on_hand": level.on_hand, "reserved": level.reserved,
                   "available": level.available, "safety_stock": level.safety_stock,
                   "low": level.available <= level.safety_stock},
            entries=entries, saved=saved,
            receive_form=forms.get("receive", {"values": {"quantity": "1"}, "errors": {}}),
            adjust_form=forms.get("adjust", {"values": {"counted": str(level.on_hand)},
                                             "errors": {}}))

    @post("/{variant_id:int}/receive", name="console:inventory-variant-receive")
    async def receive_variant(self, request: Request, shop: Shop, runtime: Runtime,
                              variant_id: int) -> Response:
        translate = gettext_for(request)
        form = await request.form()
        values = {k: _text(form, k) for k in ("quantity", "lot_code", "expires_on", "reason")}
        errors: dict[str, str] = {}
        try:
            quantity = _whole(values["quantity"], 1)
        except ValueError as exc:
            errors["quantity"] = translate(str(exc))
        try:
            expires_on = _date(values["expires_on"])
        except ValueError as exc:
            errors["expires_on"] = translate(str(exc))
        if not errors:
            try:
                async with db.shop_scope(shop.id):
                    await receive(shop.id, variant_id, quantity, actor=_actor(request),
                                  reason=values["reason"][:200],
                                  lot_code=values["lot_code"][:64], expires_on=expires_on)
                return Redirect(f"/console/inventory/{variant_id}?saved=received",
                                status_code=303)
            except ValidationFailed as exc:
                errors["quantity"] = exc.detail
        return await self._variant_page(request, shop, runtime, variant_id, status_code=422,
                                        forms={"receive": {"values": values, "errors": errors}})

    @post("/{variant_id:int}/adjust", name="console:inventory-adjust")
    async def adjust_variant(self, request: Request, shop: Shop, runtime: Runtime,
                             variant_id: int) -> Response:
        translate = gettext_for(request)
        form = await request.form()
        values = {k: _text(form, k) for k in ("counted", "reason")}
        errors: dict[str, str] = {}
        try:
            counted = _whole(values["counted"], 0)
        except ValueError as exc:
            errors["counted"] = translate(str(exc))
        if not values["reason"]:
            errors["reason"] = translate(NEED_REASON)
        if not errors:
            try:
                async with db.shop_scope(shop.id):
                    await adjust(shop.id, variant_id, counted, reason=values["reason"],
                                 actor=_actor(request))
                return Redirect(f"/console/inventory/{variant_id}?saved=adjusted",
                                status_code=303)
            except Conflict:
                errors["counted"] = translate(COUNT_CONFLICT)
            except DomainError as exc:
                errors["counted"] = exc.detail
        return await self._variant_page(request, shop, runtime, variant_id, status_code=422,
                                        forms={"adjust": {"values": values, "errors": errors}})

    @get("/alerts", name="console:inventory-alerts")
    async def alerts(self, request: Request, shop: Shop, runtime: Runtime,
                     days: int = 30) -> Response:
        days = min(max(days, 0), 3650)
        today = dt.date.today()
        async with db.shop_scope(shop.id):
            low = await low_stock(shop.id)
            lots = await expiring_lots(shop.id, days)
        for row in low:
            row["available"] = row["on_hand"] - row["reserved"]
        for lot in lots:
            lot["days_left"] = (lot["expires_on"] - today).days
        return await console_page(request, runtime, "console/inventory_alerts.html",
                                  "inventory", low=low, lots=lots, days=days)


inventory_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[InventoryPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["inventory_console_router"]

"""A picker's scan, checked against the pick list: the one place that says yes or no.

A scan is a barcode (or a SKU typed by hand) and, optionally, the lot code printed on the
carton. A case barcode counts its units. It is refused, changing nothing, when:
- the code is no product of the shop (`unknown_barcode`);
- the product is not on the list, or not in the order being picked (`wrong_product`);
- every unit of it is picked already, or a case holds more than is left (`too_many`);
- the lot has expired, by the shop's date (`expired_lot`), or is another lot than the one
  planned first-expiry-first-out (`wrong_lot`).
In wave mode (播种) an accepted scan says which order's basket the units go into.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Barcode, Variant
from galleria.kernel.errors import Conflict, NotFound, ValidationFailed
from galleria.kernel.fulfilment.picking import line_view
from galleria.kernel.fulfilment.picking_tables import PickLine, PickList
from galleria.kernel.inventory.tables import Lot
from galleria.kernel.orders import states

# Lines of orders cancelled or refunded since the list was made are not picked any more.
LIVE = PickLine.order.status.not_in([states.CANCELLED, states.REFUNDING, states.REFUNDED])


class ScanRefused(ValidationFailed):
    """A scan that does not fit the list. `code` names the reason (see the module's doc);
    `extra` carries what the screen shows (sku, lot to take, units left)."""

    code, title = "scan_refused", "Scan refused"

    def __init__(self, reason: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, reason=reason, **extra)
        self.reason = reason


async def _identify(tenant_id: int, code: str) -> tuple[int, int]:
    """(variant id, units) of a scanned code: a barcode, else a SKU (one unit)."""
    row = await Barcode.select(Barcode.variant, Barcode.units).where(
        (Barcode.tenant == tenant_id) & (Barcode.code == code)).first()
    if row is not None:
        return row["variant"], row["units"]
    row = await Variant.select(Variant.id).where(
        (Variant.tenant == tenant_id) & (Variant.sku == code)
        & (Variant.status != "deleted")).first()
    if row is None:
        raise ScanRefused("unknown_barcode", f"No product in this shop has barcode {code}",
                          scanned=code)
    return row["id"], 1


def _choose(lines: list[dict[str, Any]], units: int, lot_id: int | None,
            order_number: str | None) -> list[dict[str, Any]]:
    """The open lines of one order that take `units` (in route order), or refuse."""
    open_lines = [line for line in lines if line["picked"] < line["quantity"]]
    if lot_id is not None:
        open_lines = [line for line in open_lines if line["lot"] == lot_id]
    by_order: dict[str, list[dict[str, Any]]] = {}
    for line in open_lines:
        by_order.setdefault(line["order_number"], []).append(line)
    for number, group in by_order.items():
        if order_number and number != order_number:
            continue
        if sum(line["quantity"] - line["picked"] for line in group) >= units:
            return group
    left = sum(line["quantity"] - line["picked"] for line in open_lines
               if not order_number or line["order_number"] == order_number)
    raise ScanRefused("too_many", f"{units} scanned, only {left} left to pick", left=left,
                      units=units)


async def scan(tenant_id: int, list_id: int, code: str, *, order_number: str | None = None,
               lot_code: str = "", today: dt.date | None = None) -> dict[str, Any]:
    """Check one scan and, when it fits, count it. Returns what was counted, for which
    order, and how far the order and the list have come. Raises ScanRefused otherwise."""
    code, lot_code = str(code or "").strip()[:64], str(lot_code or "").strip()[:64]
    if not code:
        raise ScanRefused("unknown_barcode", "Scan a barcode", scanned="")
    today = today or dt.date.today()
    async with db.shop_scope(tenant_id):
        pick_list = await PickList.select().where(
            (PickList.tenant == tenant_id) & (PickList.id == list_id)).first()
        if pick_list is None:
            raise NotFound(f"No pick list {list_id} in this shop")
        if pick_list["mode"] == "order" and not order_number:
            raise ValidationFailed("Say which order is being picked")
        variant_id, units = await _identify(tenant_id, code)
        lines = await PickLine.select().where(
            (PickLine.tenant == tenant_id) & (PickLine.pick_list == list_id)
            & (PickLine.variant == variant_id) & LIVE).order_by(PickLine.position)
        if order_number:
            lines = [line for line in lines if line["order_number"] == order_number]
        if not lines:
            sku = (await Variant.select(Variant.sku).where(
                (Variant.tenant == tenant_id) & (Variant.id == variant_id)).first() or {})
            raise ScanRefused("wrong_product", f"{sku.get('sku', code)} is not in "
                              f"{'order ' + order_number if order_number else 'this list'}",
                              scanned=code, sku=sku.get("sku", ""))
        lot_id = await _check_lot(tenant_id, variant_id, lot_code, lines, today)
        group = _choose(lines, units, lot_id, order_number)
        counted = await _count(tenant_id, group, units)
        remaining = await PickLine.select(PickLine.order_number, PickLine.quantity,
                                          PickLine.picked).where(
            (PickLine.tenant == tenant_id) & (PickLine.pick_list == list_id) & LIVE)
        number = group[0]["order_number"]
        order_left = sum(r["quantity"] - r["picked"] for r in remaining
                         if r["order_number"] == number)
        list_left = sum(r["quantity"] - r["picked"] for r in remaining)
        if list_left == 0:
            await PickList.update({PickList.status: "picked",
                                   PickList.picked_at: dt.datetime.now(dt.UTC)}).where(
                (PickList.tenant == tenant_id) & (PickList.id == list_id)
                & (PickList.status == "open"))
        return {"accepted": True, "order_number": number, "sku": group[0]["sku"],
                "name": group[0]["name"], "units": units, "lines": counted,
                "order_left": order_left, "order_complete": order_left == 0,
                "list_left": list_left, "list_complete": list_left == 0}


async def _check_lot(tenant_id: int, variant_id: int, lot_code: str,
                     lines: list[dict[str, Any]], today: dt.date) -> int | None:
    """The lot the scan counts against (None: any planned line), or refuse it."""
    if not lot_code:
        open_lines = [line for line in lines if line["picked"] < line["quantity"]]
        if open_lines and all(line["expires_on"] is not None and line["expires_on"] < today
                              for line in open_lines):
            first = open_lines[0]
            raise ScanRefused("expired_lot", f"Lot {first['lot_code']} expired on "
                              f"{first['expires_on'].isoformat()}: do not pick it",
                              lot_code=first["lot_code"],
                              expires_on=first["expires_on"].isoformat())
        return None
    lot = await Lot.select(Lot.id, Lot.expires_on).where(
        (Lot.tenant == tenant_id) & (Lot.variant == variant_id) & (Lot.code == lot_code)
    ).order_by(Lot.id).first()
    if lot is not None and lot["expires_on"] is not None and lot["expires_on"] < today:
        raise ScanRefused("expired_lot", f"Lot {lot_code} expired on "
                          f"{lot['expires_on'].isoformat()}: do not pick it",
                          lot_code=lot_code, expires_on=lot["expires_on"].isoformat())
    planned = [line["lot_code"] for line in lines
               if line["picked"] < line["quantity"] and line["lot"] is not None]
    if lot is None or not any(line["lot"] == lot["id"] for line in lines):
        raise ScanRefused("wrong_lot", f"Take lot {planned[0] if planned else '—'}, "
                          f"not {lot_code}", lot_code=lot_code,
                          take=planned[0] if planned else "")
    return lot["id"]


async def _count(tenant_id: int, group: list[dict[str, Any]], units: int) -> list[dict]:
    """Add `units` to the group's lines in route order, each with a conditional update so
    two scanners never count past a line's quantity."""
    counted, left = [], units
    for line in group:
        take = min(left, line["quantity"] - line["picked"])
        if take <= 0:
            continue
        rows = await PickLine.raw(
            "UPDATE pick_line SET picked = picked + {} WHERE tenant = {} AND id = {} "
            "AND picked + {} <= quantity RETURNING *", take, tenant_id, line["id"], take)
        if not rows:
            raise Conflict("Someone else picked this meanwhile; scan again")
        counted.append(line_view(rows[0]))
        left -= take
        if left == 0:
            break
    return counted


__all__ = ["ScanRefused", "scan"]

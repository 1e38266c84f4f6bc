"""Checking and packing: a quality check before sealing, box presets and the suggested box,
and packing an order into one or more parcels that each become a shipment.

An order picked through a pick list is packed only once every unit is picked, and only
after a passed quality check (质检): who checked, what they noted, photos when something is
wrong. Each parcel goes through `service.ship`, so the shipping method books its waybill as
when shipping by hand; the stock leaves from the picked lots when the order ships.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.images import check_photos, photo_view
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.fulfilment import service as fulfilment
from galleria.kernel.fulfilment.picking_tables import BoxPreset, PickLine, QualityCheck
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.tables import OrderLine
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import Tenant

MAX_PARCELS = 20
THANK_YOU_CARD = "thank_you_card"  # the shop setting printed with the packing slip


class NotPicked(Conflict):
    code, title = "not_picked", "Not picked yet"


class QualityCheckNeeded(Conflict):
    code, title = "quality_check_needed", "Quality check needed"


async def check_quality(tenant_id: int, number: str, *, passed: bool, notes: str = "",
                        photos: list[str] | None = None, actor: str) -> dict[str, Any]:
    """Record a quality check of the order's goods. A failed one needs notes saying what is
    wrong (photos: keys answered by `catalog.images.store_photo(…, "checks", …)`); the
    order cannot be packed until a check passes."""
    notes = (notes or "").strip()[:1000]
    photos = check_photos(tenant_id, "checks", photos)
    if not passed and not notes:
        raise ValidationFailed("Say what is wrong", errors=[FieldError("notes", "required")])
    async with db.shop_scope(tenant_id):
        order = await orders.get_order(tenant_id, number)
        row = (await QualityCheck.insert(QualityCheck(
            tenant=tenant_id, order=order["id"], passed=bool(passed), notes=notes,
            photos=json.dumps(photos),
            checked_by=actor[:120])).returning(*QualityCheck.all_columns()))[0]
        await orders.record_timeline(tenant_id, order["id"], order["status"], order["status"],
                                     actor, "quality check passed" if passed
                                     else f"quality check failed: {notes}")
        return check_view(row)


def check_view(row: dict[str, Any]) -> dict[str, Any]:
    photos = row["photos"]
    return {"id": row["id"], "passed": row["passed"], "notes": row["notes"],
            "photos": [photo_view(str(key)) for key in
                       (json.loads(photos) if isinstance(photos, str) else photos) or []],
            "checked_by": row["checked_by"],
            "checked_at": row["checked_at"].isoformat() if row["checked_at"] else None}


async def latest_check(tenant_id: int, order_id: int) -> dict[str, Any] | None:
    row = await QualityCheck.select().where(
        (QualityCheck.tenant == tenant_id) & (QualityCheck.order == order_id)).order_by(
        QualityCheck.id, ascending=False).first()
    return check_view(row) if row else None


async def save_box_preset(tenant_id: int, *, name: str, length_mm: int, width_mm: int,
                          height_mm: int, max_weight_grams: int) -> dict[str, Any]:
    """Add a box (or change the one with this name)."""
    name = (name or "").strip()[:40]
    problems = [] if name else [FieldError("name", "required")]
    for field, value in (("length_mm", length_mm), ("width_mm", width_mm),
                         ("height_mm", height_mm), ("max_weight_grams", max_weight_grams)):
        if type(value) is not int or not 0 < value <= 10_000_000:
            problems.append(FieldError(field, "a whole number above 0"))
    if problems:
        raise ValidationFailed("This box cannot be saved", errors=problems)
    values = {"length_mm": length_mm, "width_mm": width_mm, "height_mm": height_mm,
              "max_weight_grams": max_weight_grams}
    async with db.shop_scope(tenant_id):
        updated = await BoxPreset.update({getattr(BoxPreset, k): v for k, v in values.items()}
                                         ).where((BoxPreset.tenant == tenant_id)
                                                 & (BoxPreset.name == name)).returning(
            BoxPreset.id)
        if not updated:
            await BoxPreset.insert(BoxPreset(tenant=tenant_id, name=name, **values))
    return {"name": name, **values}


async def set_thank_you_card(tenant_id: int, text: str) -> str:
    """The shop's thank-you card (感谢卡), printed with every packing slip ("" for none)."""
    text = (text or "").strip()[:300]
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = (row or {}).get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    await Tenant.update({Tenant.settings: {**settings, THANK_YOU_CARD: text}}).where(
        Tenant.id == tenant_id)
    return text


async def box_presets(tenant_id: int) -> list[dict[str, Any]]:
    """The shop's boxes, smallest first."""
    async with db.shop_scope(tenant_id):
        rows = await BoxPreset.select().where(BoxPreset.tenant == tenant_id)
    rows.sort(key=lambda r: (r["length_mm"] * r["width_mm"] * r["height_mm"], r["name"]))
    return [{"name": r["name"], "length_mm": r["length_mm"], "width_mm": r["width_mm"],
             "height_mm": r["height_mm"], "max_weight_grams": r["max_weight_grams"]}
            for r in rows]


async def order_weight(tenant_id: int, order_id: int) -> int:
    """The goods' weight in grams, from the catalog's unit weights."""
    lines = await OrderLine.select(OrderLine.variant, OrderLine.quantity).where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == order_id))
    weights = {r["id"]: r["weight_grams"] or 0 for r in await Variant.select(
        Variant.id, Variant.weight_grams).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in([x["variant"] for x in lines] or [0]))}
    return sum(weights.get(x["variant"], 0) * x["quantity"] for x in lines)


async def packing_plan(tenant_id: int, number: str) -> dict[str, Any]:
    """What the packing screen needs: the goods' weight, the suggested box (the smallest
    that carries it; the catalog keeps no item sizes, so weight decides), the latest quality
    check and whether picking is done."""
    presets = await box_presets(tenant_id)
    async with db.shop_scope(tenant_id):
        order = await orders.get_order(tenant_id, number)
        weight = await order_weight(tenant_id, order["id"])
        check = await latest_check(tenant_id, order["id"])
        left = await _left_to_pick(tenant_id, order["id"])
    box = next((b for b in presets if b["max_weight_grams"] >= weight), None)
    return {"number": number, "weight_grams": weight, "suggested_box": box,
            "boxes": presets, "quality_check": check, "left_to_pick": left}


async def _left_to_pick(tenant_id: int, order_id: int) -> int:
    lines = await PickLine.select(PickLine.quantity, PickLine.picked).where(
        (PickLine.tenant == tenant_id) & (PickLine.order == order_id))
    return sum(line["quantity"] - line["picked"] for line in lines)


def _check_parcels(parcels: list[dict[str, Any]]) -> None:
    if not parcels or len(parcels) > MAX_PARCELS:
        raise ValidationFailed("Pack into 1 to 20 parcels",
                               errors=[FieldError("packages", "1 to 20 parcels")])
    problems = []
    for i, parcel in enumerate(parcels):
        weight = parcel.get("weight_grams")
        if type(weight) is not int or not 0 < weight <= 100_000_000:
            problems.append(FieldError(f"packages[{i}].weight_grams", "grams, above 0"))
        if parcel.get("lines") is None and i != len(parcels) - 1:
            problems.append(FieldError(f"packages[{i}].lines",
                                       "only the last parcel may take the rest"))
    if problems:
        raise ValidationFailed("These parcels cannot be shipped", errors=problems)


async def pack_and_ship(shop: Shop, host: PluginHost, number: str, *,
                        packages: list[dict[str, Any]], actor: str, carrier: str = "",
                        method: str | None = None,
                        pickup_window: tuple[dt.datetime, dt.datetime] | None = None
                        ) -> list[dict[str, Any]]:
    """Pack the order into `packages` — each `{"weight_grams", "box"?, "lines"?,
    "tracking_number"?}`, the last without lines taking the rest — and ship each one.
    Refused while units are left to pick or before a passed quality check."""
    _check_parcels(packages)
    async with db.shop_scope(shop.id):
        order = await orders.get_order(shop.id, number)
        left = await _left_to_pick(shop.id, order["id"])
        check = await latest_check(shop.id, order["id"])
    if left:
        raise NotPicked(f"{left} units of order {number} are not picked yet", left=left)
    if check is None or not check["passed"]:
        raise QualityCheckNeeded(f"Order {number} needs a passed quality check before "
                                 f"packing")
    shipped = []
    for parcel in packages:
        box = str(parcel.get("box") or "")[:40]
        if box and box not in {b["name"] for b in await box_presets(shop.id)}:
            raise NotFound(f"No box preset {box} in this shop")
        shipped.append(await fulfilment.ship(
            shop, host, number, actor=actor, method=method, carrier=carrier,
            tracking_number=str(parcel.get("tracking_number") or ""),
            lines=parcel.get("lines"),
            parcel={"weight_grams": parcel["weight_grams"], "box": box},
            pickup_window=pickup_window))
    return shipped


__all__ = ["THANK_YOU_CARD", "NotPicked", "QualityCheckNeeded", "box_presets",
           "check_quality", "latest_check", "pack_and_ship", "packing_plan",
           "save_box_preset", "set_thank_you_card"]

"""Stock transfers between two locations of a shop (调拨).

    draft ──ship──▶ in_transit ──receive──▶ received
      └──cancel──▶ cancelled ◀──cancel──┘  (the units go back to the source)

Shipping takes the units off the source's stock (`transfer_out` ledger rows, only from
what is available there, lots first-expiry-first-out); receiving puts them on the
destination's (`transfer_in`). In between they are on hand at neither, so neither sells
them. Each step claims the transfer with a conditional update of its state, so a transfer
is shipped or received once however often the request comes. Call inside a shop scope
(one transaction): a line short at the source rolls the whole shipping back.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import Conflict, FieldError, NotFound, Problems
from galleria.kernel.inventory import service as inventory
from galleria.kernel.inventory.locations import require_location
from galleria.kernel.inventory.tables import StockTransfer

DRAFT, IN_TRANSIT, RECEIVED, CANCELLED = "draft", "in_transit", "received", "cancelled"
STATES = (DRAFT, IN_TRANSIT, RECEIVED, CANCELLED)
MAX_LINES = 200


class TransferStateConflict(Conflict):
    code, title = "transfer_state", "The transfer is not in a state for this"


def reference(transfer_id: int) -> str:
    """How the ledger names a transfer."""
    return f"transfer #{transfer_id}"


def view(row: dict[str, Any]) -> dict[str, Any]:
    lines = row["lines"]
    if isinstance(lines, str):
        lines = json.loads(lines or "[]")
    return {"id": row["id"], "source": row["source"], "destination": row["destination"],
            "state": row["state"], "lines": lines, "note": row["note"],
            "created_by": row["created_by"], "created_at": row["created_at"],
            "shipped_at": row["shipped_at"], "received_at": row["received_at"],
            "cancelled_at": row["cancelled_at"]}


async def create_transfer(tenant_id: int, *, source: str, destination: str,
                          lines: Any, note: str = "", actor: str = "system") -> dict[str, Any]:
    """A draft transfer of `lines` ([{"variant_id", "quantity"}]) from `source` to
    `destination`, two locations of the shop."""
    problems = Problems()
    if source == destination:
        problems.add("destination", "another location than the source")
    checked = _check_lines(lines, problems)
    problems.raise_if_any("The transfer is invalid")
    for field_name, code in (("source", source), ("destination", destination)):
        try:
            await require_location(tenant_id, code)
        except NotFound as exc:
            raise NotFound(str(exc), errors=[FieldError(field_name, "no such location")]
                           ) from exc
    ids = sorted({line["variant_id"] for line in checked})
    known = {row["id"] for row in await Variant.select(Variant.id).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in(ids))}
    unknown = [v for v in ids if v not in known]
    if unknown:
        raise NotFound("No such variants in this shop: " + ", ".join(map(str, unknown)))
    row = (await StockTransfer.insert(StockTransfer(
        tenant=tenant_id, source=source, destination=destination, state=DRAFT,
        lines=checked, note=note.strip()[:200], created_by=actor[:120],
    )).returning(StockTransfer.id))[0]
    return await get_transfer(tenant_id, row["id"])


def _check_lines(lines: Any, problems: Problems) -> list[dict[str, int]]:
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        problems.add("lines", f"1 to {MAX_LINES} lines of variant_id and quantity")
        return []
    merged: dict[int, int] = {}
    for i, line in enumerate(lines):
        variant = line.get("variant_id") if isinstance(line, dict) else None
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if type(variant) is not int or variant <= 0:
            problems.add(f"lines[{i}].variant_id", "a variant id")
        elif type(quantity) is not int or not 1 <= quantity <= 1_000_000:
            problems.add(f"lines[{i}].quantity", "a whole number from 1 to 1000000")
        else:
            merged[variant] = merged.get(variant, 0) + quantity
    return [{"variant_id": v, "quantity": q} for v, q in sorted(merged.items())]


async def get_transfer(tenant_id: int, transfer_id: int) -> dict[str, Any]:
    row = await StockTransfer.select().where(
        (StockTransfer.tenant == tenant_id) & (StockTransfer.id == transfer_id)).first()
    if row is None:
        raise NotFound(f"No transfer {transfer_id} in this shop")
    return view(row)


async def list_transfers(tenant_id: int, *, state: str | None = None, limit: int = 50,
                         before: int | None = None) -> list[dict[str, Any]]:
    """Newest first; `before` (a transfer id) pages on."""
    query = StockTransfer.select().where(StockTransfer.tenant == tenant_id)
    if state is not None:
        query = query.where(StockTransfer.state == state)
    if before is not None:
        query = query.where(StockTransfer.id < before)
    rows = await query.order_by(StockTransfer.id, ascending=False).limit(limit)
    return [view(row) for row in rows]


async def _claim(tenant_id: int, transfer_id: int, expected: tuple[str, ...], to: str,
                 stamp: Any) -> dict[str, Any]:
    """Move the transfer from one of `expected` to `to`; returns it as it was."""
    before = await get_transfer(tenant_id, transfer_id)
    if before["state"] not in expected:
        raise TransferStateConflict(
            f"Transfer {transfer_id} is {before['state']}; it must be "
            + " or ".join(expected), state=before["state"])
    claimed = await StockTransfer.update({StockTransfer.state: to,
                                          stamp: dt.datetime.now(dt.UTC)}).where(
        (StockTransfer.tenant == tenant_id) & (StockTransfer.id == transfer_id)
        & (StockTransfer.state == before["state"])).returning(StockTransfer.id)
    if not claimed:
        raise TransferStateConflict(f"Transfer {transfer_id} changed meanwhile; look again")
    return before


async def ship_transfer(tenant_id: int, transfer_id: int, *,
                        actor: str = "system") -> dict[str, Any]:
    """draft → in_transit: the units leave the source (OutOfStock if it has fewer
    available than a line asks; nothing moves then)."""
    transfer = await _claim(tenant_id, transfer_id, (DRAFT,), IN_TRANSIT,
                            StockTransfer.shipped_at)
    for line in transfer["lines"]:
        await inventory.send_away(tenant_id, line["variant_id"], line["quantity"],
                                  location=transfer["source"],
                                  reference=reference(transfer_id), actor=actor)
    return await get_transfer(tenant_id, transfer_id)


async def receive_transfer(tenant_id: int, transfer_id: int, *,
                           actor: str = "system") -> dict[str, Any]:
    """in_transit → received: the units arrive at the destination."""
    transfer = await _claim(tenant_id, transfer_id, (IN_TRANSIT,), RECEIVED,
                            StockTransfer.received_at)
    for line in transfer["lines"]:
        await inventory.take_in(tenant_id, line["variant_id"], line["quantity"],
                                location=transfer["destination"],
                                reference=reference(transfer_id), actor=actor)
    return await get_transfer(tenant_id, transfer_id)


async def cancel_transfer(tenant_id: int, transfer_id: int, *,
                          actor: str = "system") -> dict[str, Any]:
    """draft or in_transit → cancelled; units on the way go back to the source."""
    transfer = await _claim(tenant_id, transfer_id, (DRAFT, IN_TRANSIT), CANCELLED,
                            StockTransfer.cancelled_at)
    if transfer["state"] == IN_TRANSIT:
        for line in transfer["lines"]:
            await inventory.take_in(tenant_id, line["variant_id"], line["quantity"],
                                    location=transfer["source"], kind="transfer_back",
                                    reference=reference(transfer_id), actor=actor)
    return await get_transfer(tenant_id, transfer_id)


STEPS = {"ship": ship_transfer, "receive": receive_transfer, "cancel": cancel_transfer}


async def take_step(tenant_id: int, transfer_id: int, step: str, *,
                    actor: str = "system") -> dict[str, Any]:
    """Take one of STEPS (ship, receive, cancel) on the transfer; NotFound for another."""
    work = STEPS.get(step)
    if work is None:
        raise NotFound(f"No step {step!r}; a transfer is shipped, received or cancelled")
    return await work(tenant_id, transfer_id, actor=actor)


__all__ = ["CANCELLED", "DRAFT", "IN_TRANSIT", "RECEIVED", "STATES", "STEPS",
           "TransferStateConflict", "cancel_transfer", "create_transfer", "get_transfer",
           "list_transfers", "receive_transfer", "ship_transfer", "take_step"]

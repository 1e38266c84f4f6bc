"""Which lots an order's units were picked from: reads only, so the orders service (which
moves stock when an order ships) can import it without a cycle."""

from __future__ import annotations

from galleria.kernel.fulfilment.picking_tables import PickLine


async def picked_lots(tenant_id: int,
                      order_id: int) -> dict[int, list[tuple[int | None, int]]]:
    """{variant: [(lot id, units picked from it)]} for an order, in route order: where its
    stock leaves on-hand from when it ships. A lot id None is units kept outside lots, so
    that shipping them does not take a lot another order was planned on. Call inside the
    shop's scope."""
    rows = await PickLine.select(PickLine.variant, PickLine.lot, PickLine.picked).where(
        (PickLine.tenant == tenant_id) & (PickLine.order == order_id)
        & (PickLine.picked > 0)).order_by(PickLine.position)
    out: dict[int, list[tuple[int | None, int]]] = {}
    for row in rows:
        out.setdefault(row["variant"], []).append((row["lot"], row["picked"]))
    return out


__all__ = ["picked_lots"]

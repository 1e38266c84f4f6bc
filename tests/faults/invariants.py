"""What must hold after any fault, checked against the database itself."""

from __future__ import annotations

import itertools
from collections import defaultdict

from galleria.kernel import db
from galleria.kernel.catalog.tables import StockLevel
from galleria.kernel.events_tables import OutboxDelivery, OutboxEvent
from galleria.kernel.inventory.tables import StockMovement
from galleria.kernel.notifications.tables import WebhookDelivery
from galleria.kernel.orders.tables import Order, OrderLine, TimelineEntry

# Delayed work that is not due yet while a test runs (the unpaid-order timeout).
DELAYED = ("job.cancel_unpaid_order", "job.complete_delivered_order")


async def check_shop(tenant_id: int) -> list[str]:
    """Every broken rule of one shop, as sentences (empty when all hold):

    - stock on hand and reserved agree with the ledger, and reserved with the orders
      still holding stock;
    - no order without lines or without a timeline;
    - every outbox event finished (but delayed work not due yet), no claim left running,
      one webhook delivery per endpoint and event, each of them succeeded.
    """
    problems: list[str] = []
    async with db.shop_scope(tenant_id):
        levels = await StockLevel.select().where(StockLevel.tenant == tenant_id)
        ledger = await StockMovement.select().where(StockMovement.tenant == tenant_id)
        orders = await Order.select(Order.id, Order.number, Order.stock_status).where(
            Order.tenant == tenant_id)
        lines = await OrderLine.select(OrderLine.order, OrderLine.variant,
                                       OrderLine.quantity).where(OrderLine.tenant == tenant_id)
        timeline = {r["order"] for r in await TimelineEntry.select(TimelineEntry.order).where(
            TimelineEntry.tenant == tenant_id)}
        hooks = await WebhookDelivery.select(
            WebhookDelivery.endpoint, WebhookDelivery.event_id, WebhookDelivery.status).where(
            WebhookDelivery.tenant == tenant_id)
    moves = defaultdict(list)
    for move in sorted(ledger, key=lambda m: m["id"]):
        moves[move["variant"]].append(move)
    holding = {o["id"] for o in orders if o["stock_status"] == "reserved"}
    ordered = defaultdict(int)
    for line in lines:
        if line["order"] in holding:
            ordered[line["variant"]] += line["quantity"]
    for level in levels:
        variant = level["variant"]
        problems += _ledger_problems(variant, moves[variant], level)
        if level["reserved"] != ordered[variant]:
            problems.append(f"variant {variant}: {level['reserved']} reserved but orders "
                            f"hold {ordered[variant]}")
    with_lines = {line["order"] for line in lines}
    for order in orders:
        if order["id"] not in with_lines:
            problems.append(f"order {order['number']} has no lines")
        if order["id"] not in timeline:
            problems.append(f"order {order['number']} has no timeline")
    pairs = [(h["endpoint"], h["event_id"]) for h in hooks]
    if len(pairs) != len(set(pairs)):
        problems.append("an event was queued twice for one webhook endpoint")
    problems += [f"webhook {h['event_id']} to endpoint {h['endpoint']} is {h['status']}"
                 for h in hooks if h["status"] != "succeeded"]
    problems += await outbox_problems(tenant_id)
    return problems


def _ledger_problems(variant: int, moves: list[dict], level: dict) -> list[str]:
    """Each movement continues the one before it, and the last ends where stock is.
    (Stock a product was created with comes before the ledger: the first movement's
    starting point is taken as given.)"""
    problems = []
    for before, after in itertools.pairwise(moves):
        if (after["on_hand_after"] - after["on_hand_change"],
                after["reserved_after"] - after["reserved_change"]) != (
                before["on_hand_after"], before["reserved_after"]):
            problems.append(f"variant {variant}: ledger movement {after['id']} does not "
                            f"follow movement {before['id']}")
    if moves and (moves[-1]["on_hand_after"], moves[-1]["reserved_after"]) != (
            level["on_hand"], level["reserved"]):
        problems.append(f"variant {variant}: stock {level['on_hand']}/{level['reserved']} "
                        f"but the ledger ends at {moves[-1]['on_hand_after']}/"
                        f"{moves[-1]['reserved_after']}")
    if not moves and level["reserved"]:
        problems.append(f"variant {variant}: {level['reserved']} reserved without a ledger")
    return problems


async def outbox_settled(tenant_id: int) -> bool:
    """Whether every outbox row of the shop is done (delayed work aside)."""
    return not await outbox_problems(tenant_id)


async def outbox_problems(tenant_id: int) -> list[str]:
    events = await OutboxEvent.select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.done_at,
                                      OutboxEvent.attempts).where(
        OutboxEvent.tenant == tenant_id)
    problems = [f"outbox row {e['id']} ({e['topic']}) is not done"
                for e in events if e["done_at"] is None and not (
                    e["topic"] in DELAYED and e["attempts"] == 0)]
    ids = [e["id"] for e in events]
    if ids:
        running = await OutboxDelivery.select(OutboxDelivery.event, OutboxDelivery.plugin).where(
            OutboxDelivery.event.is_in(ids) & OutboxDelivery.lease_until.is_not_null())
        problems += [f"outbox row {r['event']}: {r['plugin']} still claimed" for r in running]
    return problems


async def _main(slug: str) -> None:
    import json

    from galleria.kernel.tenancy.tables import Tenant
    from galleria.runtime import Runtime
    from galleria.settings import Settings

    runtime = Runtime.build(Settings.from_env())
    await runtime.open()
    try:
        tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]
        print(json.dumps(await check_shop(tenant), ensure_ascii=False))
    finally:
        await runtime.close()


if __name__ == "__main__":  # the checks against the database of GALLERIA_* settings
    import asyncio
    import sys

    asyncio.run(_main(sys.argv[1]))

"""The stock ledger and every lot stay consistent over random sequences of receive, order,
pick, ship, cancel and restock (a hypothesis state machine on the real database).

After every step: each level equals the sum of its ledger rows and its last row's balance;
0 <= reserved <= on_hand; no lot is negative and the lots never hold more than is on hand;
each lot holds what it received less the ship rows that name it; a shipped order's ship rows
add up to what it ordered, and a picked order ships from the lots its picker took.

The machine runs in a worker thread and hands each database call to the test's event loop
(the pool lives there); examples and steps are few, so it runs in seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from picking_helpers import add_product, tenant_of

from galleria.kernel import db
from galleria.kernel.catalog.tables import StockLevel
from galleria.kernel.fulfilment import picking, picking_scan
from galleria.kernel.fulfilment import service as fulfilment
from galleria.kernel.fulfilment.picking_tables import PickLine
from galleria.kernel.inventory import service as inventory
from galleria.kernel.inventory.tables import Lot, StockMovement
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.tables import Order, OrderLine
from galleria.kernel.tenancy.shops import get_shop_by_id

TODAY = dt.date.today()


async def _new_order(tenant_id: int, variant_id: int, sku: str, quantity: int) -> str | None:
    """An approved order of one line, its stock reserved (None when it is out of stock):
    the checkout's result, made directly so that the machine stays fast."""
    number = uuid.uuid4().hex[:12]
    async with db.shop_scope(tenant_id):
        try:
            await inventory.reserve(tenant_id, variant_id, quantity, reference=number)
        except inventory.OutOfStock:
            return None
        order = await Order.insert(Order(
            tenant=tenant_id, number=number, status="paid", currency="CNY",
            access_token_hash=number, total=quantity * 100, subtotal=quantity * 100,
            paid_at=dt.datetime.now(dt.UTC))).returning(Order.id)
        await OrderLine.insert(OrderLine(
            tenant=tenant_id, order=order[0]["id"], variant=variant_id, sku=sku, name=sku,
            unit_price=100, quantity=quantity, line_total=quantity * 100))
    await orders.transition(tenant_id, number, "approved", actor="test")
    return number


class StockMachine(RuleBasedStateMachine):
    """Orders of one variant whose stock comes in lots with expiry dates."""

    loop: asyncio.AbstractEventLoop
    host: Any
    tenant_id: int
    variant_id: int
    sku: str

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    @initialize()
    def start(self):
        self.waiting: list[str] = []  # approved, not on a pick list
        self.picking: dict[str, int] = {}  # order → its pick list
        self.picked: set[str] = set()
        self.shipped: dict[str, int] = {}  # order → quantity
        self.quantities: dict[str, int] = {}
        self.lot_seq = 0
        self.receive(8, 30)  # something to sell from the start

    @rule(units=st.integers(1, 6), days=st.integers(-3, 60))
    def receive(self, units, days):
        self.lot_seq += 1
        code = f"{self.sku}-L{self.lot_seq}"

        async def go():
            async with db.shop_scope(self.tenant_id):
                await inventory.receive(self.tenant_id, self.variant_id, units, lot_code=code,
                                        expires_on=TODAY + dt.timedelta(days=days))
        self.run(go())

    def live(self) -> set[str]:
        return (set(self.waiting) | set(self.picking)) - set(self.shipped)

    @precondition(lambda self: len(self.live()) < 3)  # a few at a time, so they get shipped
    @rule(quantity=st.integers(1, 4))
    def order(self, quantity):
        number = self.run(_new_order(self.tenant_id, self.variant_id, self.sku, quantity))
        if number:
            self.waiting.append(number)
            self.quantities[number] = quantity

    def _list_waiting(self):
        made = self.run(picking.create_pick_list(self.tenant_id, actor="test",
                                                 numbers=list(self.waiting)))
        for number in self.waiting:
            self.picking[number] = made["id"]
        self.waiting = []

    def _pick(self, number):
        for _ in range(self.quantities[number]):
            self.run(picking_scan.scan(self.tenant_id, self.picking[number], self.sku,
                                       order_number=number))
        self.picked.add(number)

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def pick(self, data):
        """Gather the waiting orders into a pick list, then pick one order of a list."""
        if self.waiting:
            self._list_waiting()
        open_orders = sorted(n for n in self.picking if n not in self.picked)
        if open_orders:
            self._pick(data.draw(st.sampled_from(open_orders)))

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def ship(self, data):
        """Ship an order, picking it first when nobody has yet (swarm testing may switch
        the other rules off: shipping alone still goes the whole way)."""
        number = data.draw(st.sampled_from(sorted(self.live())))
        if number not in self.picking:
            self._list_waiting()
        if number not in self.picked:
            self._pick(number)
        self.run(self._ship(number))
        self.shipped[number] = self.quantities[number]

    async def _ship(self, number):
        """As the merchant ships: one parcel of everything, through fulfilment (the parcel
        takes its units out of stock, from the picked lots)."""
        async with db.shop_scope(self.tenant_id):
            status = (await orders.get_order(self.tenant_id, number))["status"]
        if status == "approved":
            await orders.transition(self.tenant_id, number, "fulfilling", actor="test")
        shop = await get_shop_by_id(self.tenant_id)
        async with db.shop_scope(self.tenant_id):
            await fulfilment.ship(shop, self.host, number, actor="test", carrier="顺丰速运",
                                  tracking_number=f"SF{number}")

    @precondition(lambda self: self.live())
    @rule(data=st.data(), now=st.integers(0, 3))
    def cancel(self, data, now):
        live = sorted(self.live())
        if now:  # cancellations are rarer than the rest, so that orders get to ship
            return
        number = data.draw(st.sampled_from(live))
        self.run(orders.transition(self.tenant_id, number, "cancelled", actor="test",
                                   reason="shopper changed their mind"))
        self.waiting = [n for n in self.waiting if n != number]
        self.picking.pop(number, None)
        self.picked.discard(number)

    @rule(found=st.integers(1, 3))
    def restock(self, found):
        """A stocktake finds units outside any lot (counts only ever go up here: a count
        down would take units the lots still claim)."""
        async def go():
            async with db.shop_scope(self.tenant_id):
                level = await inventory.get_level(self.tenant_id, self.variant_id)
                await inventory.adjust(self.tenant_id, self.variant_id,
                                       level.on_hand + found, reason="盘点")
        self.run(go())

    @invariant()
    def ledger_and_lots_agree(self):
        self.run(self._check())

    async def _check(self):
        t, v = self.tenant_id, self.variant_id
        async with db.shop_scope(t):
            level = await StockLevel.select().where(
                (StockLevel.tenant == t) & (StockLevel.variant == v)).first()
            moves = await StockMovement.select().where(
                (StockMovement.tenant == t) & (StockMovement.variant == v)).order_by(
                StockMovement.id)
            lots = await Lot.select().where((Lot.tenant == t) & (Lot.variant == v))
            picks = await PickLine.select(PickLine.order_number, PickLine.lot,
                                          PickLine.picked).where(
                (PickLine.tenant == t) & (PickLine.variant == v))
        assert level["on_hand"] == sum(m["on_hand_change"] for m in moves)
        assert level["reserved"] == sum(m["reserved_change"] for m in moves)
        if moves:
            assert (moves[-1]["on_hand_after"], moves[-1]["reserved_after"]) == (
                level["on_hand"], level["reserved"])
        assert 0 <= level["reserved"] <= level["on_hand"]
        assert all(lot["quantity"] >= 0 for lot in lots)
        assert sum(lot["quantity"] for lot in lots) <= level["on_hand"]
        out_of = defaultdict(int)
        for m in moves:
            if m["kind"] == "ship" and m["lot"] is not None:
                out_of[m["lot"]] -= m["on_hand_change"]
        received = {m["lot"]: m["on_hand_change"] for m in moves if m["kind"] == "receive"}
        for lot in lots:
            assert lot["quantity"] == received[lot["id"]] - out_of[lot["id"]]
        shipped_by_order = defaultdict(int)
        lots_by_order = defaultdict(lambda: defaultdict(int))
        for m in moves:
            if m["kind"] == "ship":
                shipped_by_order[m["reference"]] -= m["on_hand_change"]
                lots_by_order[m["reference"]][m["lot"]] -= m["on_hand_change"]
        assert dict(shipped_by_order) == self.shipped
        for number in self.shipped:  # from the picker's lots (None: outside lots), exactly
            picked = defaultdict(int)
            for p in picks:
                if p["order_number"] == number:
                    picked[p["lot"]] += p["picked"]
            for lot_id, units in picked.items():
                assert lots_by_order[number][lot_id] == units


async def test_the_ledger_and_lots_stay_consistent(open_shop, runtime):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    loop = asyncio.get_running_loop()
    counter = iter(range(1, 10_000))

    class Machine(StockMachine):
        def __init__(self):
            super().__init__()
            self.loop, self.tenant_id, self.host = loop, tenant_id, runtime.host
            self.sku = f"SKU{next(counter)}"
            self.variant_id = self.run(add_product(shop, self.sku))

    Machine.TestCase.settings = settings(max_examples=10, stateful_step_count=15,
                                         deadline=None, database=None,
                                         suppress_health_check=list(HealthCheck))
    await loop.run_in_executor(None, lambda: Machine.TestCase().runTest())

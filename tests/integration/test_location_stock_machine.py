"""Stock per location stays consistent over random sequences of receiving, transfers
(shipped, received, cancelled on the way) and orders placed and cancelled (a hypothesis
state machine on the real database).

After every step, at each location: the level equals the sum of its ledger rows, and its
last row's balance; 0 <= reserved <= on_hand; what is reserved there is what the live
orders whose lines are there hold. Over the shop: on hand everywhere plus in transit is
what was received (nothing ships here, so nothing else leaves).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from picking_helpers import add_product, tenant_of

from galleria.kernel import db
from galleria.kernel.catalog.tables import StockLevel
from galleria.kernel.checkout import sourcing
from galleria.kernel.inventory import locations, transfers
from galleria.kernel.inventory import service as inventory
from galleria.kernel.inventory.tables import StockMovement
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.tables import Order, OrderLine

CODES = ("default", "xihu", "xuhui")
PLACES = (locations.Place("浙江省", "杭州市", "西湖区"),
          locations.Place("上海市", "上海市", "徐汇区"),
          locations.Place("广东省", "广州市", "天河区"))


class LocationStockMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    tenant_id: int
    variant_id: int

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    @initialize()
    def start(self):
        self.received = 0
        self.in_transit: dict[int, int] = {}  # transfer id → units on the way
        self.drafts: dict[int, int] = {}
        self.live: dict[str, tuple[str, int]] = {}  # order → (location, units)

    async def _scoped(self, work):
        async with db.shop_scope(self.tenant_id):
            return await work()

    @rule(code=st.sampled_from(CODES), units=st.integers(1, 6))
    def receive(self, code, units):
        self.run(self._scoped(lambda: inventory.receive(
            self.tenant_id, self.variant_id, units, location=code, reason="到货")))
        self.received += units

    @rule(pair=st.permutations(CODES), units=st.integers(1, 5), ship=st.booleans())
    def transfer(self, pair, units, ship):
        made = self.run(self._scoped(lambda: transfers.create_transfer(
            self.tenant_id, source=pair[0], destination=pair[1],
            lines=[{"variant_id": self.variant_id, "quantity": units}])))
        shipped = False
        if ship:
            try:  # one transaction: a line short at the source rolls the shipping back
                self.run(self._scoped(lambda: transfers.ship_transfer(self.tenant_id,
                                                                      made["id"])))
                shipped = True
            except inventory.OutOfStock:
                pass
        (self.in_transit if shipped else self.drafts)[made["id"]] = units

    @precondition(lambda self: self.in_transit)
    @rule(data=st.data())
    def arrive(self, data):
        transfer_id = data.draw(st.sampled_from(sorted(self.in_transit)))
        self.run(self._scoped(lambda: transfers.receive_transfer(self.tenant_id, transfer_id)))
        del self.in_transit[transfer_id]

    @precondition(lambda self: self.in_transit or self.drafts)
    @rule(data=st.data())
    def cancel_transfer(self, data):
        transfer_id = data.draw(st.sampled_from(sorted({*self.in_transit, *self.drafts})))
        self.run(self._scoped(lambda: transfers.cancel_transfer(self.tenant_id, transfer_id)))
        self.in_transit.pop(transfer_id, None)
        self.drafts.pop(transfer_id, None)

    @rule(place=st.sampled_from(PLACES), units=st.integers(1, 4))
    def order(self, place, units):
        number = uuid.uuid4().hex[:12]

        async def go():
            async with db.shop_scope(self.tenant_id):
                order = await Order.insert(Order(
                    tenant=self.tenant_id, number=number, status="pending_payment",
                    currency="CNY", access_token_hash=number, total=units * 100,
                    subtotal=units * 100, created_at=dt.datetime.now(dt.UTC),
                )).returning(Order.id)
                await OrderLine.insert(OrderLine(
                    tenant=self.tenant_id, order=order[0]["id"], variant=self.variant_id,
                    sku="TEA", name="茶", unit_price=100, quantity=units,
                    line_total=units * 100))
                return await sourcing.reserve_at_locations(
                    self.tenant_id, [sourcing.Need(self.variant_id, "TEA", units)], number,
                    "test", place, split=False)
        try:
            chosen = self.run(go())
        except inventory.OutOfStock:
            return
        self.live[number] = (chosen[self.variant_id], units)

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def cancel_order(self, data):
        number = data.draw(st.sampled_from(sorted(self.live)))
        self.run(orders.transition(self.tenant_id, number, "cancelled", actor="test",
                                   reason="changed their mind"))
        del self.live[number]

    @invariant()
    def every_location_agrees_with_its_ledger(self):
        levels, moves = self.run(self._scoped(self._read))
        for code in CODES:
            level = levels.get(code, {"on_hand": 0, "reserved": 0})
            mine = [m for m in moves if m["location"] == code]
            assert level["on_hand"] == sum(m["on_hand_change"] for m in mine)
            assert level["reserved"] == sum(m["reserved_change"] for m in mine)
            if mine:
                assert (mine[-1]["on_hand_after"], mine[-1]["reserved_after"]) == (
                    level["on_hand"], level["reserved"])
            assert 0 <= level["reserved"] <= level["on_hand"]
            assert level["reserved"] == sum(u for c, u in self.live.values() if c == code)
        assert (sum(level["on_hand"] for level in levels.values())
                + sum(self.in_transit.values())) == self.received

    async def _read(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        t, v = self.tenant_id, self.variant_id
        levels = {row["location"]: row for row in await StockLevel.select().where(
            (StockLevel.tenant == t) & (StockLevel.variant == v))}
        moves = await StockMovement.select().where(
            (StockMovement.tenant == t) & (StockMovement.variant == v)).order_by(
            StockMovement.id)
        return levels, moves


async def test_stock_per_location_stays_consistent(open_shop):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    for code, place in zip(CODES[1:], PLACES, strict=False):
        made = await shop.post("/api/admin/v1/locations", json={
            "code": code, "name": code, "kind": "store",
            "address": {"province": place.province, "city": place.city,
                        "district": place.district}})
        assert made.status_code == 201, made.text
    loop = asyncio.get_running_loop()
    counter = iter(range(1, 10_000))

    class Machine(LocationStockMachine):
        def __init__(self):
            super().__init__()
            self.loop, self.tenant_id = loop, tenant_id
            self.variant_id = self.run(add_product(shop, f"TEA{next(counter)}"))

    Machine.TestCase.settings = settings(max_examples=8, stateful_step_count=15,
                                         deadline=None, database=None,
                                         suppress_health_check=list(HealthCheck))
    await loop.run_in_executor(None, lambda: Machine.TestCase().runTest())

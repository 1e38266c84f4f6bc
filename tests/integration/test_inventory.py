"""Inventory: conditional reservations under concurrency, the ledger, lots, alerts."""

import asyncio
import datetime as dt

import pytest

from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.tables import Tenant


async def _shop_with_variant(open_shop, stock=10, barcodes=()):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "牛奶 250ml", "variants": [{"sku": "MILK-250", "price": 350, "stock": stock,
                                           "barcodes": list(barcodes)}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    return tenant_id, created.json()["variants"][0]["id"]


@pytest.mark.concurrency
async def test_fifty_concurrent_reservations_against_ten_reserve_exactly_ten(open_shop):
    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=10)

    async def buy():
        try:
            async with db.shop_scope(tenant_id):
                await inventory.reserve(tenant_id, variant_id, 1, reference="race")
            return True
        except inventory.OutOfStock:
            return False

    results = await asyncio.gather(*(buy() for _ in range(50)))
    assert results.count(True) == 10
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, variant_id)
        assert (level.on_hand, level.reserved, level.available) == (10, 10, 0)
        assert len([m for m in await inventory.ledger(tenant_id, variant_id)
                    if m["kind"] == "reserve"]) == 10


async def test_out_of_stock_names_what_is_left(open_shop):
    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=2)
    async with db.shop_scope(tenant_id):
        with pytest.raises(inventory.OutOfStock) as info:
            await inventory.reserve(tenant_id, variant_id, 3)
    assert info.value.extra["available"] == 2


async def test_release_ship_and_ledger(open_shop):
    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=5)
    async with db.shop_scope(tenant_id):
        await inventory.reserve(tenant_id, variant_id, 3, reference="A1")
        await inventory.release(tenant_id, variant_id, 1, reference="A1", reason="cancelled")
        level = await inventory.ship(tenant_id, variant_id, 2, reference="A1")
        assert (level.on_hand, level.reserved) == (3, 0)
        kinds = [m["kind"] for m in await inventory.ledger(tenant_id, variant_id)]
        assert kinds == ["ship", "release", "reserve"]
        with pytest.raises(Exception, match="fewer than"):
            await inventory.release(tenant_id, variant_id, 1)


async def test_case_barcode_adds_its_units(open_shop):
    tenant_id, _ = await _shop_with_variant(open_shop, stock=0, barcodes=[
        {"code": "6901234567892", "units": 1}, {"code": "16901234567899", "units": 24}])
    async with db.shop_scope(tenant_id):
        await inventory.receive_by_barcode(tenant_id, "16901234567899")
        _, level = await inventory.receive_by_barcode(tenant_id, "6901234567892", count=3)
        assert level.on_hand == 27
        with pytest.raises(Exception, match="barcode"):
            await inventory.receive_by_barcode(tenant_id, "0000")


async def test_lots_are_picked_first_expiry_first_out(open_shop):
    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=0)
    today = dt.date.today()
    async with db.shop_scope(tenant_id):
        await inventory.receive(tenant_id, variant_id, 5, lot_code="LATE",
                                expires_on=today + dt.timedelta(days=60))
        await inventory.receive(tenant_id, variant_id, 5, lot_code="SOON",
                                expires_on=today + dt.timedelta(days=5))
        await inventory.reserve(tenant_id, variant_id, 7)
        await inventory.ship(tenant_id, variant_id, 7)
        lots = {lot["code"]: lot["quantity"] for lot in
                await inventory.expiring_lots(tenant_id, within_days=365)}
        assert lots == {"LATE": 3}  # SOON is used up first, then 2 from LATE
        assert [lot["code"] for lot in await inventory.expiring_lots(tenant_id, 30)] == []


async def test_low_stock_alert_once_per_crossing(open_shop):
    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=10)
    async with db.shop_scope(tenant_id):
        await inventory.set_safety_stock(tenant_id, variant_id, 3)
        for _ in range(9):
            await inventory.reserve(tenant_id, variant_id, 1)
        low = [row for row in await inventory.low_stock(tenant_id)]
        assert [row["variant"] for row in low] == [variant_id]
    alerts = await OutboxEvent.select().where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "stock.low"))
    assert len(alerts) == 1 and alerts[0]["payload"] is not None


async def test_stocktake_adjusts_with_a_reason(open_shop):
    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=10)
    async with db.shop_scope(tenant_id):
        await inventory.reserve(tenant_id, variant_id, 4)
        level = await inventory.adjust(tenant_id, variant_id, 8, reason="stocktake: 2 broken")
        assert (level.on_hand, level.reserved) == (8, 4)
        with pytest.raises(Exception, match="reserved"):
            await inventory.adjust(tenant_id, variant_id, 2, reason="count")
        with pytest.raises(Exception, match="reason"):
            await inventory.adjust(tenant_id, variant_id, 9, reason=" ")


async def test_near_expiry_sweep_alerts_each_lot_once(open_shop, runtime):
    from galleria.jobs.tasks import call_job
    from galleria.kernel.reactions import KERNEL_JOBS, SWEEPS

    tenant_id, variant_id = await _shop_with_variant(open_shop, stock=0)
    async with db.shop_scope(tenant_id):
        await inventory.receive(tenant_id, variant_id, 6, lot_code="L-SOON",
                                expires_on=dt.date.today() + dt.timedelta(days=10))
        await inventory.receive(tenant_id, variant_id, 6, lot_code="L-LATER",
                                expires_on=dt.date.today() + dt.timedelta(days=200))
    assert "alert_near_expiry" in dict(SWEEPS)
    await call_job(KERNEL_JOBS["alert_near_expiry"], {})
    await call_job(KERNEL_JOBS["alert_near_expiry"], {})  # a second sweep alerts nothing new
    alerts = await OutboxEvent.select(OutboxEvent.payload).where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "stock.expiring"))
    codes = [a["payload"]["lot_code"] if isinstance(a["payload"], dict) else
             __import__("json").loads(a["payload"])["lot_code"] for a in alerts]
    assert codes == ["L-SOON"]

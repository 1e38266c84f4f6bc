"""A partial shipment takes out of stock exactly the units in its parcel; the rest stays
reserved until it is shipped too (or released when the order is refunded)."""

from __future__ import annotations

from aftersales_helpers import add_products, approve, place, tenant_of

from galleria.kernel import db
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders


async def _level(tenant_id, variant_id):
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, variant_id)
        moves = await inventory.ledger(tenant_id, variant_id)
    return level, [(m["kind"], m["on_hand_change"], m["reserved_change"]) for m in moves]


async def test_shipping_two_of_three_takes_two_out_of_stock(open_shop):
    shop = await open_shop()
    tea = (await add_products(shop, ("TEA", 2800, 10)))["TEA"]
    order = await place(shop, [(tea, 3)])
    tenant_id = await tenant_of(shop)
    await approve(tenant_id, order["number"])

    first = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments", json={
        "carrier": "sf", "tracking_number": "SF1", "lines": [{"variant_id": tea,
                                                               "quantity": 2}]})
    assert first.status_code == 201, first.text
    level, moves = await _level(tenant_id, tea)
    assert (level.on_hand, level.reserved) == (8, 1)
    assert moves[0] == ("ship", -2, -2)

    rest = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments",
                           json={"carrier": "sf", "tracking_number": "SF2"})
    assert rest.status_code == 201, rest.text
    level, moves = await _level(tenant_id, tea)
    assert (level.on_hand, level.reserved) == (7, 0)
    assert moves[0] == ("ship", -1, -1)


async def test_refunding_a_partly_shipped_order_releases_only_the_unshipped_units(open_shop):
    shop = await open_shop()
    tea = (await add_products(shop, ("TEA", 2800, 10)))["TEA"]
    order = await place(shop, [(tea, 3)])
    tenant_id = await tenant_of(shop)
    await approve(tenant_id, order["number"])
    shipped = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments", json={
        "carrier": "sf", "tracking_number": "SF1", "lines": [{"variant_id": tea,
                                                               "quantity": 2}]})
    assert shipped.status_code == 201, shipped.text
    await orders.transition(tenant_id, order["number"], "refunded", actor="test")
    level, moves = await _level(tenant_id, tea)
    assert (level.on_hand, level.reserved) == (8, 0)
    assert moves[0] == ("release", 0, -1)

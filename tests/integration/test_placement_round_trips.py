"""Placing an order costs a fixed number of statements, however many lines the cart has:
the reservations of all lines are one UPDATE, their ledger rows one INSERT, the order's
lines one INSERT, the outbox rows one INSERT, and the order is not read back after it is
written. A change that brings back a statement per line (or a re-read) fails here."""

import pytest

from conftest import on_postgres
from galleria.kernel import Adjustment, PriceAdjuster, db, hookimpl
from galleria.kernel.events import emit
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.inventory import service as inventory
from galleria.kernel.inventory.tables import StockMovement
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, register_plugin

ADDRESS = {"name": "李雷", "phone": "138 0013 8000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
# Statements (BEGIN and COMMIT included) of the whole POST /api/v1/orders for a 3-line
# order in a shop without plugins: the host's shop (its id and cache token) and the placing
# transaction, nothing else (the shop's row and enabled plugins come from the process's shop
# cache; only an enabled plugin is asked to admit the buyer). Measured when the cuts of
# issue 14 landed; raise it only knowingly. (16 before the order row was written once with
# its totals and the cart's lines read with their stock in one statement.)
MOST = {"postgres": 13, "sqlite": 13}

@pytest.fixture
def statements(driver_statements):
    return driver_statements


async def _cart(shop, variants):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for variant_id in variants:
        added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                json={"variant_id": variant_id, "quantity": 2})
        assert added.status_code == 200, added.text
    return cart_id


async def _place(shop, cart_id, statements):
    statements.clear()
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return placed.json(), list(statements)


async def test_placing_an_order_costs_the_same_statements_for_one_line_or_three(
        open_shop, statements):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{n}", "price": 1000 * n, "stock": 9} for n in (1, 2, 3)]})
    assert created.status_code == 201, created.text
    variants = [v["id"] for v in created.json()["variants"]]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]

    # The shop's first order in this process reads its plugin rows once (a short scope of
    # its own, to ask only the enabled plugins to admit the buyer); then they are cached.
    cold, sent_cold = await _place(shop, await _cart(shop, variants[:1]), statements)
    one, sent_one = await _place(shop, await _cart(shop, variants[:1]), statements)
    three, sent_three = await _place(shop, await _cart(shop, variants), statements)

    assert len(sent_cold) <= len(sent_one) + 4, "\n".join(sent_cold)
    first = cold["number"]
    assert len(sent_three) == len(sent_one), "\n".join(sent_three)
    assert len(sent_three) <= MOST["postgres" if on_postgres() else "sqlite"], \
        "\n".join(sent_three)
    # What was not read back is still what a read gives: the shopper's view of the order.
    assert [(line["sku"], line["quantity"], line["line_total"]) for line in three["lines"]] \
        == [("TEA-1", 2, 2000), ("TEA-2", 2, 4000), ("TEA-3", 2, 6000)]
    assert three["total"] == 12000 and three["status"] == "pending_payment"
    assert [entry["to_status"] for entry in three["timeline"]] == ["pending_payment"]
    again = await shop.get(f"/api/v1/orders/{three['number']}", admin=False,
                           params={"access_token": three["access_token"]})
    assert again.status_code == 200, again.text
    assert again.json() == {k: v for k, v in three.items() if k != "access_token"}
    # Every line reserved, with its ledger row, in the one order each.
    async with db.shop_scope(tenant_id):
        for variant_id, reserved in zip(variants, (6, 2, 2), strict=True):
            assert (await inventory.get_level(tenant_id, variant_id)).reserved == reserved
        ledger = await StockMovement.select(StockMovement.reference).where(
            (StockMovement.tenant == tenant_id) & (StockMovement.kind == "reserve"))
    assert sorted(row["reference"] for row in ledger if row["reference"] != first) == sorted(
        [one["number"]] + [three["number"]] * 3)


async def test_adding_opens_a_line_or_adds_to_it_and_refuses_a_line_beyond_the_most(
        open_shop, monkeypatch):
    from galleria.kernel.checkout import carts

    monkeypatch.setattr(carts, "MAX_LINES", 2)
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{n}", "price": 1000, "stock": 5} for n in (1, 2, 3)]})
    first, second, third = [v["id"] for v in created.json()["variants"]]
    cart_id = await _cart(shop, [first, second, first])  # 2 each, then 2 more of the first
    beyond = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                             json={"variant_id": third, "quantity": 1})
    assert beyond.status_code == 422 and "at most 2 different items" in beyond.text
    too_many = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                               json={"variant_id": second, "quantity": 4})
    assert too_many.status_code == 409 and too_many.json()["available"] == 5
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert [(line["sku"], line["quantity"]) for line in cart["lines"]] == [
        ("TEA-1", 4), ("TEA-2", 2)]  # neither refused add changed anything


class _Writes(PriceAdjuster):
    """Writes an outbox row named after itself while placing; `fails` then sends a statement
    that fails (on PostgreSQL that aborts the transaction unless a savepoint catches it)."""

    def __init__(self, code, order, fails=False):
        self.code, self.order, self.fails = code, order, fails

    async def adjust(self, context):
        if context.placing:
            await emit(context.shop.id, f"test.{self.code}", {})
            if self.fails:
                await OutboxEvent.raw("SELECT * FROM no_such_table")
        return [Adjustment(self.code, -100, self.code)]


class _Adjusters:
    @hookimpl
    def galleria_price_adjusters(self, shop):
        return [_Writes("before", 10), _Writes("broken", 20, fails=True), _Writes("after", 30)]


async def test_a_failing_adjuster_loses_only_its_own_writes(open_shop, plugin_host):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-1", "price": 1000, "stock": 5}]})
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    cart_id = await _cart(shop, [created.json()["variants"][0]["id"]])
    with register_plugin(plugin_host, _Adjusters, "test_writing_adjusters"):
        await enable_plugin(tenant_id, plugin_host, "test_writing_adjusters")
        placed = await shop.post("/api/v1/orders", admin=False, json={
            "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
            "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    assert [a["source"] for a in placed.json()["adjustments"]] == ["before", "after"]
    assert placed.json()["total"] == 2000 - 200
    topics = {row["topic"] for row in await OutboxEvent.select(OutboxEvent.topic).where(
        OutboxEvent.tenant == tenant_id)}
    assert {"test.before", "test.after", "order.placed"} <= topics
    assert "test.broken" not in topics


async def test_reserving_several_is_all_or_none_within_the_transaction(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{n}", "price": 1000, "stock": 3} for n in (1, 2)]})
    first, second = [v["id"] for v in created.json()["variants"]]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    async with db.shop_scope(tenant_id):
        with pytest.raises(inventory.OutOfStock) as short:
            await inventory.reserve_many(tenant_id, [(first, 2, 0), (second, 2, 2)],
                                         reference="X1")
        assert short.value.extra["items"] == [
            {"variant_id": second, "requested": 2, "available": 1}]  # 3 on hand, keep 2
        # Given back at once, not only when the transaction rolls back: a multi-location
        # placing goes on to try the next location in the same transaction.
        assert (await inventory.get_level(tenant_id, first)).reserved == 0
        levels = await inventory.reserve_many(tenant_id, [(first, 2, 0), (second, 1, 2)],
                                              reference="X2")
        assert {v: (lv.on_hand, lv.reserved) for v, lv in levels.items()} == {
            first: (3, 2), second: (3, 1)}


class _Reads(PriceAdjuster):
    """Reads a row (a SELECT: nothing to undo) and gives 100 off."""

    def __init__(self, code, order):
        self.code, self.order = code, order

    async def adjust(self, context):
        await OutboxEvent.select(OutboxEvent.id).where(
            OutboxEvent.tenant == context.shop.id).first()
        return [Adjustment(self.code, -100, self.code)]


class _MixedAdjusters:
    @hookimpl
    def galleria_price_adjusters(self, shop):
        return [_Reads("read1", 10), _Writes("wrote2", 20), _Reads("read3", 30),
                _Writes("broken4", 40, fails=True), _Writes("wrote5", 50)]


async def test_adjusters_share_a_savepoint_until_one_writes(open_shop, plugin_host,
                                                            statements):
    """A savepoint is taken before the first statement of an adjuster only when the ones
    before it wrote since the last (db.RestorePoints): here 2 for 5 adjusters (it was one
    each). The failing one still loses only its own writes, the one before it its none."""
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-1", "price": 1000, "stock": 5}]})
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    cart_id = await _cart(shop, [created.json()["variants"][0]["id"]])
    with register_plugin(plugin_host, _MixedAdjusters, "test_mixed_adjusters"):
        await enable_plugin(tenant_id, plugin_host, "test_mixed_adjusters")
        statements.clear()
        preview = await shop.post("/api/v1/checkout/preview", admin=False,
                                  json={"cart_id": cart_id})
        assert preview.status_code == 200, preview.text
        assert [a["source"] for a in preview.json()["adjustments"]] == [
            "read1", "wrote2", "read3", "broken4", "wrote5"]  # nothing fails in a preview
        # Previews write nothing: one savepoint for all five.
        assert sum(s.startswith("SAVEPOINT") for s in statements) == 1, "\n".join(statements)
        placed, sent = await _place(shop, cart_id, statements)
    assert [a["source"] for a in placed["adjustments"]] == ["read1", "wrote2", "read3",
                                                            "wrote5"]
    assert placed["total"] == 2000 - 400
    assert sum(s.startswith("SAVEPOINT") for s in sent) == 2, "\n".join(sent)
    assert sum(s.startswith("ROLLBACK TO SAVEPOINT") for s in sent) == 1, "\n".join(sent)
    topics = {row["topic"] for row in await OutboxEvent.select(OutboxEvent.topic).where(
        OutboxEvent.tenant == tenant_id)}
    assert {"test.wrote2", "test.wrote5", "order.placed"} <= topics
    assert "test.broken4" not in topics


async def test_a_number_the_shop_has_is_drawn_again_before_anything_is_written(
        open_shop, monkeypatch):
    """The number is drawn with the cart's claim (the order row comes after pricing): a
    number taken already does not claim the cart, and the next one drawn is used."""
    from galleria.kernel.checkout import placement

    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-1", "price": 1000, "stock": 9}]})
    variant = created.json()["variants"][0]["id"]
    first = (await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": await _cart(shop, [variant]), "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})).json()
    drawn = iter([first["number"], first["number"], "261231000042"])
    monkeypatch.setattr(placement, "new_number", lambda shop, now: next(drawn))
    cart_id = await _cart(shop, [variant])
    second = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert second.status_code == 201, second.text
    assert second.json()["number"] == "261231000042" and second.json()["total"] == 2000
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert cart["order_number"] == "261231000042"
    again = await shop.get(f"/api/v1/orders/{first['number']}", admin=False,
                           params={"access_token": first["access_token"]})
    assert again.json()["total"] == 2000 and again.json()["lines"][0]["quantity"] == 2


def test_the_order_row_written_once_names_every_column_of_the_table():
    """Placing writes the order row with SQL written once (placement._INSERT_ORDER): a
    column added to `Order` must be added there too, or its rows would miss its default."""
    from galleria.kernel.checkout import placement
    from galleria.kernel.orders.tables import Order

    columns = {column._meta.db_column_name for column in Order._meta.columns} - {"id"}
    assert set(placement._ORDER_COLUMNS) == columns
    assert set(placement._ORDER_DEFAULTS) <= columns
    assert placement._INSERT_ORDER.count("{}") == len(placement._ORDER_COLUMNS)
    assert ", ".join(placement._ORDER_COLUMNS) in " ".join(placement._INSERT_ORDER.split())


async def test_a_preview_reads_the_cart_with_its_lines_and_stock_in_one_statement(
        open_shop, statements):
    """The checkout preview (and a look at the cart) read the cart, its lines and their
    stock in one statement (they were three); no savepoint without adjusters' statements."""
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{n}", "price": 1000 * n, "stock": 9} for n in (1, 2, 3)]})
    cart_id = await _cart(shop, [v["id"] for v in created.json()["variants"]])
    for _ in range(2):  # the first warms the shop cache
        statements.clear()
        preview = await shop.post("/api/v1/checkout/preview", admin=False,
                                  json={"cart_id": cart_id})
    assert preview.status_code == 200, preview.text
    assert preview.json()["subtotal"] == 12000
    reads = [s for s in statements if s.startswith(("SELECT", "SAVEPOINT"))
             and not s.startswith("SELECT set_config")]  # PostgreSQL's shop setting
    assert len(reads) == 2, "\n".join(statements)  # the host's shop, the cart with its lines
    statements.clear()
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert [(line["sku"], line["available"]) for line in cart["lines"]] == [
        ("TEA-1", 9), ("TEA-2", 9), ("TEA-3", 9)]


class _TakesTheNumber(PriceAdjuster):
    """While the first placing prices, writes an order under the number it drew: as a
    concurrent placing of the same shop that drew the same number and committed first."""

    code, order = "takes_the_number", 10

    def __init__(self) -> None:
        self.taken: list[str] = []

    async def adjust(self, context):
        if context.placing and not self.taken:
            self.taken.append(context.order_number)
            await Order.insert(Order(tenant=context.shop.id, number=context.order_number))
        return []


async def test_a_number_taken_while_pricing_places_again_under_a_new_number(
        open_shop, plugin_host, monkeypatch):
    """Two placings of one shop that draw the same number in the same moment: the one that
    writes its order second is placed again, whole, under a new number (not a 409)."""
    from galleria.kernel.checkout import placement

    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-1", "price": 1000, "stock": 9}]})
    variant = created.json()["variants"][0]["id"]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    taker = _TakesTheNumber()

    class _Taker:
        @hookimpl
        def galleria_price_adjusters(self, shop):
            return [taker]

    drawn = iter(["261231000001", "261231000002"])
    monkeypatch.setattr(placement, "new_number", lambda shop, now: next(drawn))
    cart_id = await _cart(shop, [variant])
    with register_plugin(plugin_host, _Taker, "test_takes_the_number"):
        await enable_plugin(tenant_id, plugin_host, "test_takes_the_number")
        placed = await shop.post("/api/v1/orders", admin=False, json={
            "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
            "payment_method": "wechat_pay"})
    assert taker.taken == ["261231000001"]
    assert placed.status_code == 201, placed.text
    assert placed.json()["number"] == "261231000002" and placed.json()["total"] == 2000
    async with db.shop_scope(tenant_id):
        numbers = {row["number"] for row in await Order.select(Order.number).where(
            Order.tenant == tenant_id)}
    assert numbers == {"261231000002"}  # the first attempt's writes went with it
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert cart["order_number"] == "261231000002"

"""Placing an order costs a fixed number of statements, however many lines the cart has:
the reservations of all lines are one UPDATE, their ledger rows one INSERT, the order's
lines one INSERT, the outbox rows one INSERT, and the order is not read back after it is
written. A change that brings back a statement per line (or a re-read) fails here."""

import pytest

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.inventory import service as inventory
from galleria.kernel.inventory.tables import StockMovement
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "李雷", "phone": "138 0013 8000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
# Statements (BEGIN and COMMIT included) of POST /api/v1/orders for a 3-line order in a shop
# without plugins, measured when the cuts of issue 14 landed; raise it only knowingly.
MOST = {"postgres": 17, "sqlite": 17}


@pytest.fixture
def statements(monkeypatch):
    """The statements the database drivers are sent (a commit call is "COMMIT"; piccolo's
    `PRAGMA foreign_keys` before each SQLite statement is not one: no round trip)."""
    sent: list[str] = []

    def counting(original):
        def wrapper(self, *args, **kwargs):
            text = " ".join(str(args[0]).split())[:200] if args else "COMMIT"
            if not text.startswith("PRAGMA foreign_keys"):
                sent.append(text)
            return original(self, *args, **kwargs)
        return wrapper

    import aiosqlite
    import asyncpg.connection

    for name in ("fetch", "execute", "fetchrow", "fetchval", "executemany"):
        monkeypatch.setattr(asyncpg.connection.Connection, name,
                            counting(getattr(asyncpg.connection.Connection, name)))
    for name in ("execute", "executemany", "commit", "rollback"):
        monkeypatch.setattr(aiosqlite.Connection, name,
                            counting(getattr(aiosqlite.Connection, name)))
    return sent


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
        {"sku": f"TEA-{n}", "price": 1000 * n, "stock": 5} for n in (1, 2, 3)]})
    assert created.status_code == 201, created.text
    variants = [v["id"] for v in created.json()["variants"]]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]

    one, sent_one = await _place(shop, await _cart(shop, variants[:1]), statements)
    three, sent_three = await _place(shop, await _cart(shop, variants), statements)

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
        for variant_id, reserved in zip(variants, (4, 2, 2), strict=True):
            assert (await inventory.get_level(tenant_id, variant_id)).reserved == reserved
        ledger = await StockMovement.select(StockMovement.reference).where(
            (StockMovement.tenant == tenant_id) & (StockMovement.kind == "reserve"))
    assert sorted(row["reference"] for row in ledger) == sorted(
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

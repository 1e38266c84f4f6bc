"""Every PostgreSQL table with a `tenant` column forces row-level security, except the
short list below; and `Idempotency-Key`s are per shop, on both databases."""

import asyncio

import pytest

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.events_tables import IdempotencyRecord
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import CustomDomain, Membership, Tenant

# Tables with a `tenant` column and no row-level security, each with its reason.
EXEMPT = {
    # The transactional outbox: the relay reads and updates every shop's events in one
    # query (and platform events carry no shop); its rows are delivered, not served.
    "outbox_event",
}

needs_postgres = pytest.mark.skipif(not on_postgres(), reason="row-level security is "
                                    "PostgreSQL's")


@needs_postgres
async def test_every_table_with_a_tenant_column_forces_row_level_security(migrated):
    rows = await Tenant.raw("""
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND EXISTS (
            SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant'
            AND NOT a.attisdropped)""")
    tables = {row["relname"]: row for row in rows}
    assert len(tables) > 40 and set(tables) >= EXEMPT
    unguarded = sorted(name for name, row in tables.items() if name not in EXEMPT and not (
        row["relrowsecurity"] and row["relforcerowsecurity"] and row["has_policy"]))
    assert unguarded == []


@needs_postgres
async def test_platform_tables_answer_host_lookups_but_keep_shops_writes_apart(open_shop):
    a, b = await open_shop(), await open_shop()
    tenant_a, tenant_b = (await get_shop(a.slug)).id, (await get_shop(b.slug)).id
    added = await a.post("/api/admin/v1/domains", json={"host": f"www.{a.slug}.cn"})
    assert added.status_code == 201, added.text
    # Before a shop is known: the host is found, and so is a signing-in user's every shop.
    assert await CustomDomain.count().where(CustomDomain.host == f"www.{a.slug}.cn") == 1
    assert await Membership.count().where(Membership.tenant.is_in([tenant_a, tenant_b])) == 2
    taken = await b.post("/api/admin/v1/domains", json={"host": f"www.{a.slug}.cn"})
    assert taken.status_code == 409  # b sees a's host: no duplicate, no 500
    async with db.shop_scope(tenant_b):  # inside b's scope, a's rows cannot be changed...
        moved = await CustomDomain.update({CustomDomain.verified: True}).where(
            CustomDomain.tenant == tenant_a).returning(CustomDomain.id)
        gone = await Membership.delete().where(Membership.tenant == tenant_a).returning(
            Membership.id)
        seen = await Membership.count()  # ...and b's members are all it sees
    assert (moved, gone, seen) == ([], [], 1)


async def test_one_key_in_two_shops_gives_two_independent_answers(open_shop):
    a, b = await open_shop(), await open_shop()
    body = {"name": "龙井", "variants": [{"sku": "TEA-1", "price": 2800, "stock": 1}]}
    key = {"Idempotency-Key": "same-key-in-both-shops"}
    first_a = await a.post("/api/admin/v1/products", json=body, headers=key)
    first_b = await b.post("/api/admin/v1/products", json=body, headers=key)
    assert (first_a.status_code, first_b.status_code) == (201, 201), first_b.text
    assert "idempotent-replayed" not in first_b.headers
    assert first_a.json()["id"] != first_b.json()["id"]
    for shop, first in ((a, first_a), (b, first_b)):
        again = await shop.post("/api/admin/v1/products", json=body, headers=key)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert len((await shop.get("/api/admin/v1/products")).json()["items"]) == 1
    for shop in (a, b):  # each shop has a record of its own (on PostgreSQL, sees only it)
        tenant_id = (await get_shop(shop.slug)).id
        async with db.shop_scope(tenant_id):
            seen = {r["tenant"] for r in await IdempotencyRecord.select(
                IdempotencyRecord.tenant).where(
                    IdempotencyRecord.key == key["Idempotency-Key"])}
        assert tenant_id in seen
        if on_postgres():
            assert seen == {tenant_id}


@pytest.mark.concurrency
async def test_one_key_sent_concurrently_in_one_shop_creates_one(open_shop):
    shop = await open_shop()
    body = {"name": "白茶", "variants": [{"sku": "WHITE-1", "price": 5000, "stock": 2}]}
    answers = await asyncio.gather(*(
        shop.post("/api/admin/v1/products", json=body, headers={"Idempotency-Key": "k1"})
        for _ in range(5)))
    # The first creates; each repeat waits on the record's unique key for the first's
    # transaction to commit, then replays its answer.
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert sum("idempotent-replayed" in a.headers for a in answers) == 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert len((await shop.get("/api/admin/v1/products")).json()["items"]) == 1

"""The connection pool hands connections back without asyncpg's session reset (one round
trip fewer per request, galleria.kernel.db.keep_session): nothing of one shop's scope may
reach the next user of the connection."""

import asyncio

import pytest

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.catalog.tables import Product
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import Tenant

needs_postgres = pytest.mark.skipif(not on_postgres(), reason="asyncpg's pool: PostgreSQL")


async def _tenant_settings(times: int) -> set:
    rows = await asyncio.gather(*(Tenant.raw(
        "SELECT current_setting('galleria.tenant', true) AS t, pg_sleep(0.01)")
        for _ in range(times)))
    return {r[0]["t"] or "" for r in rows}


@needs_postgres
async def test_no_shop_scope_outlives_its_transaction(open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "茶", "variants": [{"sku": "T-1", "price": 100, "stock": 1}]})
    assert made.status_code == 201, made.text
    tenant_id = (await get_shop(shop.slug)).id
    engine = db.database().engine
    assert engine.pool._reset is db.keep_session

    async def scoped(fail: bool) -> int:
        async with db.shop_scope(tenant_id):
            seen = await Product.count()
            if fail:
                raise RuntimeError("rolled back")
        return seen

    for fail in (False, True):  # a committed scope and one rolled back by an error
        results = await asyncio.gather(*(scoped(fail) for _ in range(12)),
                                       return_exceptions=True)
        assert all(r == 1 or isinstance(r, RuntimeError) for r in results)
        # Every connection the pool holds now: no shop's rows admitted, none visible.
        assert await _tenant_settings(12) == {""}
        assert await Product.count() == 0  # outside a scope, RLS admits no shop's rows


@needs_postgres
async def test_a_requests_scope_sets_its_shop_with_begin_and_leaves_nothing_behind(open_shop):
    """In a request (its host lookup read the shop's cache token) the scope sends BEGIN and
    the shop setting as one message: the same isolation, commits, rollbacks and savepoints."""
    from galleria.kernel.tenancy import shop_cache

    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "茶", "variants": [{"sku": "T-1", "price": 100, "stock": 1}]})
    assert made.status_code == 201, made.text
    tenant_id = (await get_shop(shop.slug)).id
    token = (await Tenant.raw("SELECT cache_token FROM tenant WHERE id = {}", tenant_id))[0][
        "cache_token"]
    engine = db.database().engine

    async def scoped(fail: bool) -> tuple[int, str]:
        with shop_cache.request_tokens():
            shop_cache.hold(tenant_id, token)
            async with db.shop_scope(tenant_id):
                assert type(engine.current_transaction.get()) is db._ShopTransaction
                seen = await Product.count()
                await Product.update({Product.name: "改过"}).where(Product.tenant == tenant_id)
                savepoint = await engine.current_transaction.get().savepoint()
                await Product.update({Product.name: "又改"}).where(Product.tenant == tenant_id)
                await savepoint.rollback_to()
                setting = (await Tenant.raw(
                    "SELECT current_setting('galleria.tenant', true) AS t"))[0]["t"]
                if fail:
                    raise RuntimeError("rolled back")
        return seen, setting

    async def name() -> str:
        async with db.shop_scope(tenant_id):
            return (await Product.select(Product.name).first())["name"]

    results = await asyncio.gather(*(scoped(True) for _ in range(6)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert await name() == "茶"  # every failed scope rolled back
    assert await _tenant_settings(12) == {""}
    results = await asyncio.gather(*(scoped(False) for _ in range(6)))
    assert results == [(1, str(tenant_id))] * 6
    assert await name() == "改过"  # committed, up to the savepoint
    assert await _tenant_settings(12) == {""}
    assert await Product.count() == 0


async def test_admissions_cart_read_scopes_itself_to_its_shop_for_one_statement(
        open_shop):
    """Admission reads a cart in one statement outside any transaction (PostgreSQL: a function
    that sets the shop's RLS scope first, migration kernel_0017): it reads the shop's own
    cart only, and its setting reaches no later user of the connection."""
    from galleria.kernel.checkout.admission import _Lookup

    shop = await open_shop()
    other = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "茶", "variants": [{"sku": "T-1", "price": 100, "stock": 5}]})
    assert made.status_code == 201, made.text
    variant = made.json()["variants"][0]["id"]
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                            json={"variant_id": variant, "quantity": 2})
    assert added.status_code in (200, 201), added.text
    mine, theirs = (await get_shop(shop.slug)).id, (await get_shop(other.slug)).id

    results = await asyncio.gather(*(_Lookup(tenant, cart).wanted()
                                     for tenant in (mine, theirs) * 6))
    assert results == [{variant: 2}, {}] * 6  # another shop's scope never finds the cart
    if on_postgres():
        assert await _tenant_settings(12) == {""}
        assert await Product.count() == 0

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

"""The per-process shop cache (issue 14): a warm request reads neither its shop's row nor the
shop's plugin rows, and a change made behind the app's back — plain SQL on a connection of
its own, as another app process, a worker, the CLI or a migration makes it — is answered by
the very next request. On both databases; the database's triggers say what is stale."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from faults.fault_kit import sql_elsewhere

from galleria.kernel import db
from galleria.kernel.tenancy import shop_cache
from galleria.kernel.tenancy.plugin_state import (
    enabled_plugins,
    plugin_settings,
    set_plugin_state,
)


@pytest.fixture
def statements(driver_statements):
    return driver_statements


async def elsewhere(settings, statement: str) -> str:
    """`statement` run and committed on a connection of its own (psql as the owner on
    PostgreSQL; the test's own connection to the file on SQLite)."""
    return await asyncio.to_thread(sql_elsewhere, settings, statement)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


async def methods(shop, host: str | None = None) -> list[str]:
    """The payment methods the shop offers now (`payments_offline` offers bank transfer
    while its setting `bank_transfer` is on)."""
    answer = await shop.get("/api/v1/payment-methods", admin=False,
                            headers={"host": host} if host else None)
    assert answer.status_code == 200, answer.text
    return [item["code"] for item in answer.json()["items"]]


async def shop_name(shop, host: str | None = None):
    answer = await shop.get("/api/v1/shop", admin=False, headers={"host": host} if host else None)
    return answer.json()["name"] if answer.status_code == 200 else answer.status_code


def reads_of_cached_rows(sent: list[str]) -> list[str]:
    """Statements that read the shop's row or its plugin rows (the host lookup's
    `SELECT id, cache_token FROM tenant WHERE slug = …` is not one: it reads the token)."""
    return [sql for sql in sent
            if "plugin_state" in sql or ("FROM tenant WHERE id" in sql and "settings" in sql)]


async def test_warm_requests_read_no_cached_rows_and_a_change_elsewhere_is_seen_next(
        open_shop, migrated, statements):
    shop = await open_shop()
    await shop.enable("payments_offline", {"cash_on_delivery": True, "bank_transfer": True,
                                           "bank_instructions": "工商银行 6222 0000"})
    tenant = (await shop.shop()).id
    assert {"cod", "bank_transfer"} <= set(await methods(shop))
    assert await shop_name(shop) == f"Shop {shop.slug}"

    statements.clear()
    assert {"cod", "bank_transfer"} <= set(await methods(shop))  # warm: from the cache
    assert await shop_name(shop) == f"Shop {shop.slug}"
    assert reads_of_cached_rows(statements) == [], "\n".join(statements)

    # A plugin's settings, changed on another connection: the next request has them.
    stored = json.loads(await elsewhere(migrated, "SELECT settings FROM plugin_state WHERE "
                                        f"tenant = {tenant} AND plugin = 'payments_offline'"))
    await elsewhere(migrated, f"UPDATE plugin_state SET settings = "
                    f"{quoted(json.dumps({**stored, 'bank_transfer': False}))} "
                    f"WHERE tenant = {tenant} AND plugin = 'payments_offline'")
    assert "bank_transfer" not in await methods(shop)
    assert "cod" in await methods(shop)
    # The shop's own row: renamed.
    await elsewhere(migrated, f"UPDATE tenant SET name = '改名的店' WHERE id = {tenant}")
    assert await shop_name(shop) == "改名的店"
    # The plugin switched off.
    await elsewhere(migrated, f"UPDATE plugin_state SET enabled = false WHERE tenant = {tenant}"
                    " AND plugin = 'payments_offline'")
    assert "cod" not in await methods(shop)
    # A custom domain connected and verified: served at once.
    domain = f"www.{shop.slug}.cn"
    assert await shop_name(shop, domain) == 404
    await elsewhere(migrated, "INSERT INTO custom_domain (tenant, host, verified, "
                    f"verification_token, created_at) VALUES ({tenant}, '{domain}', true, 'x', "
                    "CURRENT_TIMESTAMP)")
    assert await shop_name(shop, domain) == "改名的店"
    # Suspended: the next request on either host says so.
    await elsewhere(migrated, f"UPDATE tenant SET status = 'suspended' WHERE id = {tenant}")
    assert await shop_name(shop) == await shop_name(shop, domain) == 403
    await elsewhere(migrated, f"UPDATE tenant SET status = 'active' WHERE id = {tenant}")
    assert await shop_name(shop) == "改名的店"
    # Disconnected: the domain no longer serves the shop.
    await elsewhere(migrated, f"DELETE FROM custom_domain WHERE host = '{domain}'")
    assert await shop_name(shop, domain) == 404


async def test_shops_never_see_each_others_cached_rows(open_shop):
    """Two shops taking turns through a cache of one shop: each always gets its own."""
    a, b = await open_shop(), await open_shop()
    await a.enable("payments_offline", {"cash_on_delivery": True, "bank_transfer": True,
                                        "bank_instructions": "工商银行 6222 0000"})
    await b.enable("payments_offline", {"cash_on_delivery": True, "bank_transfer": False})
    sizes = shop_cache.shops.size
    shop_cache.set_size(1)
    try:
        for _ in range(3):
            assert "bank_transfer" in await methods(a)
            assert "bank_transfer" not in await methods(b) and "cod" in await methods(b)
            assert await shop_name(a) == f"Shop {a.slug}"
            assert await shop_name(b) == f"Shop {b.slug}"
        assert len(shop_cache.shops) <= 1 and len(shop_cache.plugins) <= 1
    finally:
        shop_cache.set_size(sizes)


class _Undo(Exception):
    pass


async def test_a_change_rolled_back_is_never_served(open_shop, runtime):
    """A scope that changes a plugin reads its own change (and the cache may keep it under
    the uncommitted token); when it rolls back, the next reader gets the rows as stored."""
    shop = await open_shop()
    tenant = (await shop.shop()).id
    assert "marketing" not in await enabled_plugins(tenant)
    with contextlib.suppress(_Undo):
        async with db.shop_scope(tenant):
            await set_plugin_state(tenant, runtime.host, "marketing", enabled=True,
                                   settings={"coupon_return": "never"}, actor="test")
            assert "marketing" in await enabled_plugins(tenant)
            assert (await plugin_settings(tenant, "marketing"))["coupon_return"] == "never"
            raise _Undo
    assert "marketing" not in await enabled_plugins(tenant)
    assert await plugin_settings(tenant, "marketing") == {}
    async with db.shop_scope(tenant):
        assert "marketing" not in await enabled_plugins(tenant)
    # Committed, it is seen everywhere at once: in a scope and outside one.
    async with db.shop_scope(tenant):
        await set_plugin_state(tenant, runtime.host, "marketing", enabled=True,
                               settings={"coupon_return": "never"}, actor="test")
    assert "marketing" in await enabled_plugins(tenant)
    async with db.shop_scope(tenant):
        assert "marketing" in await enabled_plugins(tenant)
        settings = await plugin_settings(tenant, "marketing")
        settings["coupon_return"] = "changed by a caller"
    assert (await plugin_settings(tenant, "marketing"))["coupon_return"] == "never"


async def test_a_plugins_secrets_are_unsealed_once_while_its_rows_stand(
        open_shop, migrated, monkeypatch):
    """Every enabled gateway reads its settings in every order, and unsealing its secrets
    was most of that: warm requests unseal them once per state of the shop's plugin rows,
    and a change made elsewhere is still seen by the next request."""
    from galleria.kernel import crypto

    shop = await open_shop()
    await shop.enable("payments_offline", {"cash_on_delivery": True})
    tenant = (await shop.shop()).id

    async def store(secrets):
        await elsewhere(migrated, f"UPDATE plugin_state SET secrets = "
                        f"{quoted(crypto.seal(secrets))} WHERE tenant = {tenant} "
                        "AND plugin = 'payments_offline'")

    await store({"api_key": "first"})
    unsealed = []
    real = crypto.unseal
    monkeypatch.setattr(crypto, "unseal", lambda *a, **k: unsealed.append(1) or real(*a, **k))
    for _ in range(3):  # each asks the gateway whether cash on delivery is available
        assert "cod" in await methods(shop)
    assert len(unsealed) == 1
    await store({"api_key": "second"})
    await elsewhere(migrated, f"UPDATE plugin_state SET settings = "
                    f"{quoted(json.dumps({'cash_on_delivery': False}))} WHERE tenant = "
                    f"{tenant} AND plugin = 'payments_offline'")
    assert "cod" not in await methods(shop)
    assert "cod" not in await methods(shop)
    assert len(unsealed) == 2


def test_what_a_caller_changes_in_its_settings_stays_its_own():
    from galleria.kernel.tenancy.plugin_state import _values

    rows = shop_cache.PluginRows(1, frozenset({"p"}), {"p": ('{"bank": "工商银行"}', "")})
    mine = _values(1, "p", rows)
    mine["bank"] = "changed"
    assert _values(1, "p", rows) == {"bank": "工商银行"}

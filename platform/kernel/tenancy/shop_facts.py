"""Plugins' facts about their own rows of a shop, kept per process (issue 14, item 5).

An enabled plugin with nothing to do for an order should cost next to nothing: no
statement. A marketing plugin with no promotion running, asked to price every cart, must
still know that it has none, and read its table to know it. `shop_fact` keeps such a small
fact ("the shop's active promotions: none", "the variants with a flash sale: {…}") in the
process with the shop's cache token (tenancy/shop_cache.py), which the database replaces
whenever the rows the fact is drawn from change: the plugin's migration adds triggers to
its table that replace the token as `plugin_state`'s do (on PostgreSQL
`EXECUTE FUNCTION galleria_shop_rows_changed()`; on SQLite `UPDATE tenant SET cache_token
= random() WHERE id = NEW.tenant`, and `OLD.tenant` on update and delete), leaving out
counters written per order (`UPDATE OF` the other columns) so that orders do not churn
the cache.

Exact, not "fresh within a second": a fact is kept only when the shop's token read after
`load` is the token the request or scope knew before it (so no change, committed
elsewhere or made in this very transaction, came between); tokens never come back. A fact
should say whether there is anything to do, and the plugin then reads what it needs as
before: a conservative fact (a sale that has ended since still listed) only costs that read.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from galleria.kernel import db
from galleria.kernel.tenancy import shop_cache
from galleria.kernel.tenancy.tables import Tenant

T = TypeVar("T")

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_READ_STAMP = "SELECT cache_token FROM tenant WHERE id = {}"


async def shop_fact(tenant_id: int, key: str, load: Callable[[], Awaitable[T]]) -> T:
    """`await load()` (a read of the shop's rows, in its scope), or what it gave last time
    while the shop's cache token has not changed since. The value is shared between
    requests: make it immutable (a frozenset, a tuple, a bool). Outside any scope, the
    request's own shop is answered from the cache, else `load` runs in a scope of the shop;
    in another shop's scope, or when the token is not known, `load` is simply awaited."""
    memo = db.scope_memo(tenant_id)
    if memo is None:
        if db.current_tenant() is None and not db.in_transaction():
            # A request's own shop, outside any scope (admission before the order's
            # transaction): from the cache at the token its host lookup read, else in a scope.
            hit = shop_cache.facts.get((tenant_id, key), shop_cache.held_token(tenant_id))
            if hit is not None:
                return hit.value
            async with db.shop_scope(tenant_id):
                return await shop_fact(tenant_id, key, load)
        return await load()
    token = memo.get(db.SCOPE_CACHE_MARK)
    if token is None:
        token = shop_cache.held_token(tenant_id)
    if token is None:
        return await load()
    hit = shop_cache.facts.get((tenant_id, key), token)
    if hit is not None:
        return hit.value
    value = await load()
    rows = await Tenant.raw(_READ_STAMP.format(int(tenant_id)))
    if rows and rows[0]["cache_token"] == token:
        shop_cache.facts.put((tenant_id, key), shop_cache.Fact(token, value))
    return value


def shop_rows_changed(tenant_id: int) -> None:
    """This transaction changed rows a fact is drawn from: what the scope and request knew
    of the shop's token no longer holds, so no fact is served from the cache for the rest of
    it. (The database's triggers give the shop a new token on commit.)"""
    shop_cache.forget_held(tenant_id)
    memo = db.scope_memo(tenant_id)
    if memo is not None:
        memo.pop(db.SCOPE_CACHE_MARK, None)



async def watch_shop_rows(engine: Any, table: str, *, update_of: tuple[str, ...] = ()) -> None:
    """In a plugin's migration (`engine`: the owning role's): triggers that give a shop a
    new cache token whenever its rows of `table` are inserted, deleted or updated — of
    `update_of` only, when given (leave out counters written per order) — so that the
    `shop_fact`s drawn from them are read again. PostgreSQL and SQLite alike; idempotent."""
    from piccolo.engine.postgres import PostgresEngine

    for name in (table, *update_of):  # names from the plugin's own code, formatted in
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a table or column name: {name!r}")
    of = f" OF {', '.join(update_of)}" if update_of else ""
    if isinstance(engine, PostgresEngine):
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_cache_token ON {table}",
            f"""CREATE TRIGGER {table}_cache_token AFTER INSERT OR DELETE OR UPDATE{of}
                ON {table} FOR EACH ROW EXECUTE FUNCTION galleria_shop_rows_changed()""",
            f"DROP TRIGGER IF EXISTS {table}_cache_token_truncate ON {table}",
            f"""CREATE TRIGGER {table}_cache_token_truncate AFTER TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION galleria_all_shops_changed()""",
        ]
    else:
        statements = [
            f"""CREATE TRIGGER IF NOT EXISTS {table}_cache_token_insert AFTER INSERT ON {table}
                BEGIN UPDATE tenant SET cache_token = random() WHERE id = NEW.tenant; END""",  # noqa: S608
            f"""CREATE TRIGGER IF NOT EXISTS {table}_cache_token_update AFTER UPDATE{of}
                ON {table}
                BEGIN UPDATE tenant SET cache_token = random()
                      WHERE id IN (OLD.tenant, NEW.tenant); END""",  # noqa: S608
            f"""CREATE TRIGGER IF NOT EXISTS {table}_cache_token_delete AFTER DELETE ON {table}
                BEGIN UPDATE tenant SET cache_token = random() WHERE id = OLD.tenant; END""",  # noqa: S608
        ]
    for statement in statements:
        await engine.run_ddl(statement)


__all__ = ["shop_fact", "shop_rows_changed", "watch_shop_rows"]

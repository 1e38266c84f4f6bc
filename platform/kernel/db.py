"""Database engines, the shop scope and PostgreSQL row-level security.

One engine serves every table (piccolo binds tables to an engine; `connect()` binds them all).
Shop data is read and written inside `shop_scope(tenant_id)`: one transaction which, on
PostgreSQL, sets `galleria.tenant` so that the row-level security policies on every
shop-owned table admit that shop's rows only. Repository code still filters by tenant
explicitly; the policies are the second wall.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from galleria.kernel import piccolo_speed
from galleria.kernel.tenancy import shop_cache

piccolo_speed.install()  # cheaper query building with joins: see the module

log = logging.getLogger("galleria.db")
_current_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "galleria_tenant", default=None
)
# What to run around the end of the outermost shop scope's transaction:
# (after commit, after rollback, before commit).
_on_end: contextvars.ContextVar[tuple[list, list, list] | None] = contextvars.ContextVar(
    "galleria_on_end", default=None
)


# What one shop scope (one transaction) has read already and may read again for free:
# look-ups that do not change inside a unit of work unless it changes them itself (the
# shop's enabled plugins, a plugin's settings). Gone when the scope ends.
_scope_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "galleria_scope_memo", default=None
)


# The scope memo's key for the shop's cache token as the scope began (PostgreSQL: read with
# the shop setting, no round trip of its own; see tenancy.shop_cache).
SCOPE_CACHE_MARK = "shop_cache_token"


class CrossTenantScope(RuntimeError):
    """A shop scope was opened inside another shop's scope: a programming error."""


# The restore point of the code that runs under `restore_points()` (the price adjusters),
# when one is open in this context: see RestorePoints.
_restore_points: contextvars.ContextVar[RestorePoints | None] = contextvars.ContextVar(
    "galleria_restore_points", default=None
)


class RestorePoints:
    """Savepoints taken only when they are needed, for a series of steps (the price
    adjusters) each of which must be undoable on its own: a failing step loses its own
    writes and none of the steps' before it, and a failed statement (which on PostgreSQL
    aborts the transaction) is undone with them.

    A SAVEPOINT per step was a round trip per step (issue 14). Here `step()` only marks
    that a new step begins; the savepoint is taken just before the first statement a step
    sends, and only when the steps before it wrote since the last one — a step that sends
    nothing needs none, and one after steps that only read (SELECT, without FOR UPDATE/
    SHARE) shares theirs: rolling back to it undoes nothing of theirs. Every statement the
    engine runs in the transaction goes through `_before` (the engines of `make_engine`);
    anything that is not plainly a read counts as a write."""

    __slots__ = ("savepoint", "sent", "transaction", "wanted", "wrote")

    def __init__(self, transaction) -> None:
        self.transaction = transaction
        self.savepoint = None
        self.wrote = False  # written since `savepoint` was taken
        self.wanted = True  # the next statement needs a savepoint first
        self.sent = False  # the current step sent a statement

    def step(self) -> None:
        """A new step begins: what it does must be undoable without undoing the others'."""
        if self.savepoint is None or self.wrote:
            self.wanted = True
        self.sent = False

    async def undo_step(self) -> None:
        """Undo what the current step wrote (nothing to do when it sent no statement)."""
        if not self.sent or self.savepoint is None:
            return
        await self.savepoint.rollback_to()
        self.wrote = False

    async def _before(self, engine: Engine, template: str, args: Iterable) -> None:
        if engine.current_transaction.get() is not self.transaction:
            return  # not this transaction's statement
        self.sent = True
        if self.wanted:
            self.savepoint = await self.transaction.savepoint()
            self.wanted, self.wrote = False, False
        if not self.wrote and not _reads_only(template, args):
            self.wrote = True


_LOCKS = ("FOR UPDATE", "FOR SHARE", "FOR NO KEY", "FOR KEY")


def _reads_only(template: str, args: Iterable) -> bool:
    """Whether a statement plainly only reads: a SELECT taking no row locks (piccolo puts
    `lock_rows` in an argument of the outer query string). Anything else may write."""
    if template.lstrip()[:6].upper() != "SELECT":
        return False
    texts = [template] + [getattr(a, "template", "") for a in args]
    return not any(lock in text.upper() for text in texts if text for lock in _LOCKS)


@asynccontextmanager
async def restore_points() -> AsyncIterator[RestorePoints | None]:
    """RestorePoints for the current transaction, None outside one (nothing to undo)."""
    transaction = database().engine.current_transaction.get() if _database else None
    if transaction is None or _current_tenant.get() is None:
        yield None
        return
    points = RestorePoints(transaction)
    token = _restore_points.set(points)
    try:
        yield points
    finally:
        _restore_points.reset(token)
    # Not released: the transaction's end releases every savepoint (a RELEASE was one more
    # round trip).


class _Watched:
    """An engine that shows each statement to the open RestorePoints first."""

    async def run_querystring(self, querystring, *args, **kwargs):
        points = _restore_points.get()
        if points is not None:
            await points._before(self, querystring.template, querystring.args)
        return await super().run_querystring(querystring, *args, **kwargs)

    async def run_ddl(self, ddl: str, *args, **kwargs):
        points = _restore_points.get()
        if points is not None:
            await points._before(self, ddl, ())
        return await super().run_ddl(ddl, *args, **kwargs)


class _PostgresEngine(_Watched, PostgresEngine):
    pass


class _SQLiteEngine(_Watched, SQLiteEngine):
    pass


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: writers queue behind BEGIN IMMEDIATE instead of failing.
        return _SQLiteEngine(path=str(path), timeout=30)
    parts = urlsplit(database_url)
    config = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": unquote(parts.password) if parts.password else None,
        "database": parts.path.lstrip("/") or "galleria",
    }
    return _PostgresEngine(config=config, log_queries=False)


def bind(engine: Engine, tables: Iterable[type[Table]]) -> None:
    for table in tables:
        table._meta.db = engine


@dataclass
class Database:
    engine: Engine
    pool_max: int = 10

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.engine, PostgresEngine)

    async def open(self) -> None:
        if isinstance(self.engine, PostgresEngine):
            await self.engine.start_connection_pool(
                min_size=1, max_size=self.pool_max, reset=keep_session)
        else:
            # WAL lets readers go on while one writer commits; it is kept in the file.
            await self.engine.run_ddl("PRAGMA journal_mode=WAL")

    async def close(self) -> None:
        if isinstance(self.engine, PostgresEngine):
            await self.engine.close_connection_pool()

    def transaction(self):
        """A platform-level write transaction (IMMEDIATE on SQLite)."""
        if isinstance(self.engine, SQLiteEngine):
            return self.engine.transaction(transaction_type=TransactionType.immediate)
        return self.engine.transaction()


async def keep_session(connection) -> None:
    """What the pool does to a connection handed back, besides asyncpg's own rollback of an
    open transaction: nothing. asyncpg's default also sends `SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL` — one more round trip per request, for session state we
    never make: the shop's row-level-security setting is transaction-local
    (`set_config(…, true)`), and nothing takes session advisory locks, LISTENs or SETs."""


_database: Database | None = None


def connect(database_url: str, tables: Iterable[type[Table]], *, pool_max: int = 10) -> Database:
    """Make the engine for `database_url`, bind `tables` to it and make it the current one."""
    global _database
    engine = make_engine(database_url)
    bind(engine, tables)
    _database = Database(engine, pool_max)
    return _database


def database() -> Database:
    if _database is None:
        raise RuntimeError("galleria.kernel.db.connect() has not been called")
    return _database


def current_tenant() -> int | None:
    """The shop whose scope the caller is in, if any."""
    return _current_tenant.get()


@asynccontextmanager
async def shop_scope(tenant_id: int) -> AsyncIterator[None]:
    """A transaction on one shop's data; commits on exit, rolls back on error.

    Nested scopes of the same shop join the outer transaction. A scope of another shop
    inside it is refused: one unit of work touches one shop.
    """
    outer = _current_tenant.get()
    if outer is not None:
        if outer != tenant_id:
            raise CrossTenantScope(f"shop {tenant_id} opened inside shop {outer}'s scope")
        yield
        return
    db = database()
    token = _current_tenant.set(tenant_id)
    memo: dict = {}
    memo_token = _scope_memo.set(memo)
    committed, rolled_back, before = [], [], []
    end_token = _on_end.set((committed, rolled_back, before))
    try:
        async with _scope_transaction(db, tenant_id, memo):
            yield
            while before:  # a callback may register another
                await before.pop(0)()
    except BaseException:
        _on_end.reset(end_token)
        _scope_memo.reset(memo_token)
        _current_tenant.reset(token)
        await _run_all(rolled_back)
        raise
    _on_end.reset(end_token)
    _scope_memo.reset(memo_token)
    _current_tenant.reset(token)
    await _run_all(committed)


def _scope_transaction(db: Database, tenant_id: int, memo: dict):
    """The shop scope's transaction. PostgreSQL: the shop setting in BEGIN's round trip when
    the request already read the shop's cache token (its host lookup did: plugin rows are
    then checked against that token, as on SQLite); else BEGIN, then the setting with the
    token read in the same statement (jobs, the CLI, a request that wrote the shop's rows)."""
    if not db.is_postgres:
        return db.transaction()
    if (shop_cache.held_token(tenant_id) is not None
            and db.engine.current_transaction.get() is None):
        return _ShopTransaction(db.engine, tenant_id)
    return _TokenScope(db.engine, tenant_id, memo)


class _ShopTransaction(PostgresTransaction):
    """A top-level transaction whose BEGIN sets the shop for row-level security in the same
    round trip (`BEGIN; SELECT set_config(…)`, one simple-protocol message): one statement
    fewer per shop scope. It ends with COMMIT or ROLLBACK sent the same way; asyncpg's own
    transaction object is not used (piccolo's savepoints send plain SQL too)."""

    def __init__(self, engine: PostgresEngine, tenant_id: int) -> None:
        super().__init__(engine)
        if self._parent is not None:  # _scope_transaction opens these only outermost
            raise RuntimeError("a shop scope's transaction inside another transaction")
        # tenant_id is an int (checked by int()), so formatting it into the statement is safe.
        self._begin = f"BEGIN; SELECT set_config('galleria.tenant', '{int(tenant_id)}', true)"

    async def __aenter__(self) -> _ShopTransaction:
        self.connection = await self.get_connection()
        try:
            await self.connection.execute(self._begin)
        except BaseException:
            # The pool rolls back what BEGIN may have opened before it lends it again.
            if self.engine.pool:
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")
        self._rolled_back = True


class _TokenScope:
    """BEGIN, then the shop setting with the shop's cache token in one statement (kept in
    the scope's memo for the plugin rows' cache)."""

    def __init__(self, engine: PostgresEngine, tenant_id: int, memo: dict) -> None:
        self._transaction = engine.transaction()
        self._engine, self._tenant_id, self._memo = engine, tenant_id, memo

    async def __aenter__(self) -> None:
        await self._transaction.__aenter__()
        try:
            self._memo[SCOPE_CACHE_MARK] = await _open_rls_scope(self._engine, self._tenant_id)
        except BaseException as exc:
            await self._transaction.__aexit__(type(exc), exc, exc.__traceback__)
            raise

    async def __aexit__(self, *exc_info) -> bool:
        return await self._transaction.__aexit__(*exc_info)


async def _run_all(callbacks: list[Callable[[], Awaitable[None]]]) -> None:
    """Run every callback; one that fails is logged and does not stop the others."""
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.exception("a shop scope's end callback %r failed", callback)


def on_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `await callback()` after the current shop scope's transaction commits (outside
    it, in the shop's context no longer). Nothing runs if it rolls back. For work outside
    the database that must follow the data (a cache to clear)."""
    _end_lists("on_commit")[0].append(callback)


def before_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `await callback()` inside the current shop scope's transaction, after the work
    in it and just before it commits, in the order registered. An error it raises rolls the
    whole transaction back and reaches the caller (a `DomainError` becomes the answer). For
    a conditional update on a hot row: done last, its row lock is held for the shortest
    time (the kernel reserves stock last for the same reason)."""
    _end_lists("before_commit")[2].append(callback)


def on_rollback(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `await callback()` if the current shop scope's transaction rolls back (any error
    inside it, including one raised after the callback was registered). For work outside
    the database to undo: a counter in Redis taken in the same unit of work is given back."""
    _end_lists("on_rollback")[1].append(callback)


def _end_lists(name: str) -> tuple[list, list, list]:
    lists = _on_end.get()
    if lists is None or _current_tenant.get() is None:
        raise RuntimeError(f"{name}() needs an open shop scope")
    return lists


def scope_memo(tenant_id: int) -> dict | None:
    """The open scope's memo when it is `tenant_id`'s scope, else None (outside a scope
    nothing is remembered). Code that writes what it memoises must forget it (`.pop`)."""
    return _scope_memo.get() if _current_tenant.get() == tenant_id else None


# tenant_id is an int (checked by int()), so formatting it into the statement is safe.
_OPEN_SCOPE = ("SELECT set_config('galleria.tenant', '{id}', true), "
               "(SELECT cache_token FROM tenant WHERE id = {id}) AS cache_token")


async def _open_rls_scope(engine: Engine, tenant_id: int) -> int | None:
    """`set_rls_tenant`, and the shop's cache token read in the same statement."""
    rows = await engine.run_ddl(_OPEN_SCOPE.format(id=int(tenant_id)))
    return rows[0]["cache_token"] if rows else None


def in_transaction() -> bool:
    """Whether a transaction (a shop scope's or a platform one) is open in this context."""
    return database().engine.current_transaction.get() is not None


async def set_rls_tenant(engine: Engine, tenant_id: int) -> None:
    """Admit `tenant_id`'s rows for the rest of the current PostgreSQL transaction."""
    # tenant_id is an int, so formatting it into the statement is safe.
    await engine.run_ddl(f"SELECT set_config('galleria.tenant', '{int(tenant_id)}', true)")


async def clear_rls_tenant(engine: Engine) -> None:
    """Admit no shop's rows (platform rows only) for the rest of the current PostgreSQL
    transaction: platform work that opened a shop (signup) writes its own records after."""
    await engine.run_ddl("SELECT set_config('galleria.tenant', '', true)")


"""The per-process cache of what every request reads about its shop (issue 14).

Every request on a shop's host reads the shop's row, and most then read its enabled plugins
and their settings: rows that change a few times a year, read thousands of times a second.
This module keeps them in the process, bounded (least recently used shops go first), and
**the database says when they are stale**, so that a change made anywhere — another app
process, a worker, the CLI, a migration, a test's own SQL — is seen by the very next request:

* every `tenant` row has a `cache_token`, a random number that triggers (migration
  `kernel_0016_shop_cache_token_perf4`, PostgreSQL and SQLite alike) replace whenever the
  shop's cached columns change, or any of its `plugin_state` or `custom_domain` rows is
  inserted, updated or deleted (a TRUNCATE, on PostgreSQL, changes every shop's);
* what is cached is kept with the token read **in the same statement** as the data, so an
  entry is exactly "the rows as they were when the token was T"; tokens never come back (a
  new random number each time, also across databases and rolled-back transactions), so a
  token equal to T means the rows are still those;
* a request reads its shop's token in the statement that finds the shop from the host
  (the one statement it sent anyway), and a shop scope on PostgreSQL in the statement that
  sets the row-level-security shop: neither costs a round trip.

Nothing here outlives a change a process has not been told about: there is nothing to tell.
Secrets stay sealed in the cache (the row's Fernet token); they are unsealed when read, as
before. Callers get their own copies (the JSON is kept as text and parsed per read).
"""

from __future__ import annotations

import contextvars
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SIZE = 4096  # shops per process; an entry is a few KB


class _Lru:
    """tenant id → entry with a `token`; thread-safe (workers run event loops in threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tenant_id: int, token: int | None) -> Any | None:
        """The entry for `tenant_id` if it was read at `token`, else None."""
        if token is None:
            return None
        with self._lock:
            entry = self._entries.get(tenant_id)
            if entry is None or entry.token != token:
                return None
            self._entries.move_to_end(tenant_id)
            return entry

    def put(self, tenant_id: int, entry: Any) -> None:
        if entry.token is None or self.size <= 0:
            return
        with self._lock:
            self._entries[tenant_id] = entry
            self._entries.move_to_end(tenant_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, tenant_id: int) -> None:
        with self._lock:
            self._entries.pop(tenant_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class ShopRow:
    """A `tenant` row as read at `token` (the settings as JSON text: parsed per use)."""

    token: int | None
    row: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class PluginRows:
    """A shop's `plugin_state` rows as read at `token`: the enabled plugins, and per plugin
    its plain settings (JSON text) and sealed secrets (the stored Fernet token). `values`
    keeps what `plugin_settings` made of a plugin's row (parsed, secrets unsealed) for as
    long as these rows are the shop's: unsealing is the costly part, and each enabled
    gateway asks for its settings in every order."""

    token: int | None
    enabled: frozenset[str]
    rows: dict[str, tuple[str, str]]
    values: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Fact:
    """A plugin's fact about its own rows of one shop (`shop_fact`), as read at `token`."""

    token: int | None
    value: Any


shops = _Lru(DEFAULT_SIZE)
plugins = _Lru(DEFAULT_SIZE)
facts = _Lru(DEFAULT_SIZE * 4)  # keyed (tenant id, key): a few per shop


def set_size(size: int) -> None:
    """Keep at most `size` shops per process (0: cache nothing; every read goes to the
    database, as before the cache)."""
    for cache, per_shop in ((shops, 1), (plugins, 1), (facts, 4)):
        cache.size = size * per_shop
        cache.clear()


# -- the token a request read for its shop -------------------------------------------------
# Set by the request's host lookup (`shops.resolve_host`) inside `request_tokens()`, which the
# request-context middleware opens around each request; gone when the request ends, so code
# outside a request (tests, jobs, the CLI) never meets an old request's token.


class _Held:
    __slots__ = ("open", "tenant_id", "token")

    def __init__(self) -> None:
        self.open, self.tenant_id, self.token = True, None, None


_held: contextvars.ContextVar[_Held | None] = contextvars.ContextVar(
    "galleria_shop_cache_token", default=None)


class request_tokens:
    """Around one request: the shop token its host lookup reads is held until it ends."""

    def __enter__(self) -> None:
        self._held = _Held()
        self._reset = _held.set(self._held)

    def __exit__(self, *_exc: object) -> None:
        self._held.open = False  # a task the request started may outlive it: not for it
        _held.reset(self._reset)


def hold(tenant_id: int, token: int | None) -> None:
    """Remember `token`, just read for `tenant_id`, for the rest of the current request."""
    held = _held.get()
    if held is not None and held.open:
        held.tenant_id, held.token = tenant_id, token


def held_token(tenant_id: int) -> int | None:
    """The token the current request read for `tenant_id`, if any (and not forgotten)."""
    held = _held.get()
    if held is None or not held.open or held.tenant_id != tenant_id:
        return None
    return held.token


def forget_held(tenant_id: int) -> None:
    """The request changed the shop's cached rows itself: its token no longer tells."""
    held = _held.get()
    if held is not None and held.tenant_id == tenant_id:
        held.token = None

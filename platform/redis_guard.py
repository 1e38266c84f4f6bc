"""Redis is a helper, not a pillar: when it is unreachable, the app keeps selling.

Sessions, rate limits and sign-in tickets live in Redis so that every app server shares
them. If Redis stops answering, each of those falls back to this process's memory for a
while (`RedisGuard`), with one warning per outage in the log and `/readyz` saying
"degraded": shoppers keep their carts and staff can sign in (on this server), rate limits
count per process. Redis is tried again every `retry_after` seconds; once it answers, the
shared store is used again (sessions started during the outage live on in memory until
they expire). Background jobs need no fallback: they wait in the outbox, and the worker's
relay sends them once Redis is back.

Clients are built with short socket timeouts (`client()`), so a Redis that hangs costs a
request at most about a second before the guard opens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.exceptions import RedisError

log = logging.getLogger("galleria.redis")
T = TypeVar("T")
FAILURES = (RedisError, OSError, TimeoutError)


def client(url: str) -> Any:
    """An asyncio Redis client that gives up quickly when Redis is away."""
    import redis.asyncio as aioredis

    return aioredis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0,
                             health_check_interval=15)


class RedisGuard:
    """Whether to try Redis now; remembers an outage for `retry_after` seconds."""

    def __init__(self, retry_after: float = 5.0) -> None:
        self.retry_after = retry_after
        self._down_until = 0.0
        self.down_since: float | None = None

    @property
    def degraded(self) -> bool:
        return self.down_since is not None

    async def run(self, what: str, call: Callable[[], Awaitable[T]],
                  fallback: Callable[[], Awaitable[T]]) -> T:
        """`call()` against Redis unless it is known to be down; `fallback()` otherwise or
        when the call fails."""
        if time.monotonic() < self._down_until:
            return await fallback()
        try:
            result = await call()
        except FAILURES as exc:
            self.failed(what, exc)
            return await fallback()
        if self.down_since is not None:
            log.warning("Redis answers again after %.0f s; sessions and rate limits are "
                        "shared again", time.monotonic() - self.down_since)
            self.down_since = None
        return result

    def failed(self, what: str, exc: BaseException) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            log.warning("Redis is unreachable (%s during %s): sessions, sign-in tickets and "
                        "rate limits fall back to this process's memory; rate limits now "
                        "count per process", type(exc).__name__, what)
        self._down_until = now + self.retry_after


class FallbackStore(Store):
    """A Litestar store in Redis that falls back to process memory while Redis is down."""

    def __init__(self, redis: Any, guard: RedisGuard, namespace: str) -> None:
        self.redis_store = RedisStore(redis, namespace=namespace)
        self.memory = MemoryStore()
        self.guard = guard

    async def set(self, key: str, value: str | bytes,
                  expires_in: int | timedelta | None = None) -> None:
        async def shared() -> None:
            await self.redis_store.set(key, value, expires_in)
            await self.memory.delete(key)  # the shared copy is the one to read from now

        await self.guard.run("set", shared, lambda: self.memory.set(key, value, expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        async def shared() -> bytes | None:
            value = await self.redis_store.get(key, renew_for)
            # Not in Redis: perhaps written here while Redis was away.
            return value if value is not None else await self.memory.get(key, renew_for)

        return await self.guard.run("get", shared, lambda: self.memory.get(key, renew_for))

    async def delete(self, key: str) -> None:
        await self.memory.delete(key)
        await self.guard.run("delete", lambda: self.redis_store.delete(key), _nothing)

    async def delete_all(self) -> None:
        await self.memory.delete_all()
        await self.guard.run("delete_all", self.redis_store.delete_all, _nothing)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        async def shared() -> int | None:
            seconds = await self.redis_store.expires_in(key)
            return seconds if seconds is not None else await self.memory.expires_in(key)

        return await self.guard.run("expires_in", shared, lambda: self.memory.expires_in(key))


async def _nothing() -> None:
    return None


__all__ = ["FallbackStore", "RedisGuard", "client"]

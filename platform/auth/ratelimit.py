"""Fixed-window rate limits, in Redis when configured (shared by every app server),
in process memory otherwise (the embedded default) and while Redis is unreachable
(`FallbackLimiter`)."""

from __future__ import annotations

import contextlib
import time
from typing import Protocol

from galleria.kernel.errors import RateLimited


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> None: ...

    async def count(self, key: str, window_seconds: int) -> int: ...


def _refuse(window_seconds: int) -> RateLimited:
    return RateLimited("Too many attempts; try again later",
                       retry_after=window_seconds - int(time.time() % window_seconds))


class MemoryLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        window = int(time.time() // window_seconds)
        if len(self._counts) > 100_000:  # forget old windows rather than grow forever
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
        count = self._counts.get((key, window), 0) + 1
        self._counts[(key, window)] = count
        if count > limit:
            raise _refuse(window_seconds)

    async def count(self, key: str, window_seconds: int) -> int:
        return self._counts.get((key, int(time.time() // window_seconds)), 0)


class RedisLimiter:
    """`namespace` prefixes every key (test runs keep their counts apart from each other
    and from earlier runs on the same Redis)."""

    def __init__(self, redis, namespace: str = "galleria:rl") -> None:  # redis.asyncio.Redis
        self.redis, self.namespace = redis, namespace

    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        window = int(time.time() // window_seconds)
        name = f"{self.namespace}:{key}:{window}"
        async with self.redis.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(name).expire(name, window_seconds).execute()
        if count > limit:
            raise _refuse(window_seconds)

    async def count(self, key: str, window_seconds: int) -> int:
        window = int(time.time() // window_seconds)
        return int(await self.redis.get(f"{self.namespace}:{key}:{window}") or 0)


class FallbackLimiter:
    """Counts in Redis, or in this process while the guard (galleria.redis_guard) says
    Redis is down: limits still hold, per process, rather than every request failing."""

    def __init__(self, shared: RedisLimiter, guard) -> None:  # guard: RedisGuard
        self.shared, self.local, self.guard = shared, MemoryLimiter(), guard

    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        await self.guard.run("rate limit", lambda: self.shared.hit(key, limit, window_seconds),
                             lambda: self.local.hit(key, limit, window_seconds))

    async def count(self, key: str, window_seconds: int) -> int:
        return await self.guard.run("rate limit", lambda: self.shared.count(key, window_seconds),
                                    lambda: self.local.count(key, window_seconds))


# Staff sign-in: failures only are counted, per address and per account, so that an office
# behind one address signing in all day is never locked out while guessing is. Progressive:
# (failures, window in seconds) tiers stop a burst within minutes and a slow guesser within
# the day.
SIGNIN_FAILURES_PER_IP = ((20, 300), (200, 86_400))
SIGNIN_FAILURES_PER_ACCOUNT = ((8, 900), (30, 86_400))


def signin_keys(ip: str, email: str) -> list[tuple[str, int, int]]:
    account = email.strip().lower()[:200]
    return [*((f"signin-fail:{ip}:{window}", limit, window)
              for limit, window in SIGNIN_FAILURES_PER_IP),
            *((f"signin-fail-account:{account}:{window}", limit, window)
              for limit, window in SIGNIN_FAILURES_PER_ACCOUNT)]


async def refuse_if_locked(limiter: Limiter, keys: list[tuple[str, int, int]]) -> None:
    """RateLimited when any of `keys` has used up its failures in the current window."""
    for key, limit, window in keys:
        if await limiter.count(key, window) >= limit:
            raise _refuse(window)


async def record_failure(limiter: Limiter, keys: list[tuple[str, int, int]]) -> None:
    for key, limit, window in keys:
        with contextlib.suppress(RateLimited):  # counted: refuse_if_locked refuses the next
            await limiter.hit(key, limit, window)

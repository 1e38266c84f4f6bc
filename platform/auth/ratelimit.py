"""Fixed-window rate limits, in Redis when configured (shared by every app server),
in process memory otherwise (the embedded default)."""

from __future__ import annotations

import time
from typing import Protocol

from galleria.kernel.errors import RateLimited


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> None: ...


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
            raise RateLimited("Too many attempts; try again later",
                              retry_after=window_seconds - int(time.time() % window_seconds))


class RedisLimiter:
    def __init__(self, redis) -> None:  # redis.asyncio.Redis
        self.redis = redis

    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        window = int(time.time() // window_seconds)
        name = f"galleria:rl:{key}:{window}"
        async with self.redis.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(name).expire(name, window_seconds).execute()
        if count > limit:
            raise RateLimited("Too many attempts; try again later",
                              retry_after=window_seconds - int(time.time() % window_seconds))

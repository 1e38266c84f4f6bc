"""Fixed-window rate limits, in Redis when configured (shared by every app server),
in process memory otherwise (the embedded default) and while Redis is unreachable
(`FallbackLimiter`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
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


# Sign-in (staff and shoppers alike): failures only are counted, so that an office behind
# one address signing in all day is never refused while guessing is. What each count may do
# follows OWASP's guidance that an attacker must not be able to lock the owner out:
# - per address, and per account *and* address: refused (429) past the limit — a guesser
#   locks out only themselves, and the owner signs in from their own address;
# - per account from every address: only slowed down (each attempt waits
#   SIGNIN_SLOWDOWN_SECONDS), never refused, so the right password still signs in.
# Progressive (failures, window in seconds) tiers stop a burst within minutes and a slow
# guesser within the day.
SIGNIN_FAILURES_PER_IP = ((20, 300), (200, 86_400))
SIGNIN_FAILURES_PER_ACCOUNT_AND_IP = ((8, 900), (30, 86_400))
SIGNIN_FAILURES_PER_ACCOUNT = ((8, 900), (30, 86_400))
SIGNIN_SLOWDOWN_SECONDS = 2.0

Keys = list[tuple[str, int, int]]


@dataclass(frozen=True)
class SignInKeys:
    """The counters of one sign-in attempt: `refusing` ones lock, `slowing` ones delay."""

    refusing: Keys
    slowing: Keys


def signin_keys(ip: str, account: str, *, kind: str = "signin") -> SignInKeys:
    """Counters for `account` (an email, or `shop:login` for shoppers) signing in from `ip`;
    `kind` keeps staff and shopper counts apart."""
    account = account.strip().lower()[:200]
    return SignInKeys(
        refusing=[*((f"{kind}-fail:{ip}:{window}", limit, window)
                    for limit, window in SIGNIN_FAILURES_PER_IP),
                  *((f"{kind}-fail-pair:{account}:{ip}:{window}", limit, window)
                    for limit, window in SIGNIN_FAILURES_PER_ACCOUNT_AND_IP)],
        slowing=[(f"{kind}-fail-account:{account}:{window}", limit, window)
                 for limit, window in SIGNIN_FAILURES_PER_ACCOUNT])


async def refuse_if_locked(limiter: Limiter, keys: Keys) -> None:
    """RateLimited when any of `keys` has used up its failures in the current window."""
    for key, limit, window in keys:
        if await limiter.count(key, window) >= limit:
            raise _refuse(window)


async def check_sign_in(limiter: Limiter, keys: SignInKeys) -> None:
    """Before checking a password: RateLimited if this address (or this account from this
    address) guessed too often; a pause if the account is being guessed from elsewhere."""
    await refuse_if_locked(limiter, keys.refusing)
    for key, limit, window in keys.slowing:
        if await limiter.count(key, window) >= limit:
            await asyncio.sleep(SIGNIN_SLOWDOWN_SECONDS)
            return


async def record_failure(limiter: Limiter, keys: SignInKeys) -> None:
    for key, limit, window in [*keys.refusing, *keys.slowing]:
        with contextlib.suppress(RateLimited):  # counted: check_sign_in acts on the next
            await limiter.hit(key, limit, window)

"""Sessions and rate limits with Redis configured but not answering: they fall back to the
process's memory, warn once per outage and use Redis again when it answers (issue 12,
item 4). Against a port nothing listens on, so no server is needed."""

from __future__ import annotations

import logging
import socket

import pytest

from galleria.auth.ratelimit import FallbackLimiter, RedisLimiter
from galleria.kernel.errors import RateLimited
from galleria.redis_guard import FallbackStore, RedisGuard, client


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: connections are refused


async def test_sessions_live_in_memory_while_redis_is_away(caplog):
    redis = client(_dead_redis_url())
    guard = RedisGuard(retry_after=60)
    store = FallbackStore(redis, guard, namespace="test:sessions")
    with caplog.at_level(logging.WARNING, logger="galleria.redis"):
        await store.set("cart-session", b'{"cart": "abc"}', expires_in=60)
        assert await store.get("cart-session") == b'{"cart": "abc"}'
        assert await store.exists("cart-session")
        await store.delete("cart-session")
        assert await store.get("cart-session") is None
    assert guard.degraded
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request
    await redis.aclose()


async def test_rate_limits_count_per_process_while_redis_is_away():
    redis = client(_dead_redis_url())
    guard = RedisGuard(retry_after=60)
    limiter = FallbackLimiter(RedisLimiter(redis), guard)
    await limiter.hit("signin:1.2.3.4", 2, 60)
    await limiter.hit("signin:1.2.3.4", 2, 60)
    assert await limiter.count("signin:1.2.3.4", 60) == 2
    with pytest.raises(RateLimited):  # the limit still holds, counted here
        await limiter.hit("signin:1.2.3.4", 2, 60)
    await redis.aclose()


async def test_redis_is_tried_again_after_the_pause():
    calls = []
    guard = RedisGuard(retry_after=0)

    async def shared():
        calls.append("redis")
        if len(calls) == 1:
            raise ConnectionError("refused")
        return "from redis"

    async def local():
        return "from memory"

    assert await guard.run("get", shared, local) == "from memory"
    assert guard.degraded
    assert await guard.run("get", shared, local) == "from redis"
    assert not guard.degraded and calls == ["redis", "redis"]

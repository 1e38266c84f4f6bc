"""The shared Redis, for plugins that need a counter every app server sees at once.

The runtime hands its Redis client over when it opens (`set_redis`); without
`GALLERIA_REDIS_URL` there is none and `shared_redis()` answers None, so that a plugin falls
back to the database (a flash sale's quota gate, for one). Redis here is a fast gate in
front of the database, never the record: whatever a plugin keeps in it must be rebuildable
from its tables.
"""

from __future__ import annotations

from typing import Any

_redis: Any = None


def set_redis(client: Any) -> None:
    """The runtime's Redis client (redis.asyncio), or None when there is none."""
    global _redis
    _redis = client


def shared_redis() -> Any:
    """The shared redis.asyncio client, or None when the platform runs without Redis."""
    return _redis


__all__ = ["set_redis", "shared_redis"]

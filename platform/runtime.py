"""What the app and the workers share once started: settings, the plugin host, templates,
the rate limiter and (when configured) Redis. Built once by `Runtime.start()`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from galleria.auth.ratelimit import FallbackLimiter, Limiter, MemoryLimiter, RedisLimiter
from galleria.kernel import crypto, db, job_leases, shared_store, storage
from galleria.kernel.apps import kernel_tables
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.domains import Resolver, system_resolver
from galleria.kernel.tenancy.templates import ShopTemplate, default_root, load_templates
from galleria.redis_guard import RedisGuard, client
from galleria.settings import Settings

log = logging.getLogger("galleria")


def plugin_tables(host: PluginHost) -> list[Any]:
    """Tables of every installed plugin (from its piccolo apps)."""
    return [table for app in host.collect("galleria_migrations", host.names())
            for table in app.table_classes]


@dataclass
class Runtime:
    settings: Settings
    host: PluginHost
    tenants_dir: Path
    templates: dict[str, ShopTemplate]
    limiter: Limiter
    redis: Any = None
    # Whether Redis answered lately; sessions and rate limits fall back while it does not.
    redis_guard: RedisGuard = field(default_factory=RedisGuard)
    database: db.Database | None = None
    worker: Any = None  # the embedded worker, when this process runs one
    extra: dict[str, Any] = field(default_factory=dict)
    # How custom-domain checks resolve a merchant's host (kernel.tenancy.domains): the
    # system's; a test sets one that maps its made-up host names.
    resolver: Resolver = system_resolver

    @classmethod
    def build(cls, settings: Settings, host: PluginHost | None = None) -> Runtime:
        """Wire everything that needs no I/O; `open()` connects."""
        if host is None:
            host = PluginHost(trace=settings.trace_plugins)
            host.load_entry_points()
        host.check()
        crypto.configure(settings.secret_key)
        job_leases.set_lease(settings.job_lease_seconds)
        storage.configure(storage.from_env(os.environ, settings.media_dir))
        tenants_dir = default_root()
        redis = client(settings.redis_url) if settings.redis_url else None
        guard = RedisGuard()
        return cls(
            settings=settings, host=host, tenants_dir=tenants_dir,
            templates=load_templates(tenants_dir),
            limiter=FallbackLimiter(RedisLimiter(redis), guard) if redis else MemoryLimiter(),
            redis=redis, redis_guard=guard,
        )

    def http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An HTTP client for outbound calls; tests route it with `extra["http_transport"]`."""
        transport = self.extra.get("http_transport")
        return httpx.AsyncClient(transport=transport, **kwargs) if transport else (
            httpx.AsyncClient(**kwargs))

    async def open(self) -> None:
        self.database = db.connect(self.settings.database_url,
                                   [*kernel_tables(), *plugin_tables(self.host)],
                                   pool_max=self.settings.db_pool_max)
        await self.database.open()
        shared_store.set_redis(self.redis)  # plugins' shared counters (flash-sale quotas)

    async def close(self) -> None:
        if self.database:
            await self.database.close()
        if self.redis is not None:
            if shared_store.shared_redis() is self.redis:
                shared_store.set_redis(None)
            await self.redis.aclose()

"""The embedded runner: an asyncio task in the app's event loop that works the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel.outages import is_outage
from galleria.kernel.plugins import PluginHost

log = logging.getLogger("galleria.jobs")


class EmbeddedWorker:
    def __init__(self, host: PluginHost, interval: float = 1.0) -> None:
        self.host = host
        self.interval = interval
        self.jobs = plugin_jobs(host)
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="galleria-embedded-worker")

    def wake(self) -> None:
        """Look at the outbox now (after a commit that wrote to it)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await relay_once(self.host, self.jobs)
            except Exception as exc:  # keep the loop alive; the row stays due, retried
                if is_outage(exc):
                    log.warning("embedded worker waits: the database is unreachable (%s)",
                                type(exc).__name__)
                else:
                    log.exception("embedded worker pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

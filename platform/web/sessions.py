"""Server-side sessions that are created only when something is stored in them.

Litestar's backend stores an (empty) session for every request without a cookie, so health
probes and API clients would fill the store with thousands of sessions a day.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession


class LazySessionBackend(ServerSideSessionBackend):
    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection) -> None:
        if (scope_session is Empty or not scope_session) and \
                self.config.key not in connection.cookies:
            return  # nothing to keep and nothing to clear
        await super().store_in_message(scope_session, message, connection)


@dataclass
class LazySessionConfig(ServerSideSessionConfig):
    _backend_class = LazySessionBackend

"""Server-side sessions that are created only when something is stored in them, and
written back only when a request changed them.

Litestar's backend stores an (empty) session for every request without a cookie, so health
probes and API clients would fill the store with thousands of sessions a day. It also writes
every request's copy back at the end: a slow request that only read the session (the
checkout's background re-pricing) would then overwrite what a concurrent one stored (the
order just placed), so an unchanged session is not written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession

LOADED = "galleria.session_loaded"  # the scope key of the session as it was read


class LazySessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[LOADED] = copy.deepcopy(data)  # type: ignore[literal-required]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection) -> None:
        cookie = self.config.key in connection.cookies
        if (scope_session is Empty or not scope_session) and not cookie:
            return  # nothing to keep and nothing to clear
        if cookie and scope_session is not Empty and scope_session == connection.scope.get(
                LOADED):
            return  # unchanged: writing it back could undo a concurrent request's change
        await super().store_in_message(scope_session, message, connection)


@dataclass
class LazySessionConfig(ServerSideSessionConfig):
    _backend_class = LazySessionBackend

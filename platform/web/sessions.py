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
        loaded = connection.scope.get(LOADED)
        if cookie and scope_session is not Empty and scope_session == loaded:
            return  # unchanged: writing it back could undo a concurrent request's change
        if cookie and scope_session is not Empty and loaded and isinstance(loaded, dict):
            scope_session = await self._merged(scope_session, loaded, connection)
        await super().store_in_message(scope_session, message, connection)

    async def _merged(self, session: dict[str, Any], loaded: dict[str, Any],
                      connection: ASGIConnection) -> dict[str, Any]:
        """This request's changes laid over the session as stored now, not over the copy it
        read: a concurrent request's change to other keys (the order just placed, beside a
        re-pricing that forgot the cart) survives."""
        current = await ServerSideSessionBackend.load_from_connection(self, connection)
        merged = {**current, **{key: value for key, value in session.items()
                                if key not in loaded or loaded[key] != value}}
        for key in loaded.keys() - session.keys():
            merged.pop(key, None)
        return merged


@dataclass
class LazySessionConfig(ServerSideSessionConfig):
    _backend_class = LazySessionBackend

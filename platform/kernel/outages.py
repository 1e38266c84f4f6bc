"""Telling an outage of the database (or another server) from a bug.

An outage — PostgreSQL restarting, a connection reset, a refused connection — ends by
itself: requests get a 503 with Retry-After instead of a 500, and background loops log one
line instead of a traceback per pass, then carry on once the server is back.
"""

from __future__ import annotations

from collections.abc import Iterator


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says a server is unreachable or going away."""
    try:
        from asyncpg import exceptions as pg
        outage_types: tuple[type[BaseException], ...] = (
            pg.PostgresConnectionError, pg.OperatorInterventionError,
            pg.ConnectionDoesNotExistError)
        interface_error: type[BaseException] | None = pg.InterfaceError
    except ImportError:  # SQLite-only installs
        outage_types, interface_error = (), None
    for error in _chain(exc):
        if isinstance(error, (ConnectionError, *outage_types)):
            return True
        if interface_error and isinstance(error, interface_error) and "closed" in str(error):
            return True  # "connection is closed" / "pool is closed"
    return False


__all__ = ["is_outage"]

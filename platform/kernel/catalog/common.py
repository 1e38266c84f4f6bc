"""Small helpers the catalog modules share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from galleria.kernel.errors import Conflict


def json_value(value: Any) -> Any:
    """A JSON column's value: SQLite hands back text, PostgreSQL the decoded value."""
    return json.loads(value) if isinstance(value, str) else value


def is_unique_violation(exc: BaseException) -> bool:
    """A unique key refused the write (sqlite3.IntegrityError, asyncpg UniqueViolationError)."""
    name = type(exc).__name__
    return name == "UniqueViolationError" or (
        name == "IntegrityError" and "unique" in str(exc).lower())


@contextmanager
def refuse_duplicates(detail: str, **extra: Any) -> Iterator[None]:
    """Turn a unique-key violation (a concurrent writer won the race past our own check)
    into a Conflict; on PostgreSQL the transaction is spoilt, so the scope rolls back."""
    try:
        yield
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(detail, **extra) from exc
        raise

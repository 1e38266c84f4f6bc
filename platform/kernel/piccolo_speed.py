"""Cheaper piccolo query building (issue 14: the profile of every hot request put piccolo's
`ForeignKey.__getattribute__` first by self time).

piccolo's `ForeignKey.__getattribute__` runs `name not in dir(self)` on every public attribute
read of a foreign-key column (to notice lazily referenced tables whose proxy columns are not
set yet). Building one query with a join reads such attributes hundreds of times, and `dir()`
builds and sorts a list of ~150 names each time: a cart's lines cost 300+ `dir()` calls per
request. `install()` replaces the method with the same logic where that test asks the
instance's `__dict__` and a per-class cached set of names instead — what `dir()` of an
instance holds, since `Column` defines no `__dir__` and piccolo adds no class attributes at
run time. Everything after the test is piccolo's code unchanged (piccolo 1.x, MIT licence).

Installed once from `galleria.kernel.db`; a piccolo whose method differs from the one this
was written against is left alone (a warning says so), so an upgrade cannot break queries,
only lose the speed-up.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
from typing import Any

from piccolo.columns.base import Column
from piccolo.columns.column_types import ForeignKey, ForeignKeyMeta
from piccolo.columns.reference import LazyTableReference

log = logging.getLogger("galleria.db")

# sha256 of the source of the piccolo method this replaces (as in piccolo 1.38).
EXPECTED_DIGEST = "0f3e348150c5efd8423dce1ce57b8574c532634964d00fbed6e741f5b67a3d6d"
_original = ForeignKey.__getattribute__
_installed = False


@functools.cache
def _class_names(cls: type) -> frozenset[str]:
    return frozenset(dir(cls))


def _getattribute(self: ForeignKey, name: str) -> Any:
    if not name.startswith("_") and name not in object.__getattribute__(self, "__dict__") \
            and name not in _class_names(object.__getattribute__(self, "__class__")):
        try:
            _foreign_key_meta = object.__getattribute__(self, "_foreign_key_meta")
        except AttributeError:
            pass
        else:
            if _foreign_key_meta.proxy_columns == [] and isinstance(
                _foreign_key_meta.references, LazyTableReference
            ):
                object.__getattribute__(self, "set_proxy_columns")()

    value = object.__getattribute__(self, name)

    if name.startswith("_"):
        return value

    foreignkey_class: type[ForeignKey] = object.__getattribute__(self, "__class__")

    if isinstance(value, foreignkey_class):  # i.e. a ForeignKey
        new_column = value.copy()
        new_column._meta.call_chain.append(self)
        if len(new_column._meta.call_chain) >= 10:
            raise Exception("Call chain too long!")
        foreign_key_meta: ForeignKeyMeta = object.__getattribute__(
            new_column, "_foreign_key_meta")
        for proxy_column in foreign_key_meta.proxy_columns:
            with contextlib.suppress(Exception):
                delattr(new_column, proxy_column._meta.name)
        foreign_key_meta.proxy_columns = []
        for column in value._foreign_key_meta.resolved_references._meta.columns:
            _column: Column = column.copy()
            _column._meta.call_chain = list(new_column._meta.call_chain)
            setattr(new_column, _column._meta.name, _column)
            foreign_key_meta.proxy_columns.append(_column)
        return new_column
    elif issubclass(type(value), Column):
        new_column = value.copy()
        column_meta = object.__getattribute__(self, "_meta")
        new_column._meta.call_chain = column_meta.call_chain.copy()
        new_column._meta.call_chain.append(self)
        return new_column
    else:
        return value


def source_digest(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def install() -> bool:
    """Replace `ForeignKey.__getattribute__` (once); False when piccolo's differs."""
    global _installed
    if _installed:
        return True
    if source_digest(_original) != EXPECTED_DIGEST:
        log.warning("piccolo's ForeignKey.__getattribute__ changed: query building keeps "
                    "its own (slower) version; see galleria.kernel.piccolo_speed")
        return False
    ForeignKey.__getattribute__ = _getattribute  # type: ignore[method-assign]
    _installed = True
    return True

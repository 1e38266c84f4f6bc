"""Opaque cursors for `?limit=&cursor=` lists."""

from __future__ import annotations

import base64
import json
from typing import Any

from galleria.kernel.errors import ValidationFailed


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise ValidationFailed("The cursor is not one this API gave out") from exc
    if not isinstance(value, dict):
        raise ValidationFailed("The cursor is not one this API gave out")
    return value


def page(items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """`items` was fetched with limit+1 rows: trim and say where the next page starts.

    An item's position is its `_position` (removed from the answer), else its `id`; other
    keys starting with `_` are removed too.
    """
    more = len(items) > limit
    items = items[:limit]
    positions = [item.pop("_position", {"id": item.get("id")}) for item in items]
    for item in items:  # other `_` keys are for pages, not for the API's answer
        for key in [k for k in item if k.startswith("_")]:
            del item[key]
    return {"items": items,
            "next_cursor": encode_cursor(positions[-1]) if more and items else None}

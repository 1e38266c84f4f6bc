"""One source of 满减: the plugin's old `threshold_tiers` setting ("199:20, 299:40" in yuan)
becomes a `tiers` promotion, and the setting goes (migrations/marketing_0006).

`plan_moves` is pure (what each shop gets); `move_settings_tiers` runs it with plain SQL on
the migrating (owner's) engine, over every shop at once, like the kernel's data migrations.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from piccolo.querystring import QueryString

from galleria.kernel import parse_major

log = logging.getLogger("galleria.plugins.marketing")
OLD_KEY = "threshold_tiers"
NAME = "满减"  # the moved promotion's name: the merchant's word for it


def parse_tiers(text: str, currency: str) -> list[dict[str, int]]:
    """`"199:20, 299:40"` → promotion tiers in minor units, highest first. ValueError names a
    bad entry."""
    tiers = []
    for entry in text.replace("\n", ",").split(","):
        if not entry.strip():
            continue
        threshold, sep, off = entry.partition(":")
        if not sep:
            raise ValueError(f"write each tier as threshold:discount (not {entry.strip()!r})")
        tier = {"threshold": parse_major(threshold, currency),
                "amount_off": parse_major(off, currency)}
        if not 0 < tier["amount_off"] < tier["threshold"]:
            raise ValueError(f"the discount must be above 0 and below the threshold "
                             f"({entry.strip()!r})")
        tiers.append(tier)
    return sorted(tiers, key=lambda t: t["threshold"], reverse=True)


def _settings(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def plan_moves(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each shop's marketing settings (`tenant`, `settings`, `currency`) that still have
    the old key: `{"tenant", "settings"` (without it), `"rule"` (a tiers rule, or None when
    the setting was empty or unreadable, as the old adjuster then gave nothing)}."""
    moves = []
    for row in rows:
        settings = _settings(row["settings"])
        if OLD_KEY not in settings:
            continue
        text = str(settings.pop(OLD_KEY) or "")
        try:
            tiers = parse_tiers(text, row["currency"] or "CNY")[:10]
        except ValueError as exc:
            log.warning("shop %s: threshold_tiers %r not moved: %s", row["tenant"], text, exc)
            tiers = []
        moves.append({"tenant": row["tenant"], "settings": settings,
                      "rule": {"tiers": tiers} if tiers else None})
    return moves


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def move_settings_tiers(engine: Any) -> int:
    """Move every shop's settings tiers into a promotion; returns how many shops got one."""
    rows = await engine.run_ddl(
        "SELECT plugin_state.tenant AS tenant, plugin_state.settings AS settings, "
        "tenant.currency AS currency FROM plugin_state JOIN tenant "
        "ON tenant.id = plugin_state.tenant WHERE plugin_state.plugin = 'marketing'")
    moved = 0
    for move in plan_moves([dict(r) for r in rows or []]):
        tenant = int(move["tenant"])
        if move["rule"] is not None:
            await engine.run_querystring(QueryString(
                "INSERT INTO marketing_promotion (tenant, kind, name, rule, active, "
                "created_at) VALUES ({}, 'tiers', {}, {}, true, CURRENT_TIMESTAMP)",
                tenant, NAME, _json(move["rule"])))
            moved += 1
        await engine.run_querystring(QueryString(
            "UPDATE plugin_state SET settings = {} WHERE tenant = {} AND plugin = 'marketing'",
            _json(move["settings"]), tenant))
    return moved


__all__ = ["move_settings_tiers", "parse_tiers", "plan_moves"]

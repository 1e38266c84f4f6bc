"""The audit log: who did what in a shop."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel.tenancy.tables import AuditLog


async def record(tenant_id: int, actor: str, action: str, subject: str = "",
                 data: dict[str, Any] | None = None) -> None:
    await AuditLog.insert(AuditLog(tenant=tenant_id, actor=actor, action=action,
                                   subject=subject, data=data or {}))


async def recent(tenant_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return await (AuditLog.select().where(AuditLog.tenant == tenant_id)
                  .order_by(AuditLog.id, ascending=False).limit(limit))


async def search(tenant_id: int, *, actor: str = "", action: str = "",
                 since: dt.datetime | None = None, until: dt.datetime | None = None,
                 before_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Entries newest first, filtered by exact actor, action prefix (`staff.` for every
    staff change) and time range [since, until); `before_id` pages on. Call inside the
    shop's scope."""
    query = AuditLog.select().where(AuditLog.tenant == tenant_id)
    if actor:
        query = query.where(AuditLog.actor == actor)
    if action:
        query = query.where(AuditLog.action.like(action.replace("%", "") + "%"))
    if since is not None:
        query = query.where(AuditLog.created_at >= since)
    if until is not None:
        query = query.where(AuditLog.created_at < until)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    return await query.order_by(AuditLog.id, ascending=False).limit(limit)


async def actions(tenant_id: int) -> list[str]:
    """The distinct actions in the shop's log (for the filter's choices)."""
    rows = await AuditLog.select(AuditLog.action).where(
        AuditLog.tenant == tenant_id).distinct().order_by(AuditLog.action)
    return [r["action"] for r in rows]

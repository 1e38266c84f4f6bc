"""The audit log: who did what in a shop."""

from __future__ import annotations

from typing import Any

from galleria.kernel.tenancy.tables import AuditLog


async def record(tenant_id: int, actor: str, action: str, subject: str = "",
                 data: dict[str, Any] | None = None) -> None:
    await AuditLog.insert(AuditLog(tenant=tenant_id, actor=actor, action=action,
                                   subject=subject, data=data or {}))


async def recent(tenant_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return await (AuditLog.select().where(AuditLog.tenant == tenant_id)
                  .order_by(AuditLog.id, ascending=False).limit(limit))

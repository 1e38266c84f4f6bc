"""The points ledger: every change of a shopper's balance is one entry, written once per
`ref` (unique in the shop), in the same transaction as the balance it changes.

Spending is ONE conditional update of the account (`balance >= n`): two checkouts spending
the same points cannot both pass it (PostgreSQL re-checks the condition after the first
commits; SQLite writes one transaction at a time). Entries that add points are lots; what
is spent comes out of the lots that expire first, so that expiry takes only what is left.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import Conflict, FieldError, ValidationFailed
from galleria_plugins.marketing_points.tables import PointsAccount, PointsEntry

ADDING = ("earn", "return", "reward", "adjust")


class NotEnoughPoints(Conflict):
    code, title = "not_enough_points", "Not enough points"


async def ensure_account(tenant_id: int, customer: int) -> None:
    await PointsAccount.insert(PointsAccount(tenant=tenant_id, customer=customer)).on_conflict(
        action="DO NOTHING")


async def get_account(tenant_id: int, customer: int) -> dict[str, Any]:
    row = await PointsAccount.select().where(
        (PointsAccount.tenant == tenant_id) & (PointsAccount.customer == customer)).first()
    return row or {"tenant": tenant_id, "customer": customer, "balance": 0, "earned_total": 0,
                   "spend_total": 0, "level": "", "birthday": ""}


async def _write(tenant_id: int, customer: int, kind: str, points: int, ref: str, *,
                 order_number: str = "", note: str = "", amount: int = 0,
                 expires_at: dt.datetime | None = None) -> bool:
    """The entry, unless `ref` was written already (False then)."""
    inserted = await PointsEntry.insert(PointsEntry(
        tenant=tenant_id, customer=customer, kind=kind, points=points,
        remaining=points if kind in ADDING and points > 0 else 0, expires_at=expires_at,
        order_number=order_number, amount=amount, ref=ref[:80], note=note[:200],
        created_at=dt.datetime.now(dt.UTC),
    )).on_conflict(action="DO NOTHING").returning(PointsEntry.id)
    return bool(inserted)


async def credit(tenant_id: int, customer: int, points: int, kind: str, ref: str, *,
                 order_number: str = "", note: str = "", spend: int = 0,
                 expires_at: dt.datetime | None = None, earned: bool = False) -> bool:
    """Add `points` (a lot expiring at `expires_at`) once per `ref`; True when written now.
    `earned` counts them towards the level's points too, `spend` (minor units) towards
    the level's spend; an entry of 0 points is written when it counts spend."""
    if points < 0 or (points == 0 and not spend) or not await _write(
            tenant_id, customer, kind, points, ref, order_number=order_number, note=note,
            amount=spend, expires_at=expires_at):
        return False
    await ensure_account(tenant_id, customer)
    await PointsAccount.raw(
        "UPDATE marketing_points_account SET balance = balance + {}, "
        "earned_total = earned_total + {}, spend_total = spend_total + {}, updated_at = {} "
        "WHERE tenant = {} AND customer = {}",
        points, points if earned else 0, spend, dt.datetime.now(dt.UTC), tenant_id, customer)
    return True


async def debit(tenant_id: int, customer: int, points: int, kind: str, ref: str, *,
                order_number: str = "", note: str = "", require: bool = True,
                earned: bool = False, spend: int = 0) -> bool:
    """Take `points` once per `ref`; True when taken now. With `require` (spending), the
    balance must cover them, or NotEnoughPoints is raised and the caller's transaction
    rolls back; without (a reversal), the balance may go below zero. Lots are used up
    from the order's own first, then by expiry."""
    if points < 0 or (points == 0 and not spend) or not await _write(
            tenant_id, customer, kind, -points, ref, order_number=order_number, note=note,
            amount=spend):
        return False
    await ensure_account(tenant_id, customer)
    now = dt.datetime.now(dt.UTC)
    args = [points, points if earned else 0, spend, now, tenant_id, customer]
    if require:
        taken = await PointsAccount.raw(
            "UPDATE marketing_points_account SET balance = balance - {}, "
            "earned_total = earned_total - {}, spend_total = spend_total - {}, updated_at = {} "
            "WHERE tenant = {} AND customer = {} AND balance >= {} RETURNING balance",
            *args, points)
    else:
        taken = await PointsAccount.raw(
            "UPDATE marketing_points_account SET balance = balance - {}, "
            "earned_total = earned_total - {}, spend_total = spend_total - {}, updated_at = {} "
            "WHERE tenant = {} AND customer = {} RETURNING balance", *args)
    if not taken:
        account = await get_account(tenant_id, customer)
        raise NotEnoughPoints(f"Only {account['balance']} points are left, not {points}",
                              balance=account["balance"])
    await _use_lots(tenant_id, customer, points, order_number if kind == "reverse" else "")
    return True


async def _use_lots(tenant_id: int, customer: int, points: int, own_order: str) -> None:
    lots = await PointsEntry.select(PointsEntry.id, PointsEntry.remaining,
                                    PointsEntry.expires_at, PointsEntry.order_number).where(
        (PointsEntry.tenant == tenant_id) & (PointsEntry.customer == customer)
        & (PointsEntry.remaining > 0))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    lots.sort(key=lambda lot: (lot["order_number"] != own_order or not own_order,
                               lot["expires_at"] or far, lot["id"]))
    for lot in lots:
        if points <= 0:
            break
        take = min(points, lot["remaining"])
        await PointsEntry.update({PointsEntry.remaining: PointsEntry.remaining - take}).where(
            (PointsEntry.tenant == tenant_id) & (PointsEntry.id == lot["id"]))
        points -= take


async def expire_due(tenant_id: int, now: dt.datetime | None = None) -> int:
    """Expire what is left of the shop's lots due by `now` (inside its scope), once per lot;
    returns the points expired."""
    now = now or dt.datetime.now(dt.UTC)
    due = await PointsEntry.select(PointsEntry.id, PointsEntry.customer,
                                   PointsEntry.remaining).where(
        (PointsEntry.tenant == tenant_id) & (PointsEntry.remaining > 0)
        & PointsEntry.expires_at.is_not_null() & (PointsEntry.expires_at <= now))
    expired = 0
    for lot in due:
        gone = await PointsEntry.update({PointsEntry.remaining: 0}).where(
            (PointsEntry.tenant == tenant_id) & (PointsEntry.id == lot["id"])
            & (PointsEntry.remaining == lot["remaining"])).returning(PointsEntry.id)
        if not gone or not await _write(tenant_id, lot["customer"], "expire",
                                        -lot["remaining"], f"expire:{lot['id']}"):
            continue
        await PointsAccount.raw(
            "UPDATE marketing_points_account SET balance = balance - {}, updated_at = {} "
            "WHERE tenant = {} AND customer = {}", lot["remaining"], now, tenant_id,
            lot["customer"])
        expired += lot["remaining"]
    return expired


async def entries(tenant_id: int, customer: int | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:
    query = PointsEntry.select().where(PointsEntry.tenant == tenant_id)
    if customer is not None:
        query = query.where(PointsEntry.customer == customer)
    return await query.order_by(PointsEntry.id, ascending=False).limit(limit)


async def order_entries(tenant_id: int, number: str) -> list[dict[str, Any]]:
    return await PointsEntry.select().where(
        (PointsEntry.tenant == tenant_id) & (PointsEntry.order_number == number))


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(f"Points: {message}", errors=[FieldError("points", message)])


__all__ = ["NotEnoughPoints", "credit", "debit", "entries", "expire_due", "get_account",
           "order_entries", "refuse"]

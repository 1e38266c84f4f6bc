"""The shopper's points through the storefront API: `GET /api/v1/account/points` (mounted
by `galleria_api_routes`): the balance, the member level and the ledger, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import get

from galleria.kernel import Shop, Unauthorized, shop_scope
from galleria_plugins.marketing_points import ledger


class PointsItem(msgspec.Struct):
    kind: str  # earn | redeem | return | reverse | expire | reward | adjust
    points: int  # signed
    order_number: str | None
    note: str
    created_at: str
    expires_at: str | None  # for points added: when what is left of them expires


class PointsAnswer(msgspec.Struct):
    balance: int
    level: str | None  # the member level's name
    spend_total: int  # minor units counted towards the level
    items: list[PointsItem]


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def item(row: dict[str, Any]) -> PointsItem:
    return PointsItem(kind=row["kind"], points=row["points"],
                      order_number=row["order_number"] or None, note=row["note"],
                      created_at=_iso(row["created_at"]) or "",
                      expires_at=_iso(row["expires_at"]) if row["points"] > 0 else None)


@get("/api/v1/account/points", operation_id="getAccountPoints", tags=["account"])
async def account_points(shop: Shop, customer: Any) -> PointsAnswer:
    """The signed-in shopper's points balance, member level and ledger (the latest 100
    entries, newest first). 401 for a guest."""
    if customer is None:
        raise Unauthorized("Sign in to your account first")
    async with shop_scope(shop.id):
        account = await ledger.get_account(shop.id, customer.id)
        rows = await ledger.entries(shop.id, customer.id)
    return PointsAnswer(balance=account["balance"], level=account["level"] or None,
                        spend_total=account["spend_total"], items=[item(r) for r in rows])


ROUTES = [account_points]

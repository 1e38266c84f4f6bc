"""Points and member levels in the merchant console.

- `/console/p/marketing_points` (a ConsolePage): the figures (points outstanding, earned,
  spent, expired; members per level), the levels, and the latest ledger entries;
- `/plugins/marketing_points/ledger?customer=N` (a console route): one shopper's ledger.
The rates, the cap, the expiry rule and the levels are the plugin's settings (Plugins).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from litestar import Response, get

from galleria.kernel import ConsolePage, Shop, shop_scope
from galleria_plugins.marketing_points import ledger
from galleria_plugins.marketing_points.rules import shop_rules
from galleria_plugins.marketing_points.tables import PointsAccount, PointsEntry

CONSOLE = {"console": True, "area": "marketing"}


def N_(message: str) -> str:  # marks a message for extraction; translated where shown
    return message


KIND_TITLES = {"earn": N_("Earned"), "redeem": N_("Spent at checkout"),
               "return": N_("Given back"), "reverse": N_("Taken back (refund)"),
               "expire": N_("Expired"), "reward": N_("Reward"), "adjust": N_("Adjusted")}


def local_time(shop: Shop, value: dt.datetime | None) -> str:
    if value is None:
        return ""
    try:
        zone = zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def figures(tenant_id: int) -> dict[str, int]:
    """Points outstanding (sum of positive balances), earned, spent, expired, and the
    number of shoppers with an account."""
    accounts = await PointsAccount.select(PointsAccount.balance).where(
        PointsAccount.tenant == tenant_id)
    totals = {kind: 0 for kind in KIND_TITLES}
    for row in await PointsEntry.select(PointsEntry.kind, PointsEntry.points).where(
            PointsEntry.tenant == tenant_id):
        totals[row["kind"]] = totals.get(row["kind"], 0) + row["points"]
    return {"members": len(accounts),
            "outstanding": sum(max(0, a["balance"]) for a in accounts),
            "earned": totals["earn"] + totals["reverse"], "spent": -totals["redeem"]
            - totals["return"], "expired": -totals["expire"], "rewarded": totals["reward"]}


async def overview_context(shop: Shop) -> dict[str, Any]:
    rules = await shop_rules(shop.id, shop.currency)
    levels = await PointsAccount.select(PointsAccount.level).where(
        PointsAccount.tenant == shop.id)
    per_level = {level.name: 0 for level in rules.levels}
    for row in levels:
        if row["level"] in per_level:
            per_level[row["level"]] += 1
    return {"figures": await figures(shop.id), "rules": rules, "per_level": per_level,
            "entries": await ledger.entries(shop.id, limit=30), "kinds": KIND_TITLES,
            "time": lambda value: local_time(shop, value), "currency": shop.currency}


PAGES = [ConsolePage("marketing_points", "Points & levels", title_zh="积分与会员",
                     icon="star", area="marketing", template="marketing_points/overview.html",
                     context=overview_context)]


@get("/ledger", opt=CONSOLE, name="marketing_points:ledger")
async def customer_ledger(shop: Shop, console: Any, customer: int = 0) -> Response:
    """One shopper's balance, level and ledger, by customer number."""
    async with shop_scope(shop.id):
        account = await ledger.get_account(shop.id, customer) if customer else None
        rows = await ledger.entries(shop.id, customer, limit=200) if customer else []
    return await console.page("marketing_points/ledger.html", nav="marketing_points",
                              title=console.gettext("Points ledger"), customer=customer,
                              account=account, entries=rows, kinds=KIND_TITLES,
                              time=lambda value: local_time(shop, value))


ROUTES = [customer_ledger]

"""Points and member levels in the merchant console.

- `/console/p/marketing_points` (a ConsolePage): the figures (points outstanding, earned,
  spent, expired; members per level), the levels, and the latest ledger entries;
- `/plugins/marketing_points/ledger?customer=N` (a console route): one shopper's ledger.
The rates, the cap, the expiry rule and the levels are the plugin's settings (Plugins).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import ConsolePage, DomainError, Shop, shop_scope
from galleria_plugins.marketing_points import ledger
from galleria_plugins.marketing_points.rewards import recalculate_level
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
    """Points outstanding (sum of positive balances), earned, spent, expired, the number of
    shoppers with an account, and the orders paid partly with points (given back ones
    excepted) with what those points took off them (minor units)."""
    accounts = await PointsAccount.select(PointsAccount.balance).where(
        PointsAccount.tenant == tenant_id)
    totals = {kind: 0 for kind in KIND_TITLES}
    spent_by_order: dict[str, int] = {}
    for row in await PointsEntry.select(PointsEntry.kind, PointsEntry.points,
                                        PointsEntry.order_number).where(
            PointsEntry.tenant == tenant_id):
        totals[row["kind"]] = totals.get(row["kind"], 0) + row["points"]
        if row["kind"] in ("redeem", "return") and row["order_number"]:
            spent_by_order[row["order_number"]] = (spent_by_order.get(row["order_number"], 0)
                                                   - row["points"])
    rules = await shop_rules(tenant_id)
    kept = [points for points in spent_by_order.values() if points > 0]
    return {"members": len(accounts),
            "outstanding": sum(max(0, a["balance"]) for a in accounts),
            "earned": totals["earn"] + totals["reverse"], "spent": -totals["redeem"]
            - totals["return"], "expired": -totals["expire"], "rewarded": totals["reward"],
            "orders": len(kept), "discount": sum(rules.points_value(p) for p in kept)}


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


async def _ledger_page(shop: Shop, console: Any, customer: int, *, error: str = "",
                       values: dict[str, str] | None = None,
                       status_code: int = 200) -> Response:
    async with shop_scope(shop.id):
        account = await ledger.get_account(shop.id, customer) if customer else None
        rows = await ledger.entries(shop.id, customer, limit=200) if customer else []
    return await console.page("marketing_points/ledger.html", nav="marketing_points",
                              title=console.gettext("Points ledger"), customer=customer,
                              account=account, entries=rows, kinds=KIND_TITLES,
                              time=lambda value: local_time(shop, value), error=error,
                              values=values or {}, status_code=status_code,
                              nonce=(values or {}).get("nonce") or secrets.token_urlsafe(12))


@get("/ledger", opt=CONSOLE, name="marketing_points:ledger")
async def customer_ledger(shop: Shop, console: Any, customer: int = 0) -> Response:
    """One shopper's balance, level and ledger, by customer number."""
    return await _ledger_page(shop, console, customer)


@post("/ledger/adjust", opt=CONSOLE, name="marketing_points:adjust")
async def adjust(request: Request, shop: Shop, console: Any) -> Response:
    """Give a shopper points (a goodwill gesture) or take some off: one ledger entry, in
    the staff member's name; taking more than the balance is refused."""
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    customer = int(form["customer"]) if form.get("customer", "").isdigit() else 0
    text = form.get("points", "")
    points = int(text) if text.lstrip("+-").isdigit() and len(text) <= 9 else 0
    if not customer or not points:
        return await _ledger_page(shop, console, customer, values=form, status_code=422,
                                  error=console.gettext("Enter a whole number of points, "
                                                        "such as 500 or -200"))
    note = f"{console.actor}: {form.get('note', '')}"[:200]
    # The form's own key: sent twice (a double click, a reload), it adjusts once.
    ref = f"adjust:{customer}:{form.get('nonce', '')[:24] or secrets.token_urlsafe(12)}"
    try:
        async with shop_scope(shop.id):
            if points > 0:
                await ledger.credit(shop.id, customer, points, "adjust", ref, note=note,
                                    earned=True)
            else:
                await ledger.debit(shop.id, customer, -points, "adjust", ref, note=note,
                                   earned=True)
            await recalculate_level(shop.id, customer)
    except DomainError:
        return await _ledger_page(shop, console, customer, values=form, status_code=422,
                                  error=console.gettext("The shopper does not have that many "
                                                        "points"))
    return Redirect(f"/plugins/marketing_points/ledger?customer={customer}", status_code=303)


ROUTES = [customer_ledger, adjust]

"""The shopper's points on the storefront: a panel of the account page (我的) with the
balance, the member level and the latest entries, and the whole ledger at
`/plugins/marketing_points/me` (a storefront page; a guest is sent to sign in)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import AccountPanel, DomainError, Shop, format_minor, shop_scope
from galleria_plugins.marketing_points import birthdays, ledger
from galleria_plugins.marketing_points.console import KIND_TITLES, local_time
from galleria_plugins.marketing_points.rules import shop_rules

ME = "/plugins/marketing_points/me"


async def _view(shop: Shop, customer: int, limit: int) -> dict[str, Any]:
    account = await ledger.get_account(shop.id, customer)
    rules = await shop_rules(shop.id, shop.currency)
    level = rules.level_named(account["level"])
    upcoming = [lv for lv in rules.levels if level is None or lv.threshold > level.threshold]
    return {"balance": account["balance"], "level": level, "next_level": upcoming[0]
            if upcoming else None, "basis": rules.level_basis,
            "spend": format_minor(account["spend_total"], shop.currency),
            "worth": format_minor(rules.points_value(max(0, account["balance"])),
                                  shop.currency),
            "entries": await ledger.entries(shop.id, customer, limit=limit),
            "kinds": KIND_TITLES, "time": lambda value: local_time(shop, value),
            "money": lambda amount: format_minor(amount, shop.currency), "link": ME,
            "birthday": account.get("birthday") or "",
            "birthday_points": max((lv.birthday_points for lv in rules.levels), default=0)}


async def panel_context(shop: Shop, customer_id: int) -> dict[str, Any]:
    return await _view(shop, customer_id, limit=5)


PANELS = [AccountPanel("marketing_points", "marketing_points/account_panel.html",
                       panel_context, order=10)]


@get("/me", name="marketing_points:me")
async def my_points(shop: Shop, storefront: Any) -> Response:
    if storefront.customer is None:
        return Redirect(f"/account/sign-in?next={ME}", status_code=303)
    async with shop_scope(shop.id):
        view = await _view(shop, storefront.customer.id, limit=200)
    return storefront.page("marketing_points/me.html", title=storefront.gettext("My points"),
                           points=view)


@post("/birthday", name="marketing_points:birthday")
async def set_birthday(request: Request, shop: Shop, storefront: Any) -> Response:
    """The shopper gives their birthday, once (for the level's birthday points)."""
    if storefront.customer is None:
        return Redirect(f"/account/sign-in?next={ME}", status_code=303)
    form = await request.form()
    try:
        birthday = birthdays.check(int(form.get("month") or 0), int(form.get("day") or 0))
        async with shop_scope(shop.id):
            await birthdays.set_birthday(shop.id, storefront.customer.id, birthday,
                                         shop.timezone)
    except (ValueError, DomainError):
        async with shop_scope(shop.id):
            view = await _view(shop, storefront.customer.id, limit=200)
        return storefront.page("marketing_points/me.html", status_code=422,
                               title=storefront.gettext("My points"), points=view,
                               birthday_error=storefront.gettext("Choose a month and a day"))
    return Redirect(ME, status_code=303)


ROUTES = [my_points, set_birthday]

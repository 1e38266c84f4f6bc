"""The console's figures, ready for a page: the dashboard's overview and the pieces the
report pages share (the period a query names, money, counts and changes as people read them).

Every figure is shown in the page's language (yuan with two decimals, percentages, dates in
the shop's time zone), as a chart drawn by `static/reports.js` with Apache ECharts from a
`<script type="application/json">` block (the CSP forbids inline scripts) and as a table with
the same figures for screen readers and printing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from litestar import Request

from galleria.kernel.errors import DomainError
from galleria.kernel.money import format_minor
from galleria.kernel.reports.overview import overview
from galleria.kernel.reports.periods import (
    RANGES,
    local_day,
    period_for,
    zone_of,
)
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.pages.render import gettext_for, request_locale

RANGE_TITLES = {"today": N_("Today"), "yesterday": N_("Yesterday"),
                "7d": N_("Last 7 days"), "30d": N_("Last 30 days")}
GROUP_TITLES = {"day": N_("By day"), "week": N_("By week"), "month": N_("By month")}
# The overview's cards: figure, title, how it is shown.
CARDS = (("sales", N_("Sales"), "money"), ("orders", N_("Orders placed"), "count"),
         ("paid_orders", N_("Orders paid"), "count"),
         ("average_order_value", N_("Average order value"), "money"),
         ("paying_customers", N_("Paying customers"), "count"),
         ("visitors", N_("Visitors"), "count"),
         ("refunded_total", N_("Refunds"), "money"))
FUNNEL = (("visitors_to_carts", N_("Visitors → carts")),
          ("carts_to_orders", N_("Carts → orders")),
          ("orders_to_paid", N_("Orders → paid")),
          ("visitors_to_paid", N_("Visitors → paid")))


def show(value: Any, kind: str, currency: str, locale: str) -> str:
    if kind == "money":
        return format_minor(int(value or 0), currency)
    if kind == "percent":
        return "—" if value is None else format_percent(value, "#,##0.0%", locale=locale)
    return format_decimal(value or 0, locale=locale)


def _change(value: float | None, locale: str) -> dict[str, str]:
    if value is None:
        return {"text": "—", "trend": "flat"}
    trend = "up" if value > 0 else "down" if value < 0 else "flat"
    return {"text": format_percent(value, "+#,##0.0%;-#,##0.0%", locale=locale),
            "trend": trend}


def chosen_period(request: Request, shop: Shop) -> tuple[Any, dict[str, str], str | None]:
    """The period the page's query names (a bad one falls back to 30 days, with a note)."""
    query = request.query_params
    today = local_day(dt.datetime.now(dt.UTC), zone_of(shop.timezone))
    chosen = {"range": query.get("range") or "", "from": query.get("from") or "",
              "to": query.get("to") or ""}
    try:
        period = period_for(chosen["range"] or None, chosen["from"] or None,
                            chosen["to"] or None, today)
    except DomainError:
        return period_for("30d", None, None, today), {"range": "30d", "from": "", "to": ""}, \
            N_("That date range could not be read; showing the last 30 days.")
    if not (chosen["range"] or chosen["from"]):
        chosen["range"] = "30d"
    return period, chosen, None


def dates_text(period: Any, locale: str) -> str:
    first = format_date(period.first, "medium", locale=locale)
    last = format_date(period.last, "medium", locale=locale)
    return first if period.first == period.last else f"{first} – {last}"


async def overview_context(request: Request, shop: Shop) -> dict[str, Any]:
    """What the dashboard's upper half shows for the period the query names."""
    locale = request_locale(request, shop)
    translate = gettext_for(request)
    period, chosen, note = chosen_period(request, shop)
    found = await overview(shop.id, shop.timezone, period)
    current, previous = found["current"], found["previous"]
    cards = [{"key": key, "title": translate(title),
              "value": show(current[key], kind, shop.currency, locale),
              "previous": show(previous[key], kind, shop.currency, locale),
              "change": _change(found["change"].get(key), locale)}
             for key, title, kind in CARDS]
    funnel = [{"key": key, "title": translate(title),
               "value": show(current["conversion"][key], "percent", shop.currency, locale),
               "previous": show(previous["conversion"][key], "percent", shop.currency,
                                 locale)}
              for key, title in FUNNEL]
    return {"overview": {
        "cards": cards, "funnel": funnel, "chosen": chosen,
        "note": translate(note) if note else "",
        "ranges": [{"key": key, "title": translate(RANGE_TITLES[key])} for key in RANGES],
        "dates": dates_text(period, locale),
        "previous_dates": dates_text(period.previous(), locale),
        "counts": {"carts": current["carts"], "orders": current["orders"],
                   "paid": current["paid_orders"], "visitors": current["visitors"]},
    }}


__all__ = [
    "CARDS",
    "FUNNEL",
    "GROUP_TITLES",
    "RANGE_TITLES",
    "chosen_period",
    "dates_text",
    "overview_context",
    "show",
]

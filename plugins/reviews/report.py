"""The reviews' tab of the console's reports (数据中心), through the kernel hook
`galleria_report_tabs`:

- `/plugins/reviews/report?range=&from=&to=&order=` — per product, the reviews written in the
  period (dates in the shop's time zone): count, average, share of 4–5 stars, as a chart and
  a table; most reviewed first, or the lowest rated first (`order=low`);
- `/plugins/reviews/report/export?format=csv|xlsx&…` — the same table as a file.
Hidden and held reviews count, as on the reviews' overview: they are buyers' opinions.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any

from babel.dates import format_date
from litestar import Response, get
from litestar.params import QueryParameter

from galleria.kernel import (
    FieldError,
    ReportTab,
    Shop,
    ValidationFailed,
    csv_bytes,
    shop_scope,
    xlsx_bytes,
)
from galleria_plugins.reviews import service

REPORTS = {"console": True, "area": "reports"}
URL = "/plugins/reviews/report"
TAB = ReportTab("reviews", "Product reviews", URL, title_zh="商品评价")
RANGES = {"7d": 7, "30d": 30, "90d": 90, "all": 0}


def N_(message: str) -> str:  # marks a message for extraction; translated where shown
    return message


RANGE_TITLES = {"7d": N_("Last 7 days"), "30d": N_("Last 30 days"), "90d": N_("Last 90 days"),
                "all": N_("Every review")}
ORDERS = ("most", "low")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zone(shop: Shop) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Shanghai")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def period(shop: Shop, chosen: str, first: str, last: str
           ) -> tuple[str, dt.date | None, dt.date | None, str]:
    """`(range, from, to, note)`: typed dates win over a preset; a bad or reversed date
    falls back to the last 30 days with a note saying so."""
    start, end = _date(first), _date(last)
    today = dt.datetime.now(_zone(shop)).date()
    if (first and start is None) or (last and end is None) or (start and end and start > end):
        return "30d", today - dt.timedelta(days=29), today, "bad_dates"
    if start or end:
        return "custom", start, end, ""
    chosen = chosen if chosen in RANGES else "30d"
    days = RANGES[chosen]
    return chosen, (today - dt.timedelta(days=days - 1) if days else None), \
        (today if days else None), ""


async def rows_for(shop: Shop, start: dt.date | None, end: dt.date | None, order: str
                   ) -> list[dict[str, Any]]:
    zone = _zone(shop)
    begin = dt.datetime.combine(start, dt.time(), zone) if start else None
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone) if end else None
    async with shop_scope(shop.id):
        rows = await service.product_ratings(shop.id, begin, stop)
    if order == "low":  # the products that need attention: lowest average, then most reviews
        rows.sort(key=lambda e: (e["average"] or 0, -e["count"], e["product_id"]))
    return rows


def _day(day: dt.date | None, locale: str) -> str:
    """A date as the platform's reports write it (2026年11月7日, Nov 7, 2026)."""
    if day is None:
        return "…"
    try:
        return format_date(day, "medium", locale=locale)
    except (ValueError, LookupError):
        return day.isoformat()


def _average(value: Any) -> str:
    return f"{value:.1f}" if value is not None else "—"


def _share(value: Any) -> str:
    return f"{value}%" if value is not None else "—"


def _query(chosen: str, start: dt.date | None, end: dt.date | None, order: str) -> str:
    if chosen == "custom":
        dates = f"from={start.isoformat() if start else ''}&to={end.isoformat() if end else ''}"
    else:
        dates = f"range={chosen}"
    return f"{dates}&order={order}"


@get("/report", opt=REPORTS, name="reviews:report")
async def report(shop: Shop, console: Any,
                 chosen: Annotated[str, QueryParameter(name="range", max_length=8)] = "30d",
                 first: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
                 last: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
                 order: str = "most") -> Response:
    """The reviews' report tab: chart, figures and table over the chosen period."""
    _ = console.gettext
    chosen, start, end, note = period(shop, chosen, first, last)
    order = order if order in ORDERS else "most"
    rows = await rows_for(shop, start, end, order)
    totals = service.summary_of([int(star) for row in rows
                                 for star, n in row["counts"].items() for _i in range(n)])
    top = rows[:15]
    chart = {"locale": console.locale,
             "labels": [row["name"] or f"#{row['product_id']}" for row in top],
             "count_name": _("Number of reviews"), "average_name": _("Average rating"),
             "counts": [row["count"] for row in top],
             "averages": [row["average"] for row in top]}
    if start or end:
        dates = f"{_day(start, console.locale)} – {_day(end, console.locale)}"
    else:
        dates = _("Every review")
    # In the reports' own frame (console/report_page.html): its period picker reads
    # `chosen` as {range, from, to}, and the sort order is the picker's one choice.
    return await console.report_page(
        "reviews/report.html", tab="reviews", title=_("Product reviews"), rows=rows,
        totals=totals, chart=chart, dates=dates,
        chosen={"range": chosen, "from": start.isoformat() if start else "",
                "to": end.isoformat() if end else ""},
        ranges=[{"key": key, "title": _(title)} for key, title in RANGE_TITLES.items()],
        period_choice={"name": "order", "label": _("Sort by"), "value": order, "options": [
            {"key": "most", "title": _("Most reviewed first")},
            {"key": "low", "title": _("Lowest rated first")}]},
        query=_query(chosen, start, end, order),
        note=_("Check the dates: showing the last 30 days.") if note else "",
        average=_average, share=_share)


@get("/report/export", opt=REPORTS, name="reviews:report-export")
async def report_export(shop: Shop, console: Any, format: str = "csv",
                        chosen: Annotated[str, QueryParameter(name="range",
                                                              max_length=8)] = "30d",
                        first: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
                        last: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
                        order: str = "most") -> Response:
    """The report's table as CSV (UTF-8 with a BOM, for Excel) or an Excel workbook."""
    _ = console.gettext
    if format not in ("csv", "xlsx"):
        raise ValidationFailed("Bad format", errors=[FieldError(
            "format", "csv or xlsx")])
    chosen, start, end, _note = period(shop, chosen, first, last)
    rows = await rows_for(shop, start, end, order if order in ORDERS else "most")
    header = [_("Product"), _("Number of reviews"), _("Average rating"),
              _("Share of 4–5 stars (%)"), "5★", "4★", "3★", "2★", "1★"]
    table = [[row["name"], row["count"], row["average"], row["good_share"],
              *(row["counts"][str(star)] for star in range(5, 0, -1))] for row in rows]
    stamp = f"{start.isoformat() if start else 'all'}_{end.isoformat() if end else 'all'}"
    if format == "xlsx":
        body, media, suffix = xlsx_bytes(_("Product reviews")[:31], header, table), XLSX, "xlsx"
    else:
        body, media, suffix = csv_bytes(header, table), "text/csv; charset=utf-8", "csv"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="reviews_{stamp}.{suffix}"'})


ROUTES = [report, report_export]

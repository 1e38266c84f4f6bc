"""The storefront's visitor count (reports' conversion funnel starts with it).

A browser is counted once per shop-local day: the first storefront page it opens that day
records one visit (one upsert) and sets a cookie holding the day; every other page that
day sees the cookie and writes nothing, so the counter costs no request more than that.
The product page and the home page write it in their own transaction of reads, as its last
statement (`count_in_scope`): no second transaction.
"""

from __future__ import annotations

from litestar import Request, Response

from galleria.kernel.reports.visits import VISIT_COOKIE, record_visit_on_commit, visit_day
from galleria.kernel.tenancy.shops import Shop


def uncounted_day(request: Request, shop: Shop) -> str | None:
    """The shop-local day to count this browser on, or None: counted today already."""
    day = visit_day(shop.timezone)
    return None if request.cookies.get(VISIT_COOKIE) == day else day


def count_in_scope(shop: Shop, day: str | None) -> None:
    """In the page's open shop scope: its transaction counts the visit as it commits (no
    transaction of its own). A page that fails before then rolls it back: not counted."""
    if day is not None:
        record_visit_on_commit(shop.id, day)


def remember_visit(request: Request, response: Response, day: str | None) -> Response:
    """The cookie that says the browser was counted on `day` (see `count_in_scope`)."""
    if day is not None and response.status_code < 400:
        response.set_cookie(VISIT_COOKIE, day, max_age=2 * 24 * 3600, path="/",
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


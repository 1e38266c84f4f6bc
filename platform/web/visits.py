"""The storefront's visitor count (reports' conversion funnel starts with it).

A browser is counted once per shop-local day: the first storefront page it opens that day
records one visit (one upsert) and sets a cookie holding the day; every other page that
day sees the cookie and writes nothing, so the counter costs no request more than that.
"""

from __future__ import annotations

from litestar import Request, Response

from galleria.kernel.reports.visits import VISIT_COOKIE, record_visit, visit_day
from galleria.kernel.tenancy.shops import Shop


async def count_visit(request: Request, shop: Shop, response: Response) -> Response:
    day = visit_day(shop.timezone)
    if request.cookies.get(VISIT_COOKIE) != day and response.status_code < 400:
        await record_visit(shop.id, day)
        response.set_cookie(VISIT_COOKIE, day, max_age=2 * 24 * 3600, path="/",
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response

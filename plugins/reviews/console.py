"""Reviews in the merchant console.

- `/console/p/reviews` (a ConsolePage, area `orders`): the figures (average, count, share
  of 4–5 stars, held and hidden reviews, the shop's three ratings) and the reviews waiting
  for a person;
- `/plugins/reviews/manage?status=&rating=` (a console route): every review, filtered, each
  with its reply and moderation forms;
- `POST /plugins/reviews/{id}/reply|hide|publish`: what those forms do.
The sensitive-word list is the plugin's setting (Plugins).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import ConsolePage, DomainError, Shop, ValidationFailed, shop_scope
from galleria_plugins.reviews import service
from galleria_plugins.reviews.storefront import ASPECT_TITLES, STATUS_TITLES

CONSOLE = {"console": True, "area": "orders"}
MANAGE = "/plugins/reviews/manage"


def local_time(shop: Shop, value: str | None) -> str:
    if not value:
        return ""
    try:
        zone = zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _common(shop: Shop) -> dict[str, Any]:
    return {"statuses": STATUS_TITLES, "aspects": ASPECT_TITLES,
            "time": lambda value: local_time(shop, value)}


async def overview_context(shop: Shop) -> dict[str, Any]:
    items, _ = await service.console_list(shop.id, status=service.PENDING, limit=50)
    return {"figures": await service.figures(shop.id), "reviews": items,
            "back": "/console/p/reviews", **_common(shop)}


PAGES = [ConsolePage("reviews", "Reviews", title_zh="商品评价", icon="sparkles", area="orders",
                     template="reviews/overview.html", context=overview_context)]


async def _manage(shop: Shop, console: Any, status: str, rating: int, cursor: str | None,
                  *, error: str = "", status_code: int = 200) -> Response:
    status = status if status in service.STATUSES else ""
    rating = rating if rating in (1, 2, 3, 4, 5) else 0
    async with shop_scope(shop.id):
        figures = await service.figures(shop.id)
        try:
            items, next_cursor = await service.console_list(
                shop.id, status=status or None, rating=rating or None, limit=30,
                cursor=(cursor or "")[:40] or None)
        except ValidationFailed:
            items, next_cursor = [], None
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("rating", rating)) if v)
    return await console.page("reviews/manage.html", nav="reviews",
                              title=console.gettext("Product reviews"), figures=figures,
                              items=items,
                              status=status, rating=rating, next_cursor=next_cursor,
                              back=f"{MANAGE}?{query}" if query else MANAGE, error=error,
                              status_code=status_code, **_common(shop))


@get("/manage", opt=CONSOLE, name="reviews:manage")
async def manage(shop: Shop, console: Any, status: str = "", rating: int = 0,
                 cursor: str | None = None) -> Response:
    """Every review of the shop, newest first, filtered by state and stars."""
    return await _manage(shop, console, status[:12], rating, cursor)


def _back(form: dict[str, str]) -> str:
    back = form.get("back", "")
    return back if back.startswith((MANAGE, "/console/p/reviews")) else MANAGE


async def _act(request: Request, shop: Shop, console: Any, review_id: int, action: str
               ) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        async with shop_scope(shop.id):
            if action == "reply":
                await service.reply(shop.id, review_id, form.get("text", ""), console.actor)
            elif action == "hide":
                await service.hide(shop.id, review_id, form.get("reason", ""))
            else:
                await service.publish(shop.id, review_id)
    except DomainError as exc:
        message = exc.errors[0].message if exc.errors else str(exc.detail)
        if action == "reply":
            message = console.gettext("Write a reply of at most 500 characters")
        elif action == "hide":
            message = console.gettext("Say why the review is hidden (at most 200 characters)")
        else:
            message = console.gettext(message)
        return await _manage(shop, console, "", 0, None, error=message, status_code=422)
    return Redirect(f"{_back(form)}#review-{review_id}", status_code=303)


@post("/{review_id:int}/reply", opt=CONSOLE, name="reviews:reply")
async def reply(request: Request, shop: Shop, console: Any, review_id: int) -> Response:
    """The shop's public answer under a review."""
    return await _act(request, shop, console, review_id, "reply")


@post("/{review_id:int}/hide", opt=CONSOLE, name="reviews:hide")
async def hide(request: Request, shop: Shop, console: Any, review_id: int) -> Response:
    """Take a review off the product page, with the reason."""
    return await _act(request, shop, console, review_id, "hide")


@post("/{review_id:int}/publish", opt=CONSOLE, name="reviews:publish")
async def publish(request: Request, shop: Shop, console: Any, review_id: int) -> Response:
    """Publish a held review, or show a hidden one again."""
    return await _act(request, shop, console, review_id, "publish")


ROUTES = [manage, reply, hide, publish]

"""The reviews API (mounted by `galleria_api_routes`).

Storefront (`/api/v1/`):
- `POST /api/v1/orders/{number}/reviews` — the signed-in buyer of a delivered order rates
  its lines and the shop; 401 for a guest, 404 for anyone but the buyer, 403 before
  delivery, 409 for a line already reviewed;
- `POST /api/v1/orders/{number}/reviews/photos` — a photo for a review (multipart `file`);
- `GET /api/v1/orders/{number}/reviews` — the buyer's reviews of the order, by line;
- `GET /api/v1/products/{id}/reviews?limit=&cursor=&rating=&with_photos=` — published
  reviews, newest first, with the product's summary (average, counts per star);
- `GET /api/v1/account/reviews` — the signed-in shopper's reviews.

Admin (`/api/admin/v1/`, scope `orders`; the report `reports`):
- `GET /api/admin/v1/reviews?status=&rating=&product=&limit=&cursor=`;
- `POST /api/admin/v1/reviews/{id}/reply|hide|publish`;
- `GET /api/admin/v1/reports/reviews?from=&to=` — per-product ratings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter, QueryParameter

from galleria.kernel import (
    FieldError,
    Shop,
    Unauthorized,
    ValidationFailed,
    shop_scope,
    store_photo,
)
from galleria_plugins.reviews import service
from galleria_plugins.reviews.service import ItemInput

Number = Annotated[str, Parameter(max_length=20)]
Limit = Annotated[int, Parameter(ge=1, le=50)]
Cursor = Annotated[str | None, Parameter(max_length=40)]
Stars = Annotated[int | None, Parameter(ge=1, le=5)]


class ReviewItemBody(msgspec.Struct):
    line_id: int
    rating: int
    text: str = ""
    photos: list[str] = []


class ShopRatingBody(msgspec.Struct):
    described: int
    logistics: int
    service: int


class ReviewBody(msgspec.Struct):
    """`items`: one per order line reviewed (`line_id` from `GET …/reviews`' `lines`, 1–5
    `rating`, `text` of at most 500 characters, at most 6 `photos` keys from the photo
    upload); `shop_rating`: 描述相符, 物流服务, 服务态度, each 1–5, once per order;
    `anonymous`: the reviews do not name the buyer (otherwise by a masked name, 李**)."""

    items: list[ReviewItemBody] = []
    shop_rating: ShopRatingBody | None = None
    anonymous: bool = False


class Photo(msgspec.Struct):
    key: str
    url: str
    thumb_url: str


class ReviewView(msgspec.Struct):
    id: int
    product_id: int
    variant_id: int
    product_name: str
    options: str
    rating: int
    text: str
    reviewer: str | None  # the buyer's masked name (李**); None when anonymous or unnamed
    anonymous: bool
    photos: list[Photo]
    reply: str | None
    replied_at: str | None
    created_at: str | None


class MerchantReviewView(ReviewView):
    status: str  # published | pending | hidden
    order_number: str
    line_id: int
    customer_id: int
    held_words: str  # the sensitive words that held it
    hidden_reason: str
    replied_by: str


class ShopRatingView(msgspec.Struct):
    described: int
    logistics: int
    service: int


class Submitted(msgspec.Struct):
    reviews: list[MerchantReviewView]
    shop_rating: ShopRatingView | None


class Summary(msgspec.Struct):
    count: int
    average: float | None
    counts: dict[str, int]  # "5" … "1"
    good_share: int | None  # per cent of 4 and 5 stars


class ProductReviews(msgspec.Struct):
    product_id: int
    summary: Summary
    items: list[ReviewView]
    next_cursor: str | None


class MerchantReviews(msgspec.Struct):
    items: list[MerchantReviewView]
    next_cursor: str | None


class OrderLineReview(msgspec.Struct):
    line_id: int  # what `POST /api/v1/orders/{number}/reviews` names in `items[].line_id`
    variant_id: int
    product_id: int | None
    sku: str
    name: str
    options: str
    review: MerchantReviewView | None  # null: not reviewed yet


class OrderReviews(msgspec.Struct):
    number: str
    lines: list[OrderLineReview]
    shop_rating: ShopRatingView | None


class ReplyBody(msgspec.Struct):
    text: str


class HideBody(msgspec.Struct):
    reason: str


class ReviewsReport(msgspec.Struct):
    name: str
    period: dict[str, Any]
    series: list[dict[str, Any]]  # per product: product_id, name, count, average, counts…
    totals: dict[str, Any]


def _merchant(review: dict[str, Any]) -> MerchantReviewView:
    return msgspec.convert(review, MerchantReviewView)


def _public(review: dict[str, Any]) -> ReviewView:
    return msgspec.convert(review, ReviewView)


def _shop_rating(row: dict[str, Any] | None) -> ShopRatingView | None:
    return ShopRatingView(**{a: row[a] for a in service.SHOP_ASPECTS}) if row else None


async def _buyer(customer: Any) -> int:
    if customer is None:
        raise Unauthorized("Sign in to your account first")
    return customer.id


# -- storefront -------------------------------------------------------------------------------
@post("/api/v1/orders/{number:str}/reviews", operation_id="reviewOrder", status_code=201,
      tags=["storefront"])
async def review_order(shop: Shop, customer: Any, number: Number, data: ReviewBody,
                       idempotent: Any) -> Response[Submitted]:
    """Rate the lines of a delivered order (one review per line) and the shop (once per
    order). A review whose text holds one of the shop's sensitive words is held for the
    merchant (`status: pending`) instead of published."""
    customer_id = await _buyer(customer)

    async def work() -> Response:
        items = [ItemInput(i.line_id, i.rating, i.text, i.photos) for i in data.items]
        rating = msgspec.structs.asdict(data.shop_rating) if data.shop_rating else None
        done = await service.submit(shop.id, customer_id, number, items, rating,
                                    anonymous=data.anonymous)
        return Response(Submitted(
            reviews=[_merchant(service.view(r, public=False)) for r in done["reviews"]],
            shop_rating=_shop_rating(done["shop_rating"])), status_code=201)

    return await idempotent(work)


@dataclass
class PhotoUpload:
    """The multipart form: one field `file` (a form without it is a 400, not a crash)."""

    file: UploadFile


async def _keep_body(request: Request) -> None:
    """Read a multipart body before it is parsed, so `Idempotency-Key` can hash it."""
    await request.body()


@post("/api/v1/orders/{number:str}/reviews/photos", operation_id="uploadReviewPhoto",
      status_code=201, before_request=_keep_body, tags=["storefront"])
async def upload_photo(shop: Shop, customer: Any, number: Number, idempotent: Any,
                       data: Annotated[PhotoUpload,
                                       Body(media_type=RequestEncodingType.MULTI_PART)]
                       ) -> Response[Photo]:
    """A photo for a review of this order (multipart field `file`: a JPEG, PNG or WebP
    picture of at most 8 MB, checked and re-encoded like product pictures). Name its `key`
    in the review's `photos` (at most 6 per review)."""
    customer_id = await _buyer(customer)

    async def work() -> Response:
        await service.buyers_order(shop.id, customer_id, number)
        stored = await store_photo(shop.id, service.PHOTO_FOLDER, await data.file.read())
        return Response(Photo(**stored), status_code=201)

    return await idempotent(work)


@get("/api/v1/orders/{number:str}/reviews", operation_id="listOrderReviews",
     tags=["storefront"])
async def order_reviews(shop: Shop, customer: Any, number: Number) -> OrderReviews:
    """The lines of this delivered order as its buyer reviews them — each with the
    `line_id` a review names and the review so far (null: not reviewed yet) — and their
    rating of the shop."""
    customer_id = await _buyer(customer)
    async with shop_scope(shop.id):
        facts = await service.buyers_order(shop.id, customer_id, number)
        by_line, rated = await service.order_reviews(shop.id, number)
    return OrderReviews(number=number, shop_rating=_shop_rating(rated), lines=[
        OrderLineReview(line_id=line.line_id, variant_id=line.variant_id,
                        product_id=line.product_id, sku=line.sku, name=line.name,
                        options=service.options_text(line.options),
                        review=_merchant(by_line[line.line_id])
                        if line.line_id in by_line else None) for line in facts.lines])


@get("/api/v1/products/{product_id:int}/reviews", operation_id="listProductReviews",
     tags=["storefront"])
async def product_reviews(shop: Shop, product_id: int, limit: Limit = 10,
                          cursor: Cursor = None, rating: Stars = None,
                          with_photos: bool = False) -> ProductReviews:
    """The product's published reviews, newest first (`limit`, `cursor`; `rating` keeps one
    star count, `with_photos` those with photos), and its summary: the number of published
    reviews, their average (one decimal) and the count per star."""
    async with shop_scope(shop.id):
        summary = await service.product_summary(shop.id, product_id)
        items, next_cursor = await service.product_reviews(
            shop.id, product_id, limit=limit, cursor=cursor, rating=rating,
            with_photos=with_photos)
    return ProductReviews(product_id=product_id, summary=msgspec.convert(summary, Summary),
                          items=[_public(i) for i in items], next_cursor=next_cursor)


@get("/api/v1/account/reviews", operation_id="listAccountReviews", tags=["account"])
async def account_reviews(shop: Shop, customer: Any) -> MerchantReviews:
    """The signed-in shopper's reviews, newest first (the latest 50), with their status."""
    customer_id = await _buyer(customer)
    async with shop_scope(shop.id):
        rows = await service.customer_reviews(shop.id, customer_id)
    return MerchantReviews(items=[_merchant(r) for r in rows], next_cursor=None)


# -- admin ------------------------------------------------------------------------------------
def _status(status: str | None) -> str | None:
    if status and status not in service.STATUSES:
        raise ValidationFailed("Unknown status", errors=[FieldError(
            "status", "one of " + ", ".join(service.STATUSES))])
    return status or None


@get("/api/admin/v1/reviews", operation_id="listReviews", tags=["reviews"])
async def list_reviews(shop: Shop, limit: Limit = 20, cursor: Cursor = None,
                       status: Annotated[str | None, Parameter(max_length=12)] = None,
                       rating: Stars = None, product: int | None = None) -> MerchantReviews:
    """Every review of the shop, newest first; filter by `status` (published, pending,
    hidden), `rating` and `product`."""
    async with shop_scope(shop.id):
        items, next_cursor = await service.console_list(
            shop.id, status=_status(status), rating=rating, product=product, limit=limit,
            cursor=cursor)
    return MerchantReviews(items=[_merchant(i) for i in items], next_cursor=next_cursor)


@post("/api/admin/v1/reviews/{review_id:int}/reply", operation_id="replyToReview",
      status_code=200, tags=["reviews"])
async def reply_review(shop: Shop, api: Any, review_id: int,
                       data: ReplyBody) -> MerchantReviewView:
    """The shop's public answer under the review (replaces an earlier one)."""
    actor = await api.admin_actor()
    async with shop_scope(shop.id):
        return _merchant(await service.reply(shop.id, review_id, data.text, actor))


@post("/api/admin/v1/reviews/{review_id:int}/hide", operation_id="hideReview",
      status_code=200, tags=["reviews"])
async def hide_review(shop: Shop, review_id: int, data: HideBody) -> MerchantReviewView:
    """Take the review off the product page; `reason` is kept for the shop."""
    async with shop_scope(shop.id):
        return _merchant(await service.hide(shop.id, review_id, data.reason))


@post("/api/admin/v1/reviews/{review_id:int}/publish", operation_id="publishReview",
      status_code=200, tags=["reviews"])
async def publish_review(shop: Shop, review_id: int) -> MerchantReviewView:
    """Publish a held (pending) review, or show a hidden one again."""
    async with shop_scope(shop.id):
        return _merchant(await service.publish(shop.id, review_id))


def _day(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("Bad date", errors=[FieldError(
            field, "a date such as 2026-12-01")]) from None


@get("/api/admin/v1/reports/reviews", operation_id="getReviewsReport", tags=["reports"])
async def reviews_report(
        shop: Shop,
        first: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
        last: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
) -> ReviewsReport:
    """Per product, the reviews written from `from` to `to` (dates in the shop's time zone,
    both included; default: every review): their count, average, counts per star and share
    of 4–5 stars, most reviewed first; `totals` over the whole shop."""
    import zoneinfo

    start, end = _day(first, "from"), _day(last, "to")
    if start and end and start > end:
        raise ValidationFailed("Bad range", errors=[FieldError("to", "before from")])
    try:
        zone = zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    begin = dt.datetime.combine(start, dt.time(), zone) if start else None
    stop = (dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
            if end else None)
    async with shop_scope(shop.id):
        series = await service.product_ratings(shop.id, begin, stop)
    ratings = [star for entry in series for star, n in entry["counts"].items()
               for _ in range(n)]
    return ReviewsReport(name="reviews", series=series,
                         period={"from": start.isoformat() if start else None,
                                 "to": end.isoformat() if end else None},
                         totals=service.summary_of([int(s) for s in ratings]))


ROUTES = [review_order, upload_photo, order_reviews, product_reviews, account_reviews,
          list_reviews, reply_review, hide_review, publish_review, reviews_report]

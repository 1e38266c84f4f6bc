"""Reviews: written by the buyer of a delivered order, one per order line, with the shop's
rating once per order; replied to and moderated by the merchant. Every function reads or
writes one shop's rows and runs inside that shop's scope (`shop_scope`)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from galleria.kernel import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
    check_photos,
    customer_name,
    order_facts,
    photo_view,
    plugin_settings,
)
from galleria_plugins.reviews.tables import ProductReview, ShopRating

PLUGIN = "reviews"
PUBLISHED, PENDING, HIDDEN = "published", "pending", "hidden"
STATUSES = (PUBLISHED, PENDING, HIDDEN)
REVIEWABLE = ("delivered", "completed")  # the order's states in which its buyer may review
MAX_PHOTOS = 6
MAX_TEXT = 500
MAX_REPLY = 500
MAX_REASON = 200
SHOP_ASPECTS = ("described", "logistics", "service")  # 描述相符, 物流服务, 服务态度
PHOTO_FOLDER = "reviews"


@dataclass(frozen=True)
class ItemInput:
    line_id: Any
    rating: Any
    text: Any = ""
    photos: Any = None


# -- settings ---------------------------------------------------------------------------------
_SEPARATORS = re.compile(r"[\n\r,，、;；]+")


def sensitive_words(text: str | None) -> list[str]:
    """The shop's sensitive-word list (one per line, or separated by commas or 、)."""
    words = [w.strip() for w in _SEPARATORS.split(text or "")]
    return list(dict.fromkeys(w for w in words if w))


def matched_words(body: str, words: list[str]) -> list[str]:
    """The words of `words` that occur in `body` (case-insensitive)."""
    folded = body.casefold()
    return [w for w in words if w.casefold() in folded]


async def shop_words(tenant_id: int) -> list[str]:
    settings = await plugin_settings(tenant_id, PLUGIN)
    return sensitive_words(settings.get("sensitive_words"))


# -- checks -----------------------------------------------------------------------------------
def _stars(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


async def buyers_order(tenant_id: int, customer_id: int, number: str) -> Any:
    """The order's facts when `customer_id` bought it: NotFound for anyone else (the order
    is not theirs to see), Forbidden for the buyer before it was delivered."""
    try:
        facts = await order_facts(tenant_id, number)
    except NotFound:
        raise NotFound(f"No order {number} in this shop") from None
    if facts.customer_id is None or facts.customer_id != customer_id:
        raise NotFound(f"No order {number} in this shop")
    if facts.status not in REVIEWABLE:
        raise Forbidden("An order can be reviewed once it has been delivered")
    return facts


def options_text(options: Any) -> str:
    if isinstance(options, dict):
        return " · ".join(str(v) for v in options.values())[:200]
    return ""


def masked_name(name: str) -> str:
    """How a review names its buyer to other shoppers: the name's first character and two
    stars whatever its length (李明 → 李**, Alice → A**); "" without a name."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


async def submit(tenant_id: int, customer_id: int, number: str, items: list[ItemInput],
                 shop_rating: dict[str, Any] | None, *, anonymous: bool = False
                 ) -> dict[str, Any]:
    """Write the buyer's reviews of lines of order `number` and, once per order, their
    rating of the shop; all or nothing. The reviews name the buyer by their masked name
    (李**), or not at all when `anonymous`. A review whose text holds a word of the shop's
    sensitive-word list is held (`pending`) for a person instead of published. Returns
    `{"reviews": [...], "shop_rating": {...} | None}`."""
    facts = await buyers_order(tenant_id, customer_id, number)
    lines = {line.line_id: line for line in facts.lines
             if line.quantity - line.cancelled_quantity > 0}
    errors: list[FieldError] = []
    if not items and shop_rating is None:
        errors.append(FieldError("items", "rate at least one product, or the shop"))
    seen: set[int] = set()
    checked: list[tuple[Any, int, str, list[str]]] = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        line = lines.get(item.line_id) if isinstance(item.line_id, int) else None
        if line is None:
            errors.append(FieldError(f"{where}.line_id", "not a line of this order"))
            continue
        if item.line_id in seen:
            errors.append(FieldError(f"{where}.line_id", "this line is reviewed twice"))
            continue
        seen.add(item.line_id)
        if not _stars(item.rating):
            errors.append(FieldError(f"{where}.rating", "give 1 to 5 stars"))
        text = item.text if isinstance(item.text, str) else ""
        text = text.strip()
        if len(text) > MAX_TEXT:
            errors.append(FieldError(f"{where}.text", f"at most {MAX_TEXT} characters"))
        photos = item.photos or []
        if not isinstance(photos, list):
            errors.append(FieldError(f"{where}.photos", "a list of photo keys"))
            photos = []
        elif len(photos) > MAX_PHOTOS:
            errors.append(FieldError(f"{where}.photos", f"at most {MAX_PHOTOS} photos"))
        else:
            try:
                photos = check_photos(tenant_id, PHOTO_FOLDER, photos, field=f"{where}.photos")
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        checked.append((line, item.rating, text, photos))
    if shop_rating is not None:
        if not isinstance(shop_rating, dict):
            errors.append(FieldError("shop_rating", "give described, logistics and service"))
        else:
            for aspect in SHOP_ASPECTS:
                if not _stars(shop_rating.get(aspect)):
                    errors.append(FieldError(f"shop_rating.{aspect}", "give 1 to 5 stars"))
    if errors:
        raise ValidationFailed("The review cannot be saved", errors=errors)

    done = {row["line_id"] for row in await ProductReview.select(ProductReview.line_id).where(
        (ProductReview.tenant == tenant_id) & (ProductReview.order_number == number))}
    again = [line.name or line.sku for line, *_ in checked if line.line_id in done]
    if again:
        raise Conflict(f"Already reviewed: {', '.join(again)}")
    if shop_rating is not None and await ShopRating.exists().where(
            (ShopRating.tenant == tenant_id) & (ShopRating.order_number == number)):
        raise Conflict("The shop has already been rated for this order")

    words = await shop_words(tenant_id) if checked else []
    reviewer = "" if anonymous or not checked else masked_name(
        await customer_name(tenant_id, customer_id))
    written = []
    for line, rating, text, photos in checked:
        held = matched_words(text, words)
        row = ProductReview(
            tenant=tenant_id, order_number=number, line_id=line.line_id,
            customer=customer_id, product=line.product_id or 0, variant=line.variant_id,
            product_name=(line.name or line.sku)[:200], options=options_text(line.options),
            rating=rating, body=text, photos=json.dumps(photos),
            reviewer=reviewer[:40], anonymous=bool(anonymous),
            status=PENDING if held else PUBLISHED, held_words=", ".join(held)[:200])
        written.append(await _insert(ProductReview, row, "This line has already been reviewed"))
    rated = None
    if shop_rating is not None:
        rated = await _insert(ShopRating, ShopRating(
            tenant=tenant_id, order_number=number, customer=customer_id,
            **{aspect: shop_rating[aspect] for aspect in SHOP_ASPECTS}),
            "The shop has already been rated for this order")
    return {"reviews": written, "shop_rating": rated}


async def _insert(table: Any, row: Any, taken: str) -> dict[str, Any]:
    """Insert `row`; a unique key taken meanwhile (the same review sent twice at once) is a
    Conflict, not an error of ours."""
    try:
        new_id = (await table.insert(row))[0]["id"]
    except Exception as exc:  # the driver's IntegrityError / UniqueViolation
        if "unique" in str(exc).lower():
            raise Conflict(taken) from exc
        raise
    return await table.select().where((table.tenant == row.tenant)
                                      & (table.id == new_id)).first()


# -- reading ----------------------------------------------------------------------------------
def view(row: dict[str, Any], *, public: bool = True) -> dict[str, Any]:
    """A review as shoppers see it (`public`) or as the merchant does (status, order,
    moderation)."""
    photos = row["photos"]
    if isinstance(photos, str):
        photos = json.loads(photos or "[]")
    answer = {"id": row["id"], "product_id": row["product"], "variant_id": row["variant"],
              "product_name": row["product_name"], "options": row["options"],
              "rating": row["rating"], "text": row["body"],
              "reviewer": row.get("reviewer") or None,
              "anonymous": bool(row.get("anonymous")),
              "photos": [photo_view(key) for key in photos or []],
              "reply": row["reply"] or None, "replied_at": _iso(row["replied_at"]),
              "created_at": _iso(row["created_at"])}
    if not public:
        answer.update(status=row["status"], order_number=row["order_number"],
                      line_id=row["line_id"], customer_id=row["customer"],
                      held_words=row["held_words"], hidden_reason=row["hidden_reason"],
                      replied_by=row["replied_by"])
    return answer


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def encode_cursor(review_id: int) -> str:
    return base64.urlsafe_b64encode(f"r{review_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("r") and text[1:].isdigit():
            return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationFailed("The cursor is not one this list gave",
                           errors=[FieldError("cursor", "not a cursor of this list")])


def _half_up(numerator: int, denominator: int, places: int = 1) -> float:
    """numerator / denominator rounded half up (4.25 → 4.3), as people round."""
    quantum = Decimal(1).scaleb(-places)
    return float((Decimal(numerator) / Decimal(denominator)).quantize(quantum, ROUND_HALF_UP))


def summary_of(ratings: list[int]) -> dict[str, Any]:
    """`{"count", "average", "counts": {"5": n, …, "1": n}, "good_share"}`: the average to
    one decimal (None without reviews), the share of 4 and 5 stars in per cent."""
    counts = {str(star): 0 for star in range(5, 0, -1)}
    for rating in ratings:
        counts[str(rating)] = counts.get(str(rating), 0) + 1
    count = len(ratings)
    return {"count": count,
            "average": _half_up(sum(ratings), count) if count else None,
            "counts": counts,
            "good_share": int(_half_up(100 * (counts["5"] + counts["4"]), count, 0))
            if count else None}


async def product_summary(tenant_id: int, product_id: int) -> dict[str, Any]:
    rows = await ProductReview.select(ProductReview.rating).where(
        (ProductReview.tenant == tenant_id) & (ProductReview.product == product_id)
        & (ProductReview.status == PUBLISHED))
    return summary_of([row["rating"] for row in rows])


async def product_reviews(tenant_id: int, product_id: int, *, limit: int = 10,
                          cursor: str | None = None, rating: int | None = None,
                          with_photos: bool = False) -> tuple[list[dict[str, Any]], str | None]:
    """The product's published reviews, newest first, and the cursor of the next page."""
    query = ProductReview.select().where(
        (ProductReview.tenant == tenant_id) & (ProductReview.product == product_id)
        & (ProductReview.status == PUBLISHED))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(ProductReview.id < after)
    if rating is not None:
        query = query.where(ProductReview.rating == rating)
    if with_photos:
        query = query.where(ProductReview.photos != "[]")
    rows = await query.order_by(ProductReview.id, ascending=False).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return [view(r) for r in rows], encode_cursor(rows[-1]["id"]) if more and rows else None


async def order_reviews(tenant_id: int, number: str) -> tuple[dict[int, dict[str, Any]],
                                                             dict[str, Any] | None]:
    """The order's reviews by line id (as the merchant sees them) and its shop rating."""
    rows = await ProductReview.select().where(
        (ProductReview.tenant == tenant_id) & (ProductReview.order_number == number))
    rated = await ShopRating.select().where(
        (ShopRating.tenant == tenant_id) & (ShopRating.order_number == number)).first()
    return {r["line_id"]: view(r, public=False) for r in rows}, rated


async def customer_reviews(tenant_id: int, customer_id: int,
                           limit: int = 50) -> list[dict[str, Any]]:
    rows = await ProductReview.select().where(
        (ProductReview.tenant == tenant_id) & (ProductReview.customer == customer_id)
    ).order_by(ProductReview.id, ascending=False).limit(limit)
    return [view(r, public=False) for r in rows]


# -- the merchant ------------------------------------------------------------------------------
async def console_list(tenant_id: int, *, status: str | None = None, rating: int | None = None,
                       product: int | None = None, limit: int = 50,
                       cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    query = ProductReview.select().where(ProductReview.tenant == tenant_id)
    if status:
        query = query.where(ProductReview.status == status)
    if rating:
        query = query.where(ProductReview.rating == rating)
    if product:
        query = query.where(ProductReview.product == product)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(ProductReview.id < after)
    rows = await query.order_by(ProductReview.id, ascending=False).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return ([view(r, public=False) for r in rows],
            encode_cursor(rows[-1]["id"]) if more and rows else None)


async def _review(tenant_id: int, review_id: int) -> dict[str, Any]:
    row = await ProductReview.select().where(
        (ProductReview.tenant == tenant_id) & (ProductReview.id == review_id)).first()
    if row is None:
        raise NotFound(f"No review {review_id} in this shop")
    return row


async def _update(tenant_id: int, review_id: int, **values: Any) -> dict[str, Any]:
    await ProductReview.update({**{getattr(ProductReview, k): v for k, v in values.items()},
                                ProductReview.updated_at: dt.datetime.now(dt.UTC)}).where(
        (ProductReview.tenant == tenant_id) & (ProductReview.id == review_id))
    return view(await _review(tenant_id, review_id), public=False)


async def reply(tenant_id: int, review_id: int, text: str, actor: str) -> dict[str, Any]:
    """The shop's answer under the review (a second reply replaces the first)."""
    await _review(tenant_id, review_id)
    text = (text or "").strip()
    if not text or len(text) > MAX_REPLY:
        raise ValidationFailed("The reply cannot be saved", errors=[FieldError(
            "text", f"write 1 to {MAX_REPLY} characters")])
    return await _update(tenant_id, review_id, reply=text, replied_by=actor[:120],
                         replied_at=dt.datetime.now(dt.UTC))


async def hide(tenant_id: int, review_id: int, reason: str) -> dict[str, Any]:
    """Take a review off the product page, with the reason (kept for the merchant)."""
    await _review(tenant_id, review_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed("Say why the review is hidden", errors=[FieldError(
            "reason", f"write 1 to {MAX_REASON} characters")])
    return await _update(tenant_id, review_id, status=HIDDEN, hidden_reason=reason)


async def publish(tenant_id: int, review_id: int) -> dict[str, Any]:
    """Show a held (pending) or hidden review on the product page."""
    await _review(tenant_id, review_id)
    return await _update(tenant_id, review_id, status=PUBLISHED, hidden_reason="")


async def figures(tenant_id: int) -> dict[str, Any]:
    """The shop's figures over every review received (hidden and held ones included: they
    are buyers' opinions all the same), the reviews waiting for a person, and the average of
    the shop ratings per aspect."""
    rows = await ProductReview.select(ProductReview.rating, ProductReview.status,
                                      ProductReview.reply).where(
        ProductReview.tenant == tenant_id)
    shop_rows = await ShopRating.select(*[getattr(ShopRating, a) for a in SHOP_ASPECTS]).where(
        ShopRating.tenant == tenant_id)
    summary = summary_of([r["rating"] for r in rows])
    summary.update(pending=sum(1 for r in rows if r["status"] == PENDING),
                   hidden=sum(1 for r in rows if r["status"] == HIDDEN),
                   unanswered=sum(1 for r in rows if not r["reply"]),
                   shop={aspect: _half_up(sum(r[aspect] for r in shop_rows), len(shop_rows))
                         if shop_rows else None for aspect in SHOP_ASPECTS},
                   shop_count=len(shop_rows))
    return summary


async def product_ratings(tenant_id: int, first: dt.datetime | None = None,
                          last: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per product, the reviews written in [first, last): their count, average, counts per
    star and share of 4–5 stars; most reviewed first."""
    query = ProductReview.select(ProductReview.product, ProductReview.product_name,
                                 ProductReview.rating).where(ProductReview.tenant == tenant_id)
    if first is not None:
        query = query.where(ProductReview.created_at >= first)
    if last is not None:
        query = query.where(ProductReview.created_at < last)
    by_product: dict[int, dict[str, Any]] = {}
    for row in await query.order_by(ProductReview.id):
        entry = by_product.setdefault(row["product"], {"product_id": row["product"],
                                                       "name": row["product_name"],
                                                       "ratings": []})
        entry["name"] = row["product_name"]
        entry["ratings"].append(row["rating"])
    answer = []
    for entry in by_product.values():
        summary = summary_of(entry.pop("ratings"))
        answer.append({**entry, **summary})
    answer.sort(key=lambda e: (-e["count"], -(e["average"] or 0), e["product_id"]))
    return answer

"""Review tables. Shop-owned: `tenant` first in every key; row-level security on PostgreSQL
(migrations/reviews_0002)."""

from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ProductReview(Table, tablename="reviews_review"):
    """One buyer's review of one order line (unique per `(tenant, line_id)`): the stars,
    the text, the photos (keys of photos stored by the kernel's `store_photo`, a JSON list),
    and what the shop did with it.

    `status`: `published` (on the product page), `pending` (a sensitive word matched: held
    for a person, `held_words` says which), `hidden` (by the merchant, `hidden_reason`)."""

    tenant = Integer()
    order_number = Varchar(length=20)
    line_id = Integer()
    customer = Integer()
    product = Integer()  # the product's id when the review was written (0: deleted)
    variant = Integer()
    product_name = Varchar(length=200, default="")
    options = Varchar(length=200, default="")  # the variant's options, "红色 · L"
    rating = Integer()
    reviewer = Varchar(length=40, default="")  # the buyer's masked name (李**), "" if none
    anonymous = Boolean(default=False)  # the buyer asked not to be named
    body = Text(default="")
    photos = Text(default="[]")
    status = Varchar(length=12, default="published")
    held_words = Varchar(length=200, default="")
    hidden_reason = Varchar(length=200, default="")
    reply = Text(default="")
    replied_by = Varchar(length=120, default="")
    replied_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ShopRating(Table, tablename="reviews_shop_rating"):
    """The buyer's rating of the shop for one order (unique per `(tenant, order_number)`):
    描述相符 (`described`), 物流服务 (`logistics`), 服务态度 (`service`), each 1–5."""

    tenant = Integer()
    order_number = Varchar(length=20)
    customer = Integer()
    described = Integer()
    logistics = Integer()
    service = Integer()
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [ProductReview, ShopRating]

"""Catalog tables: categories, products, variants (SKUs), images, barcodes. All shop-owned."""

from piccolo.columns import (
    JSON,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class Category(Table, tablename="category"):
    tenant = ForeignKey(Tenant, null=False)
    slug = Varchar(length=64)
    name = Varchar(length=120)
    parent = ForeignKey("self", null=True, on_delete=OnDelete.set_null)
    position = Integer(default=0)
    image_key = Varchar(length=255, default="")  # storage key of its picture, "" for none


class Product(Table, tablename="product"):
    tenant = ForeignKey(Tenant, null=False)
    name = Varchar(length=200)
    description = Text(default="")
    category = ForeignKey(Category, null=True, on_delete=OnDelete.set_null)
    attributes = JSON(default="{}")  # the spec table: {"品牌": "…", "保质期": "…"}
    status = Varchar(length=16, default="published")  # draft | published
    sales = Integer(default=0)
    price_min = Integer(default=0)  # lowest active variant price, for sorting by price
    search_text = Text(default="")  # normalised name, description, specs, SKUs, barcodes
    created_at = Timestamptz(default=TimestamptzNow())
    deleted_at = Timestamptz(null=True, default=None)
    video_key = Varchar(length=255, default="")  # its MP4 (主图视频), "" for none
    video_poster_key = Varchar(length=255, default="")  # the video's cover picture


class Variant(Table, tablename="variant"):
    tenant = ForeignKey(Tenant, null=False)
    product = ForeignKey(Product, null=False)
    sku = Varchar(length=64)
    price = Integer()  # minor units in the shop's currency
    # 成本价: what a unit costs the shop, minor units; None when the merchant has not said.
    cost_price = Integer(null=True, default=None)
    options = JSON(default="{}")  # {"颜色": "白", "尺寸": "L"}
    weight_grams = Integer(default=0)
    # 库位, e.g. "A-03-2": where pickers find it; pick lists walk the shelves in this order.
    shelf_location = Varchar(length=32, default="")
    status = Varchar(length=16, default="active")
    position = Integer(default=0)


class ProductImage(Table, tablename="product_image"):
    tenant = ForeignKey(Tenant, null=False)
    product = ForeignKey(Product, null=False)
    key = Varchar(length=255)  # storage key of the re-encoded picture
    large_key = Varchar(length=255, default="")  # at most 1200 px wide or high
    thumb_key = Varchar(length=255, default="")  # at most 400 px, for lists
    # WebP renditions for phones' srcset, by box: {"200": key, "400": key, "800": key}
    # (only the boxes the picture is big enough for; {} for pictures stored before them).
    webp = JSON(default="{}")
    width = Integer(default=0)
    height = Integer(default=0)
    position = Integer(default=0)


class Barcode(Table, tablename="barcode"):
    tenant = ForeignKey(Tenant, null=False)
    variant = ForeignKey(Variant, null=False)
    code = Varchar(length=64)
    units = Integer(default=1)  # a unit barcode is 1; a case barcode is N units


class StockLevel(Table, tablename="stock_level"):
    """Stock of one variant at one location (`location` is a `Location` code of the shop)."""

    tenant = ForeignKey(Tenant, null=False)
    variant = ForeignKey(Variant, null=False)
    location = Varchar(length=32, default="default")
    on_hand = Integer(default=0)
    reserved = Integer(default=0)
    safety_stock = Integer(default=0)


class SearchTerm(Table, tablename="search_term"):
    """The shop's own search index: the single characters and bigrams of CJK text and the
    words of other text, per product. A B-tree on (tenant, term) serves one- and
    two-character Chinese queries, which trigram indexes cannot (see catalog.search)."""

    tenant = ForeignKey(Tenant, null=False)
    product = ForeignKey(Product, null=False)
    term = Varchar(length=64)

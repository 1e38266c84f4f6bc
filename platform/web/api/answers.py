"""The shapes of the API's answers (API.md), as TypedDicts: the return annotations of the
handlers, so that the OpenAPI document gives each answer's real schema. Handlers still
return the kernel's dicts; an answer may carry more members than listed here (clients
ignore what they do not know), never fewer. Money is in minor units next to `currency`;
times are RFC 3339 strings.
"""

from __future__ import annotations

from typing import Any, TypedDict


# -- platform ------------------------------------------------------------------------------------
class ShopTemplate(TypedDict):
    name: str
    title: str
    title_en: str
    description: str
    description_en: str
    products: int


class TemplateList(TypedDict):
    items: list[ShopTemplate]


class OpenedShop(TypedDict):
    slug: str
    name: str
    storefront_url: str
    console_url: str


class SignedUp(TypedDict):
    shop: OpenedShop
    admin_token: str


# -- catalog -------------------------------------------------------------------------------------
class CategoryRef(TypedDict):
    slug: str
    name: str


class Category(TypedDict):
    id: int
    slug: str
    name: str
    parent: int | None  # the parent category's id
    position: int
    image_url: str  # its picture (400 px), "" when it has none


class CategoryNode(Category):
    children: list[CategoryNode]


class CategoryTree(TypedDict):
    items: list[CategoryNode]  # the top categories, in display order


class ProductSummary(TypedDict):
    id: int
    name: str
    price_from: int
    available: int
    image: str | None
    currency: str


class ProductPage(TypedDict):
    items: list[ProductSummary]
    next_cursor: str | None


class StorefrontVariant(TypedDict):
    id: int
    sku: str
    price: int
    options: dict[str, str]
    available: int


class BannerLink(TypedDict):
    type: str  # product | category
    product_id: int | None  # for a product
    category: str | None  # for a category: its slug, as /products?category= takes it


class Banner(TypedDict):
    image_url: str
    link: BannerLink


class ShopInfo(TypedDict):
    slug: str
    name: str
    currency: str
    locale: str
    theme_color: str
    logo_url: str  # "" for none
    banners: list[Banner]  # the home page's, in order; at most 5


class ProductPromotion(TypedDict):
    """One promise of the shop's plugins on the product (`galleria_product_promotions`), in
    the request's language: what the web product page shows above its buy box."""

    kind: str  # flash_sale | gift | "" (another plugin's): for apps, never shown
    label: str  # the badge: 秒杀, 赠品
    text: str  # the sentence beside it ("" for none)
    variant_id: int | None  # when it concerns one variant only
    price: int | None  # the promoted price, minor units
    starts_at: str | None  # RFC 3339, UTC
    ends_at: str | None
    remaining: int | None  # units left


class StorefrontProduct(TypedDict):
    id: int
    name: str
    description: str
    category: CategoryRef | None
    attributes: dict[str, str]
    images: list[str]
    video: ProductVideo | None  # shown before the pictures
    currency: str
    variants: list[StorefrontVariant]
    promotions: list[ProductPromotion]  # [] when no enabled plugin promises anything


class Stock(TypedDict):
    on_hand: int
    reserved: int
    available: int


class Barcode(TypedDict):
    code: str
    units: int


class AdminVariant(TypedDict):
    id: int
    sku: str
    price: int
    cost_price: int | None  # 成本价, minor units; null when not known
    options: dict[str, str]
    weight_grams: int
    status: str
    stock: Stock
    available: int
    safety_stock: int
    barcodes: list[Barcode]


class ImageRendition(TypedDict):
    url: str
    width: int


class ProductImage(TypedDict):
    id: int
    url: str
    large_url: str
    thumb_url: str
    width: int | None
    height: int | None
    position: int
    webp: list[ImageRendition]


class ProductVideo(TypedDict):
    url: str  # the MP4
    poster_url: str  # its cover picture
    poster_thumb_url: str


class AdminProduct(TypedDict):
    id: int
    name: str
    description: str
    category: CategoryRef | None
    attributes: dict[str, str]
    status: str
    created_at: str
    price_from: int | None
    images: list[str]
    image_details: list[ProductImage]
    video: ProductVideo | None  # shown first in the gallery
    variants: list[AdminVariant]
    currency: str


class StockLevel(TypedDict):
    on_hand: int
    reserved: int
    available: int
    safety_stock: int


class VariantStock(TypedDict):
    variant_id: int
    stock: StockLevel


class StockReceived(VariantStock):
    received: int
    lot_id: int | None


class StockMovement(TypedDict):
    """One line of the stock ledger."""

    id: int
    variant: int
    location: str
    kind: str  # receive | reserve | release | ship | adjust | return
    on_hand_change: int
    reserved_change: int
    on_hand_after: int
    reserved_after: int
    reason: str
    reference: str  # an order number, a stocktake id…
    actor: str
    lot: int | None
    created_at: str


class StockLedgerPage(TypedDict):
    items: list[StockMovement]
    next_cursor: str | None


class LowStock(TypedDict):
    variant_id: int
    location: str  # the 门店/仓库 whose stock is low
    sku: str
    product_name: str
    on_hand: int
    reserved: int
    available: int
    safety_stock: int


class LowStockList(TypedDict):
    items: list[LowStock]


class ExpiringLot(TypedDict):
    lot_id: int
    lot_code: str
    variant_id: int
    sku: str
    product_id: int
    product_name: str
    quantity: int
    expires_on: str | None  # a date, YYYY-MM-DD
    alerted: bool


class ExpiringLotList(TypedDict):
    items: list[ExpiringLot]


# -- carts and checkout --------------------------------------------------------------------------
class CartLine(TypedDict):
    variant_id: int
    product_id: int
    sku: str
    name: str
    options: dict[str, str]
    unit_price: int
    quantity: int
    line_total: int
    available: int
    problem: str | None


class Cart(TypedDict):
    id: str
    currency: str
    lines: list[CartLine]
    subtotal: int
    item_count: int
    expires_at: str


class Eta(TypedDict):
    min_days: int
    max_days: int


class ShippingOption(TypedDict):
    code: str
    name: str
    fee: int
    eta: Eta | None


class UnavailableShipping(TypedDict):
    code: str  # the shipping method's
    name: str
    reason: str  # in the request's language (Accept-Language)
    reason_code: str  # why, as a stable machine name: outside_radius, slot_full, not_offered…


class DeliveryDates(TypedDict):
    earliest: str
    latest: str
    weekdays: list[int]
    methods: list[str]


class CheckoutPreview(TypedDict):
    shipping_options: list[ShippingOption]
    unavailable_shipping: list[UnavailableShipping]
    shipping_method: str | None
    adjustments: list[dict[str, Any]]  # from the shop's marketing plugins
    subtotal: int
    shipping_fee: int
    discount_total: int
    total: int
    currency: str
    lines: list[CartLine]
    # The days a requested_delivery_date may be (null: the shop takes none): {"earliest",
    # "latest" (YYYY-MM-DD), "weekdays" (1 Monday … 7 Sunday), "methods" it applies to}.
    delivery_dates: DeliveryDates | None
    requested_delivery_date: str | None  # the date asked for, checked


class Method(TypedDict):
    code: str
    name: str


class MethodList(TypedDict):
    items: list[Method]


class PaymentMethod(TypedDict):
    code: str
    name: str
    offline: bool
    pays_on_delivery: bool
    mark_url: str
    sandbox: bool  # the shop's sandbox account: no real money moves


class PaymentMethodList(TypedDict):
    items: list[PaymentMethod]

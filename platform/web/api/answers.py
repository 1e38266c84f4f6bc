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


class StorefrontProduct(TypedDict):
    id: int
    name: str
    description: str
    category: CategoryRef | None
    attributes: dict[str, str]
    images: list[str]
    currency: str
    variants: list[StorefrontVariant]


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
    options: dict[str, str]
    weight_grams: int
    status: str
    stock: Stock
    available: int
    safety_stock: int
    barcodes: list[Barcode]


class ProductImage(TypedDict):
    id: int
    url: str
    large_url: str
    thumb_url: str
    width: int | None
    height: int | None
    position: int


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
    variants: list[AdminVariant]
    currency: str


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
    code: str
    name: str
    reason: str


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


class Method(TypedDict):
    code: str
    name: str


class MethodList(TypedDict):
    items: list[Method]


# -- orders --------------------------------------------------------------------------------------
class Contact(TypedDict):
    name: str
    phone: str
    email: str


class Address(TypedDict):
    name: str
    phone: str
    country: str
    province: str
    city: str
    district: str
    line1: str
    line2: str
    postal_code: str


class OrderLine(TypedDict):
    variant_id: int | None
    sku: str
    name: str
    options: dict[str, str]
    unit_price: int
    quantity: int
    line_total: int


class TimelineEntry(TypedDict):
    from_status: str | None
    to_status: str
    reason: str
    at: str


class Order(TypedDict):
    number: str
    status: str
    currency: str
    subtotal: int
    shipping_fee: int
    discount_total: int
    total: int
    refunded_total: int
    contact: Contact
    address: Address
    shipping_method: str | None
    payment_method: str
    coupon_code: str | None
    points: int
    note: str
    invoice: dict[str, str] | None
    created_at: str
    payment_due_at: str | None
    paid_at: str | None
    cancelled_at: str | None
    lines: list[OrderLine]
    adjustments: list[dict[str, Any]]
    timeline: list[TimelineEntry]


class ShopperOrder(Order):
    """The order as its shopper sees it."""

    tracking: list[dict[str, Any]]


class PlacedOrder(ShopperOrder):
    access_token: str  # shown this once: the guest's key to the order


class StaffOrder(Order):
    """The order as the shop's staff see it."""

    customer_id: int | None
    stock_status: str
    payments: list[dict[str, Any]]
    shipments: list[dict[str, Any]]


class OrderSummary(TypedDict):
    number: str
    status: str
    total: int
    refunded_total: int
    currency: str
    contact_name: str
    contact_phone: str
    customer_id: int | None
    payment_method: str
    shipping_method: str | None
    created_at: str
    paid_at: str | None


class OrderPage(TypedDict):
    items: list[OrderSummary]
    next_cursor: str | None


# -- shoppers' accounts ---------------------------------------------------------------------------
class Customer(TypedDict):
    id: int
    email: str | None
    phone: str | None
    name: str
    email_verified: bool
    phone_verified: bool
    created_at: str | None
    last_sign_in_at: str | None


class CustomerSession(TypedDict):
    customer: Customer
    token: str  # send as `Authorization: Bearer …`
    expires_at: str
    cart: Cart | None  # the guest cart, merged into the account's


class SavedAddress(Address):
    id: int
    is_default: bool


class SavedAddressList(TypedDict):
    items: list[SavedAddress]


class PastOrder(TypedDict):
    number: str
    status: str
    total: int
    currency: str
    created_at: str | None
    paid_at: str | None
    item_count: int
    item_names: list[str]


class PastOrderPage(TypedDict):
    items: list[PastOrder]
    next_cursor: str | None


class Notice(TypedDict):
    detail: str


# -- payments ------------------------------------------------------------------------------------
class PaymentAction(TypedDict):
    """What the shopper does next; more members by `type` (`qr_code`, `url`, …)."""

    type: str  # qr_code | redirect | client_secret | jsapi | instructions


class Payment(TypedDict):
    payment_id: str
    method: str
    status: str
    amount: int
    currency: str
    refunded: int
    action: PaymentAction | None
    created_at: str
    paid_at: str | None


class OrderPayments(TypedDict):
    payments: list[Payment]
    refunds: list[dict[str, Any]]


class Refunded(TypedDict):
    refund: dict[str, Any]
    order: StaffOrder


# -- plugins -------------------------------------------------------------------------------------
class PluginState(TypedDict):
    name: str
    title: str
    enabled: bool
    settings_schema: list[dict[str, Any]]
    settings: dict[str, Any]  # secrets are never sent back


class PluginList(TypedDict):
    items: list[PluginState]

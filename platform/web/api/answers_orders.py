"""The shapes of the API's answers about orders, payments, shoppers' accounts and plugins
(see galleria.web.api.answers for the rules they follow)."""

from __future__ import annotations

from typing import Any, TypedDict

from galleria.web.api.answers import Cart


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
    requested_delivery_date: str | None  # YYYY-MM-DD the shopper asked for (express)
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
    channel: str  # web, mini_program, staff, import or api
    external_id: str | None  # the order's id on its own platform (import, api …)
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
    channel: str
    external_id: str | None
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


class SmsCodeSent(TypedDict):
    """A sign-in code is on its way (the same answer for a number with or without an
    account)."""

    detail: str
    phone: str  # the number texted, as 11 digits
    expires_in: int  # seconds the code works
    resend_after: int  # seconds before another code may be asked for


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
    sandbox: bool  # running on the shop's own simulator account (sandbox mode)
    offers_sandbox: bool  # can be turned on with {"settings": {"sandbox": true}}


class PluginList(TypedDict):
    items: list[PluginState]


# -- webhooks ------------------------------------------------------------------------------------
class WebhookEndpoint(TypedDict):
    id: int
    url: str
    description: str
    topics: list[str]
    enabled: bool
    created_at: str | None
    updated_at: str | None


class NewWebhookEndpoint(WebhookEndpoint):
    secret: str  # shown this once: it signs every delivery


class WebhookEndpointList(TypedDict):
    items: list[WebhookEndpoint]
    topics: list[str]  # the topics one may choose


# -- orders from other channels ------------------------------------------------------------------
class ImportedOrder(TypedDict):
    external_id: str
    rows: list[int]  # the file's row numbers, the header being row 1
    outcome: str  # created | exists | refused | invalid | skipped
    number: str | None
    message: str
    items: list[dict[str, Any]]  # refused: the SKUs short, with `requested` and `available`
    column: str  # invalid or skipped: the column at fault (sku, quantity, status …)
    value: str  # and what it held


class ImportedOrders(TypedDict):
    format: str  # generic | youzan
    created: int
    existing: int
    refused: int
    invalid: int
    skipped: int
    orders: list[ImportedOrder]


# -- staff tasks ---------------------------------------------------------------------------------
class Task(TypedDict):
    id: int
    kind: str  # review | picking | delivery
    order_number: str
    order_status: str | None
    store: str
    assignee_id: int | None
    assignee_name: str
    assigned_by: str  # "user:7", "token:3", or "rule:<role>"
    created_at: str
    updated_at: str


class TaskList(TypedDict):
    items: list[Task]
    counts: dict[str, int]  # per kind
    total: int


class TaskRuleAnswer(TypedDict):
    kind: str
    store: str
    role: str
    staff: list[int]

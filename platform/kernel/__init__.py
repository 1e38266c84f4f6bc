"""Galleria's kernel: the domain, and the public API plugins may import.

Plugins import from here (and from `galleria.testing`), never from submodules: what this
module exports is the stable plugin API.
"""

from galleria.kernel import reactions as reactions  # wires the kernel's reactions on import
from galleria.kernel.catalog.images import check_photos, photo_view, store_photo
from galleria.kernel.catalog.promotions import ProductPromoter, Promotion
from galleria.kernel.catalog.queries import product_names
from galleria.kernel.catalogs import PluginCatalog
from galleria.kernel.checkout.admission import admission_tickets
from galleria.kernel.checkout.contracts import (
    AddedLine,
    Address,
    Adjustment,
    AdmissionTicket,
    InputChoice,
    NotOffered,
    PriceAdjuster,
    PricedLine,
    PricingContext,
    Quote,
    ShippingMethod,
)
from galleria.kernel.customers.accounts import customer_name
from galleria.kernel.db import before_commit, current_tenant, on_commit, on_rollback, shop_scope
from galleria.kernel.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    Problems,
    Unauthorized,
    ValidationFailed,
)
from galleria.kernel.events import Event, emit, enqueue
from galleria.kernel.exports import csv_bytes, csv_text, neutralise, neutralise_row
from galleria.kernel.fulfilment.contracts import (
    Carrier,
    CarrierError,
    ShipmentCreated,
    ShipmentLine,
    ShipmentRequest,
    TrackedShipment,
    TrackingUpdate,
)
from galleria.kernel.fulfilment.service import record_tracking_by_number
from galleria.kernel.hookspecs import hookimpl
from galleria.kernel.inventory.locations import (
    delivers_to,
    get_location,
    list_locations,
    store_availability,
)
from galleria.kernel.inventory.lookup import active_variants, stock_available, variant_summaries
from galleria.kernel.money import Money, format_minor, parse_major
from galleria.kernel.notifications.contracts import NotificationChannel, NotificationMessage
from galleria.kernel.orders.facts import OrderFacts, OrderLineFacts, order_facts
from galleria.kernel.payments.contracts import (
    CallbackRequest,
    CallbackResponse,
    GatewayError,
    NotificationRejected,
    PaymentAction,
    PaymentGateway,
    PaymentRecord,
    PaymentRequest,
    PaymentUpdate,
    RefundRequest,
    RefundUpdate,
)
from galleria.kernel.payments.views import payer_refs
from galleria.kernel.plugins import (
    AccountPanel,
    ChoiceSource,
    ConsolePage,
    JobSpec,
    PluginInfo,
    ReportTab,
    SettingField,
    StorefrontBlock,
    StorefrontLink,
)
from galleria.kernel.reports.exports import write_xlsx as xlsx_bytes
from galleria.kernel.review import api as review_queue
from galleria.kernel.review.contracts import CustomerHistory, ReviewContext, ReviewRule, Verdict
from galleria.kernel.schema import (
    Index,
    create_indexes,
    enable_row_level_security,
    tenant_first_keys,
)
from galleria.kernel.shared_store import shared_redis
from galleria.kernel.tenancy.plugin_state import plugin_settings
from galleria.kernel.tenancy.settings_update import update_plugin_settings
from galleria.kernel.tenancy.shop_facts import shop_fact, shop_rows_changed, watch_shop_rows
from galleria.kernel.tenancy.shops import Shop

__all__ = [
    "AccountPanel",
    "AddedLine",
    "Address",
    "Adjustment",
    "AdmissionTicket",
    "CallbackRequest",
    "CallbackResponse",
    "Carrier",
    "CarrierError",
    "ChoiceSource",
    "Conflict",
    "ConsolePage",
    "CustomerHistory",
    "DomainError",
    "Event",
    "FieldError",
    "Forbidden",
    "GatewayError",
    "Index",
    "InputChoice",
    "JobSpec",
    "Money",
    "NotFound",
    "NotOffered",
    "NotificationChannel",
    "NotificationMessage",
    "NotificationRejected",
    "OrderFacts",
    "OrderLineFacts",
    "PaymentAction",
    "PaymentGateway",
    "PaymentRecord",
    "PaymentRequest",
    "PaymentUpdate",
    "PluginCatalog",
    "PluginInfo",
    "PriceAdjuster",
    "PricedLine",
    "PricingContext",
    "Problems",
    "ProductPromoter",
    "Promotion",
    "Quote",
    "RefundRequest",
    "RefundUpdate",
    "ReportTab",
    "ReviewContext",
    "ReviewRule",
    "SettingField",
    "ShipmentCreated",
    "ShipmentLine",
    "ShipmentRequest",
    "ShippingMethod",
    "Shop",
    "StorefrontBlock",
    "StorefrontLink",
    "TrackedShipment",
    "TrackingUpdate",
    "Unauthorized",
    "ValidationFailed",
    "Verdict",
    "active_variants",
    "admission_tickets",
    "before_commit",
    "check_photos",
    "create_indexes",
    "csv_bytes",
    "csv_text",
    "current_tenant",
    "customer_name",
    "delivers_to",
    "emit",
    "enable_row_level_security",
    "enqueue",
    "format_minor",
    "get_location",
    "hookimpl",
    "list_locations",
    "neutralise",
    "neutralise_row",
    "on_commit",
    "on_rollback",
    "order_facts",
    "parse_major",
    "payer_refs",
    "photo_view",
    "plugin_settings",
    "product_names",
    "record_tracking_by_number",
    "review_queue",
    "shared_redis",
    "shop_fact",
    "shop_rows_changed",
    "shop_scope",
    "stock_available",
    "store_availability",
    "store_photo",
    "tenant_first_keys",
    "update_plugin_settings",
    "variant_summaries",
    "watch_shop_rows",
    "xlsx_bytes",
]

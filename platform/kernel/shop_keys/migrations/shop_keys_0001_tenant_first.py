"""Every kernel shop-owned table's keys start with the shop.

- Primary keys become `(tenant, id)` and the foreign keys between shop-owned tables
  `(tenant, col) → (tenant, id)` (PostgreSQL only: see `schema.tenant_first_keys`).
- The API token and invitation hashes become unique within their shop (every lookup
  already names the shop); on SQLite the two tables are rebuilt, rows kept.

Left as they are, and why (docs/scaling.md): `custom_domain.host` is unique across the
platform, because a host decides the shop; `membership (user, tenant)` includes the shop;
`outbox_event` keeps the primary key `id`: platform events have no shop (`tenant` NULL).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import tenant_first_keys, unique_within_shop
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T13:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "keys led by the shop (Citus-ready)"

# The kernel's shop-owned tables on 2026-12-05, app by app.
TABLES = [
    # kernel
    "custom_domain", "membership", "plugin_state", "api_token", "audit_log", "category",
    "product", "variant", "product_image", "barcode", "stock_level", "idempotency_record", "stock_movement", "stock_lot", "search_term", "invitation",
    # orders
    "cart", "cart_line", "shop_order", "order_line", "order_adjustment", "order_timeline",
    "order_line_cancellation", "order_return", "product_aftersales",
    # payments
    "payment", "payment_refund", "payment_notification",
    # customers
    "customer", "customer_address", "customer_token", "customer_code",
    # notifications
    "notification_log", "webhook_endpoint", "webhook_delivery", "webhook_attempt",
    # fulfilment
    "shipment", "tracking_event", "pick_list", "pick_line", "quality_check", "box_preset",
    "delay_notice",
    # review
    "order_review",
    # access
    "customer_identity", "shop_sign_in_provider", "oauth_grant", "oauth_code", "oauth_token",
    # service
    "service_ticket", "service_ticket_message", "service_faq", "service_chat",
    "service_chat_message",
    # reports
    "report_shop_day",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shop_keys", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await unique_within_shop(engine, "api_token", "token_hash")
        await unique_within_shop(engine, "invitation", "token_hash")
        await tenant_first_keys(engine, TABLES)

    manager.add_raw(run)
    return manager

"""Every kernel table, in creation order (for binding to the engine and for migrations)."""

from galleria.kernel.catalog.tables import (
    Barcode,
    Category,
    Product,
    ProductImage,
    SearchTerm,
    StockLevel,
    Variant,
)
from galleria.kernel.events_tables import IdempotencyRecord, OutboxDelivery, OutboxEvent
from galleria.kernel.inventory.tables import Location, Lot, StockMovement, StockTransfer
from galleria.kernel.tenancy.tables import (
    ApiToken,
    AuditLog,
    CustomDomain,
    Invitation,
    Membership,
    PlatformUser,
    PluginState,
    Tenant,
)

KERNEL_TABLES = [
    Tenant, CustomDomain, PlatformUser, Membership, PluginState, ApiToken, AuditLog,
    Category, Product, Variant, ProductImage, Barcode, StockLevel,
    OutboxEvent, OutboxDelivery, IdempotencyRecord, StockMovement, Lot, SearchTerm,
    Invitation, Location, StockTransfer,
]

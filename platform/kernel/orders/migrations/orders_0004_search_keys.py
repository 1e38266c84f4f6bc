"""Indexes for the merchant's order filters and search (all leading with the shop), and the
digits-only phones of orders placed before the phone columns existed (raw steps run before a
migration's own table changes, hence a migration of their own, right after 0003)."""

import json
import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from galleria.kernel.schema import Index, create_indexes
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:15:44:000000"
VERSION = "1.38.0"
DESCRIPTION = "order search and filter indexes; phones of existing orders"

INDEXES = [
    Index("shop_order", ("tenant", "contact_phone")),
    Index("shop_order", ("tenant", "address_phone")),
    Index("shop_order", ("tenant", "created_at")),
    Index("shop_order", ("tenant", "payment_method", "id")),
    Index("shop_order", ("tenant", "status", "updated_at")),
]


def _digits(value: object) -> str:
    """As `orders.queries.phone_key` was when this migration was written (kept here so the
    migration never changes with the code)."""
    digits = re.sub(r"\D", "", value if isinstance(value, str) else "")
    return (digits[2:] if digits.startswith("00") else digits)[:32]


def _phone(document: object) -> str:
    if isinstance(document, str):
        try:
            document = json.loads(document or "{}")
        except ValueError:
            return ""
    return _digits(document.get("phone")) if isinstance(document, dict) else ""


async def backfill_phones(engine) -> None:
    """Shop by shop: row-level security (FORCEd) admits one shop's rows per transaction."""
    tenants = await Tenant.raw("SELECT id FROM tenant ORDER BY id")
    for tenant in tenants:
        async with engine.transaction():
            if isinstance(engine, PostgresEngine):
                await Tenant.raw("SELECT set_config('galleria.tenant', {}, true)",
                                 str(int(tenant["id"])))
            rows = await Tenant.raw(
                "SELECT id, contact, address FROM shop_order WHERE tenant = {} "
                "AND contact_phone = '' AND address_phone = ''", tenant["id"])
            for row in rows:
                contact, address = _phone(row["contact"]), _phone(row["address"])
                if contact or address:
                    await Tenant.raw("UPDATE shop_order SET contact_phone = {}, "
                                     "address_phone = {} WHERE id = {}",
                                     contact, address, row["id"])


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await backfill_phones(engine)

    manager.add_raw(run)
    return manager

"""Tables of the platform and of shop administration.

`Tenant`, `CustomDomain`, `PlatformUser` and `Membership` are platform rows (read before a
shop is known, e.g. to resolve a host). Every other table here carries `tenant` and is
shop-owned: reached only through code that takes the tenant, and on PostgreSQL behind a
row-level security policy (created by the migrations, see `galleria.kernel.schema`).
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Tenant(Table, tablename="tenant"):
    slug = Varchar(length=40, unique=True)
    name = Varchar(length=120)
    status = Varchar(length=16, default="active")  # active | suspended
    currency = Varchar(length=3, default="CNY")
    locale = Varchar(length=8, default="zh_CN")
    timezone = Varchar(length=64, default="Asia/Shanghai")
    plan = Varchar(length=32, default="free")
    template = Varchar(length=40, default="blank")
    theme_color = Varchar(length=7, default="#e11d48")
    logo = Varchar(length=255, default="")  # a storage key
    settings = JSON(default="{}")  # shop-wide settings (payment timeout, …)
    created_at = Timestamptz(default=TimestamptzNow())
    # A random number the database's triggers replace whenever what app processes cache
    # about the shop changes (the columns above, its plugin_state and custom_domain rows):
    # see galleria.kernel.tenancy.shop_cache. Never written by the app.
    cache_token = BigInt(null=True, default=None)


class CustomDomain(Table, tablename="custom_domain"):
    tenant = ForeignKey(Tenant, null=False)
    host = Varchar(length=253, unique=True)
    verified = Boolean(default=False)
    verification_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())


class PlatformUser(Table, tablename="platform_user"):
    """A merchant's staff member (or a platform operator): one login for all their shops."""

    email = Varchar(length=254, unique=True)
    name = Varchar(length=120, default="")
    password_hash = Varchar(length=255)
    is_operator = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Membership(Table, tablename="membership"):
    user = ForeignKey(PlatformUser, null=False)
    tenant = ForeignKey(Tenant, null=False)
    role = Varchar(length=16)  # owner | admin | staff
    # What a `staff` member may do, e.g. ["orders:write", "catalog:read"] (write includes
    # read); owners and admins may do everything (see galleria.auth.permissions).
    permissions = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    # The stock alerts this member asked for: {"low_stock": bool, "near_expiry": bool,
    # "email": bool, "sms": "138…"} (galleria.kernel.notifications.stock_alerts).
    stock_alerts = JSON(default="{}")


class PluginState(Table, tablename="plugin_state"):
    tenant = ForeignKey(Tenant, null=False)
    plugin = Varchar(length=64)
    enabled = Boolean(default=False)
    settings = JSON(default="{}")  # plain values only
    secrets = Text(default="")  # Fernet token of a JSON object: secret values
    updated_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table, tablename="api_token"):
    tenant = ForeignKey(Tenant, null=False)
    name = Varchar(length=80)
    # sha256 hex of the token; unique within the shop (uq_api_token_tenant_token_hash)
    token_hash = Varchar(length=64)
    prefix = Varchar(length=16)  # shown in lists so a merchant can tell tokens apart
    scopes = JSON(default="[]")
    created_by = Integer(null=True)  # platform_user id
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Invitation(Table, tablename="invitation"):
    """An emailed invitation to join a shop's staff: single use, expires.

    Only a keyed hash of the link's secret is kept, as for API tokens.
    """

    tenant = ForeignKey(Tenant, null=False)
    email = Varchar(length=254)
    role = Varchar(length=16, default="staff")  # admin | staff
    permissions = JSON(default="[]")
    token_hash = Varchar(length=64)  # unique within the shop (uq_invitation_tenant_token_hash)
    invited_by = Integer(null=True)  # platform_user id
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    accepted_by = Integer(null=True)  # platform_user id
    revoked_at = Timestamptz(null=True, default=None)


class AuditLog(Table, tablename="audit_log"):
    tenant = ForeignKey(Tenant, null=False)
    actor = Varchar(length=120)  # "user:12", "token:3", "system"
    action = Varchar(length=64)  # "plugin.enabled", "shop.created", …
    subject = Varchar(length=120, default="")
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class Location(Table, tablename="location"):
    """A store (门店) or warehouse (仓库) of the shop, where stock is kept. Every shop opens
    with the location `default`; stock levels, lots and ledger rows name a location by
    `code`, unique within the shop. Managed by inventory.locations."""

    tenant = ForeignKey(Tenant, null=False)
    code = Varchar(length=32)
    name = Varchar(length=60)
    kind = Varchar(length=16, default="warehouse")  # store | warehouse
    # The address as the checkout's addresses give it (names), and its GB/T 2260 code.
    province = Varchar(length=60, default="")
    city = Varchar(length=60, default="")
    district = Varchar(length=60, default="")
    line1 = Varchar(length=200, default="")
    region_code = Varchar(length=6, default="")
    phone = Varchar(length=32, default="")
    latitude = Real(null=True, default=None)
    longitude = Real(null=True, default=None)
    # [{"days": [1..7], "open": "09:00", "close": "21:00"}] (ISO weekdays, the shop's time).
    hours = JSON(default="[]")
    # Same-city delivery area: a radius around the coordinates, or region codes (either).
    delivery_radius_km = Real(null=True, default=None)
    delivery_regions = JSON(default="[]")
    offers_pickup = Boolean(default=False)
    active = Boolean(default=True)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())

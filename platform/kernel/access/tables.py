"""Tables of outside sign-in and of connected apps.

`StaffIdentity` and `OAuthApp` are platform rows. The others carry `tenant` and are
shop-owned (row-level security on PostgreSQL): a shopper's identity, a shop's provider
settings and every grant, code and token of a connected app belong to one shop.
Secrets are never stored in the clear: a provider's client secret is sealed
(galleria.kernel.crypto), app secrets, codes and tokens are kept as SHA-256 digests.
"""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.customers.tables import Customer
from galleria.kernel.tenancy.tables import PlatformUser, Tenant


class StaffIdentity(Table, tablename="staff_identity"):
    """A platform user's account at an OpenID Connect provider: (issuer, subject) is unique."""

    issuer = Varchar(length=255)
    subject = Varchar(length=255)
    user = ForeignKey(PlatformUser, null=False)
    email = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=True, default=None)


class CustomerIdentity(Table, tablename="customer_identity"):
    """A shopper's account at a provider, linked to one customer of one shop. For WeChat the
    issuer is `wechat` and the subject the unionid (the openid when there is none)."""

    tenant = ForeignKey(Tenant, null=False)
    issuer = Varchar(length=255)
    subject = Varchar(length=255)
    customer = ForeignKey(Customer, null=False)
    email = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=True, default=None)


class ShopSignInProvider(Table, tablename="shop_sign_in_provider"):
    """A shop's own sign-in provider for shoppers: `oidc` (issuer + client), `wechat_web`
    (QR login, appid) or `wechat_mini` (mini-program, appid). One row per kind."""

    tenant = ForeignKey(Tenant, null=False)
    kind = Varchar(length=16)
    label = Varchar(length=60, default="")
    issuer = Varchar(length=255, default="")
    client_id = Varchar(length=255)
    client_secret = Text(default="")  # sealed with galleria.kernel.crypto
    scopes = Varchar(length=255, default="openid email profile")
    enabled = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class OAuthApp(Table, tablename="oauth_app"):
    """A third-party app registered on the platform, which shops may connect."""

    client_id = Varchar(length=64, unique=True)
    secret_hash = Varchar(length=64)
    name = Varchar(length=80)
    redirect_uris = JSON(default="[]")  # compared exactly
    created_by = Integer(null=True, default=None)  # platform_user id
    created_at = Timestamptz(default=TimestamptzNow())
    disabled_at = Timestamptz(null=True, default=None)


class OAuthGrant(Table, tablename="oauth_grant"):
    """A shop's consent to an app: these scopes, until revoked (a "connected app")."""

    tenant = ForeignKey(Tenant, null=False)
    app = ForeignKey(OAuthApp, null=False)
    scopes = JSON(default="[]")
    granted_by = Integer(null=True, default=None)  # platform_user id
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class OAuthCode(Table, tablename="oauth_code"):
    """An authorization code: single use, short-lived, bound to a PKCE challenge (S256)
    and the exact redirect URI it was issued for."""

    tenant = ForeignKey(Tenant, null=False)
    grant = ForeignKey(OAuthGrant, null=False)
    code_hash = Varchar(length=64)
    code_challenge = Varchar(length=128)
    redirect_uri = Varchar(length=500)
    scopes = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class OAuthToken(Table, tablename="oauth_token"):
    """An access (`access`) or refresh (`refresh`) token of a connected app."""

    tenant = ForeignKey(Tenant, null=False)
    grant = ForeignKey(OAuthGrant, null=False)
    code = Integer(null=True, default=None)  # the code it came from (revoked on code reuse)
    kind = Varchar(length=8)
    token_hash = Varchar(length=64)
    scopes = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)

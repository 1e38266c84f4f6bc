"""Shopper tables. Shop-owned: every row carries `tenant` (row-level security on PostgreSQL).

A customer is an account of ONE shop: the same email may hold accounts in two shops, which
know nothing of each other. Email and phone are stored normalised (lower-case email, phone
digits with an optional leading `+`) and each is unique within the shop when present.
"""

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class Customer(Table, tablename="customer"):
    tenant = ForeignKey(Tenant, null=False)
    email = Varchar(length=254, null=True, default=None)
    phone = Varchar(length=24, null=True, default=None)
    password_hash = Varchar(length=255, default="")  # argon2id; "" once deleted
    name = Varchar(length=60, default="")
    status = Varchar(length=16, default="active")  # active | disabled | deleted
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=True, default=None)
    email_verified_at = Timestamptz(null=True, default=None)  # a code sent there came back
    phone_verified_at = Timestamptz(null=True, default=None)


class CustomerAddress(Table, tablename="customer_address"):
    """An address-book entry (API.md's address shape). Exactly one of a customer's
    addresses is the default while they have any."""

    tenant = ForeignKey(Tenant, null=False)
    customer = ForeignKey(Customer, null=False)
    name = Varchar(length=60)
    phone = Varchar(length=32)
    country = Varchar(length=2)
    province = Varchar(length=60)
    city = Varchar(length=60)
    district = Varchar(length=60, default="")
    line1 = Varchar(length=200)
    line2 = Varchar(length=200, default="")
    postal_code = Varchar(length=16, default="")
    is_default = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CustomerToken(Table, tablename="customer_token"):
    """A bearer token of an API client (mini-program, app) signed in as one customer of
    one shop. Only the SHA-256 of the token is kept; it expires and can be revoked.
    `purpose` is `api` for sign-in tokens and `reset` for single-use password resets."""

    tenant = ForeignKey(Tenant, null=False)
    customer = ForeignKey(Customer, null=False)
    purpose = Varchar(length=8, default="api")
    token_hash = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class VerificationCode(Table, tablename="customer_code"):
    """A six-digit code sent to a customer's email or phone to prove it is theirs. Only a
    keyed digest is kept; it expires, allows a few attempts and works once."""

    tenant = ForeignKey(Tenant, null=False)
    customer = ForeignKey(Customer, null=False)
    channel = Varchar(length=8)  # email | phone
    target = Varchar(length=254)  # the address the code went to
    code_digest = Varchar(length=64)
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SignInCode(Table, tablename="customer_sign_in_code"):
    """A six-digit code texted to a phone number to sign in with it (验证码登录), whether or
    not an account has that number yet. Only a keyed digest is kept (empty until the message
    is made); it expires after five minutes, allows five attempts and works once."""

    tenant = ForeignKey(Tenant, null=False)
    phone = Varchar(length=24)  # a mainland mobile, 11 digits
    code_digest = Varchar(length=64)
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)

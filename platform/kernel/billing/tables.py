"""Billing tables.

`Subscription` is shop-owned (one row per shop, `tenant` unique; row-level security on
PostgreSQL, with platform reads so that a Stripe webhook and the operator console find a
shop's row before entering its scope). `BillingEvent` (Stripe events already applied),
`OperatorFactor` (an operator's TOTP secret) and `PlatformAudit` (what operators and
dunning did) are platform rows: no shop owns them. Plans themselves are data files
(`tenants/plans/`), not rows.
"""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class Subscription(Table, tablename="billing_subscription"):
    tenant = ForeignKey(Tenant, null=False)
    plan = Varchar(length=32)
    interval = Varchar(length=8, default="month")  # month | year
    # trialing | active | past_due | restricted | suspended | canceled
    status = Varchar(length=16, default="trialing")
    trial_ends_at = Timestamptz(null=True, default=None)
    current_period_end = Timestamptz(null=True, default=None)
    cancel_at_period_end = Boolean(default=False)
    past_due_since = Timestamptz(null=True, default=None)
    grace_until = Timestamptz(null=True, default=None)  # past due → restricted after
    suspend_at = Timestamptz(null=True, default=None)  # restricted → suspended after
    stripe_customer = Varchar(length=64, default="")
    stripe_subscription = Varchar(length=64, default="")
    # Set when an operator suspended the shop: paying does not lift an operator's hold.
    operator_hold = Boolean(default=False)
    hold_reason = Varchar(length=500, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class BillingEvent(Table, tablename="billing_event"):
    event_id = Varchar(length=64, unique=True)  # Stripe's evt_…: applied once
    kind = Varchar(length=64)
    tenant_id = Integer(null=True, default=None)
    received_at = Timestamptz(default=TimestamptzNow())


class OperatorFactor(Table, tablename="operator_factor"):
    user_id = Integer(unique=True)  # platform_user id of an operator
    totp_secret = Text()  # Fernet token (galleria.kernel.crypto.seal)
    last_step = Integer(default=0)  # the last TOTP time step used: a code works once
    created_at = Timestamptz(default=TimestamptzNow())


class PlatformAudit(Table, tablename="platform_audit"):
    actor = Varchar(length=120)  # "operator:3", "system", "stripe"
    action = Varchar(length=64)  # "shop.suspended", "billing.past_due", …
    tenant_id = Integer(null=True, default=None)
    subject = Varchar(length=120, default="")
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


BILLING_TABLES = [Subscription, BillingEvent, OperatorFactor, PlatformAudit]

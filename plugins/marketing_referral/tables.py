"""Referral tables. Shop-owned: `tenant` first in every key; row-level security on
PostgreSQL (migrations/marketing_referral_0002)."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ReferralCode(Table, tablename="marketing_referral_code"):
    """A shopper's share code: unique in the shop, one per shopper."""

    tenant = Integer()
    customer = Integer()
    code = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())


class Referral(Table, tablename="marketing_referral"):
    """A newcomer brought by a referrer (one per newcomer). `status`: pending (no completed
    order yet) → held (first order completed; rewards wait for `hold_until`) → rewarded, or
    refused with `reason` (refunded, phone_used, address_used, payer_used)."""

    tenant = Integer()
    referrer = Integer()
    newcomer = Integer()
    code = Varchar(length=12)
    status = Varchar(length=12, default="pending")
    reason = Varchar(length=24, default="")
    order_number = Varchar(length=20, default="")
    order_total = Integer(default=0)  # minor units, of the newcomer's first order
    hold_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)


class ReferralClaim(Table, tablename="marketing_referral_claim"):
    """A phone or an address that earned a referral reward: unique in the shop, so each
    earns one, however many accounts share it."""

    tenant = Integer()
    key = Varchar(length=300)  # phone:<digits> | address:<province|city|district|line1>
    referral = Integer()
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [ReferralCode, Referral, ReferralClaim]

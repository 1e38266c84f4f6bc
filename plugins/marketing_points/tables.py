"""Points tables. Shop-owned: `tenant` first in every key; row-level security on PostgreSQL
(migrations/marketing_points_0002)."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class PointsAccount(Table, tablename="marketing_points_account"):
    """One shopper's points in one shop. `balance` changes only by conditional updates
    (`balance >= n` to spend), so two checkouts can never spend the same points."""

    tenant = Integer()
    customer = Integer()
    balance = Integer(default=0)
    earned_total = Integer(default=0)  # points earned and kept (reversals deducted)
    spend_total = Integer(default=0)  # minor units paid for completed orders, less refunds
    level = Varchar(length=40, default="")  # the member level's name; "" for none
    birthday = Varchar(length=5, default="")  # "MM-DD", set once by the shopper; "" unset
    updated_at = Timestamptz(default=TimestamptzNow())


class PointsEntry(Table, tablename="marketing_points_entry"):
    """The ledger: every change of a balance, once per `ref` (unique in the shop), which is
    what makes an event handler that runs twice change nothing the second time.

    Entries that add points (earn, give back, reward) are lots: `remaining` of them is
    still unspent, and expires at `expires_at`. Spending takes the lots that expire first."""

    tenant = Integer()
    customer = Integer()
    kind = Varchar(length=16)  # earn | redeem | return | reverse | expire | reward | adjust
    points = Integer()  # signed
    remaining = Integer(default=0)
    expires_at = Timestamptz(null=True, default=None)
    order_number = Varchar(length=20, default="")
    amount = Integer(default=0)  # minor units of spend an earn counted, a reversal took back
    ref = Varchar(length=80)
    note = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [PointsAccount, PointsEntry]

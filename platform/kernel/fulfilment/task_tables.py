"""Tasks for staff (任务) and the rules that hand them out. Shop-owned: every row carries
`tenant` (row-level security on PostgreSQL).

A task is one order's review, picking or delivery work given to one staff member; an order
has at most one task of each kind (unique key). A rule says how a kind of work is handed
out: round robin among the members of one role, per store (`store`: a location code; one
`default` location until a shop has several).
"""

from piccolo.columns import JSON, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant


class StaffTask(Table, tablename="staff_task"):
    tenant = ForeignKey(Tenant, null=False)
    kind = Varchar(length=16)  # review | picking | delivery
    order = ForeignKey(Order, null=False)
    order_number = Varchar(length=20)
    store = Varchar(length=32, default="default")
    assignee = Integer(null=True, default=None)  # a platform user id (staff of the shop)
    assignee_name = Varchar(length=120, default="")
    assigned_by = Varchar(length=120, default="")  # "user:7", or "rule" (round robin)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TaskRule(Table, tablename="task_rule"):
    tenant = ForeignKey(Tenant, null=False)
    kind = Varchar(length=16)
    store = Varchar(length=32, default="default")
    role = Varchar(length=16, default="staff")  # round robin among the members of this role
    # The store's staff: user ids the rule hands its store's work to in turn (members of
    # the shop), instead of everyone with `role`; [] for the role.
    staff = JSON(default="[]")
    last_user = Integer(null=True, default=None)  # whom the rule gave the last task

"""Tasks for staff (任务): an order's review, picking or delivery work given to one person.

- By hand: `assign` gives an order's work of one kind to a staff member, or moves it to
  another; moving it is audited (who, from whom, to whom, why).
- By rule: `distribute` gives every order waiting for that kind of work and without a task
  to the members of the rule's role, in turn (round robin, remembered between calls), per
  store. `set_rule` chooses the role; the sweep `distribute_tasks` (fulfilment.jobs, every
  minute) applies every shop's rules, so new work reaches someone without a click.
- By store: a store is a location (门店/仓库) of the shop. An order's work belongs to the
  location it ships from (the location of its first line: `order_line.location`), so a
  store's rule hands out only the orders that ship from it — to the store's own `staff`
  when the rule names them, else to its role. A task records its order's store.
- "My tasks": `tasks_of` lists a member's tasks whose orders still wait for that work, with
  counts per kind. A task is done when its order moves on (reviewed, shipped, delivered):
  the lists read the order's state, so no task lingers after the work.

Every function opens the shop's scope itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.common import json_value
from galleria.kernel.errors import FieldError, NotFound, ValidationFailed
from galleria.kernel.fulfilment.task_tables import StaffTask, TaskRule
from galleria.kernel.inventory import locations
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order, OrderLine
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.tables import Membership, PlatformUser

# The kinds of work, and the order states in which each waits to be done.
KINDS: dict[str, tuple[str, ...]] = {
    "review": (states.UNDER_REVIEW,),
    "picking": (states.APPROVED, states.FULFILLING),
    "delivery": (states.SHIPPED,),
}
ROLES = ("owner", "admin", "staff")
DEFAULT_STORE = "default"
MAX_BATCH = 500


async def _check_store(tenant_id: int, store: str) -> str:
    """A store is one of the shop's locations (门店/仓库), `default` always."""
    store = (store or DEFAULT_STORE).strip()[:32]
    if store != DEFAULT_STORE:
        try:
            async with db.shop_scope(tenant_id):
                await locations.get_location(tenant_id, store)
        except NotFound:
            raise ValidationFailed(f"No location {store} in this shop", errors=[
                FieldError("store", "a location code of this shop")]) from None
    return store


async def _stores_of(tenant_id: int, order_ids: list[int]) -> dict[int, str]:
    """{order id: the location it ships from} — its first line's (`default` without one)."""
    stores: dict[int, str] = {}
    rows = await OrderLine.select(OrderLine.order, OrderLine.location).where(
        (OrderLine.tenant == tenant_id) & OrderLine.order.is_in(order_ids or [0])
    ).order_by(OrderLine.id)
    for row in rows:
        stores.setdefault(row["order"], row["location"] or DEFAULT_STORE)
    return {order: stores.get(order, DEFAULT_STORE) for order in order_ids}


def _check_kind(kind: Any) -> str:
    if kind not in KINDS:
        raise ValidationFailed("Unknown kind of task", errors=[
            FieldError("kind", "one of: " + ", ".join(KINDS))])
    return kind


async def _member_name(tenant_id: int, user_id: int) -> str:
    member = await Membership.select(Membership.id).where(
        (Membership.tenant == tenant_id) & (Membership.user == user_id)).first()
    if member is None:
        raise ValidationFailed("Not a staff member of this shop", errors=[
            FieldError("assignee_id", "not staff of this shop")])
    user = await PlatformUser.select(PlatformUser.name, PlatformUser.email).where(
        PlatformUser.id == user_id).first()
    return ((user["name"] or user["email"]) if user else "")[:120]


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "order_number": row["order_number"],
            "order_status": row.get("order_status"), "store": row["store"],
            "assignee_id": row["assignee"], "assignee_name": row["assignee_name"],
            "assigned_by": row["assigned_by"],
            "created_at": row["created_at"].astimezone(dt.UTC).isoformat(),
            "updated_at": row["updated_at"].astimezone(dt.UTC).isoformat()}


_COLUMNS = (StaffTask.id, StaffTask.kind, StaffTask.order_number, StaffTask.store,
            StaffTask.assignee, StaffTask.assignee_name, StaffTask.assigned_by,
            StaffTask.created_at, StaffTask.updated_at,
            StaffTask.order.status.as_alias("order_status"))


async def get_task(tenant_id: int, task_id: int) -> dict[str, Any]:
    async with db.shop_scope(tenant_id):
        row = await StaffTask.select(*_COLUMNS).where(
            (StaffTask.tenant == tenant_id) & (StaffTask.id == task_id)).first()
    if row is None:
        raise NotFound(f"No task {task_id} in this shop")
    return _view(row)


async def assign(tenant_id: int, kind: str, number: str, user_id: int, *, actor: str,
                 reason: str = "") -> dict[str, Any]:
    """Give order `number`'s `kind` work to `user_id` (a member of the shop). The order
    must be waiting for that work. Moving a task from one person to another is audited
    (`task.reassign`, with `reason`); the first assignment too (`task.assign`)."""
    _check_kind(kind)
    async with db.shop_scope(tenant_id):
        order = await Order.select(Order.id, Order.number, Order.status).where(
            (Order.tenant == tenant_id) & (Order.number == str(number)[:20])).first()
        if order is None:
            raise NotFound(f"No order {number} in this shop")
        if order["status"] not in KINDS[kind]:
            raise ValidationFailed(
                f"Order {number} is {order['status']}: it has no {kind} work waiting",
                errors=[FieldError("order_number", f"not waiting for {kind}")])
        name = await _member_name(tenant_id, user_id)
        now = dt.datetime.now(dt.UTC)
        before = await StaffTask.select(StaffTask.id, StaffTask.assignee).where(
            (StaffTask.tenant == tenant_id) & (StaffTask.kind == kind)
            & (StaffTask.order == order["id"])).first()
        if before is None:
            store = (await _stores_of(tenant_id, [order["id"]]))[order["id"]]
            inserted = await StaffTask.insert(StaffTask(
                tenant=tenant_id, kind=kind, order=order["id"], order_number=order["number"],
                store=store, assignee=user_id, assignee_name=name,
                assigned_by=actor[:120], created_at=now, updated_at=now,
            )).on_conflict(action="DO NOTHING").returning(StaffTask.id)
            if inserted:
                await record(tenant_id, actor, "task.assign", order["number"],
                             {"kind": kind, "to": user_id})
                return await get_task(tenant_id, inserted[0]["id"])
            before = await StaffTask.select(StaffTask.id, StaffTask.assignee).where(
                (StaffTask.tenant == tenant_id) & (StaffTask.kind == kind)
                & (StaffTask.order == order["id"])).first()
        await StaffTask.update({StaffTask.assignee: user_id, StaffTask.assignee_name: name,
                                StaffTask.assigned_by: actor[:120],
                                StaffTask.updated_at: now}).where(
            (StaffTask.tenant == tenant_id) & (StaffTask.id == before["id"]))
        if before["assignee"] != user_id:
            await record(tenant_id, actor, "task.reassign", order["number"], {
                "kind": kind, "task": before["id"], "from": before["assignee"],
                "to": user_id, "reason": reason.strip()[:500]})
        return await get_task(tenant_id, before["id"])


async def set_rule(tenant_id: int, kind: str, role: str, *, store: str = DEFAULT_STORE,
                   staff: list[int] | None = None, actor: str) -> dict[str, Any]:
    """Hand `kind` work of `store` (the orders that ship from it) out round robin among
    `staff` (the store's staff: members of the shop), or without them among the members
    whose role is `role`."""
    _check_kind(kind)
    if role not in ROLES:
        raise ValidationFailed("Unknown role", errors=[
            FieldError("role", "one of: " + ", ".join(ROLES))])
    store = await _check_store(tenant_id, store)
    people = sorted(set(staff or []))
    async with db.shop_scope(tenant_id):
        for i, user in enumerate(people):
            try:
                await _member_name(tenant_id, user)
            except ValidationFailed:
                raise ValidationFailed("Not a staff member of this shop", errors=[
                    FieldError(f"staff[{i}]", "not staff of this shop")]) from None
        updated = await TaskRule.update({TaskRule.role: role, TaskRule.staff: people}).where(
            (TaskRule.tenant == tenant_id) & (TaskRule.kind == kind)
            & (TaskRule.store == store)).returning(TaskRule.id)
        if not updated:
            await TaskRule.insert(TaskRule(tenant=tenant_id, kind=kind, store=store,
                                           role=role, staff=people)
                                  ).on_conflict(action="DO NOTHING")
        await record(tenant_id, actor, "task.rule", kind,
                     {"role": role, "store": store, "staff": people})
    return {"kind": kind, "store": store, "role": role, "staff": people}


async def rules(tenant_id: int) -> list[dict[str, Any]]:
    async with db.shop_scope(tenant_id):
        rows = await TaskRule.select(TaskRule.kind, TaskRule.store, TaskRule.role,
                                     TaskRule.staff).where(
            TaskRule.tenant == tenant_id).order_by(TaskRule.id)
    return [{**row, "staff": json_value(row["staff"]) or []} for row in rows]


async def distribute(tenant_id: int, kind: str, *, store: str = DEFAULT_STORE,
                     actor: str = "rule") -> list[dict[str, Any]]:
    """Give every order waiting for `kind` work without a task to the rule's role, in
    turn after whoever the rule gave the last one. Returns the tasks made. Raises
    ValidationFailed when the kind has no rule or the role has no members."""
    _check_kind(kind)
    store = await _check_store(tenant_id, store)
    async with db.shop_scope(tenant_id):
        rule = await TaskRule.select().where(
            (TaskRule.tenant == tenant_id) & (TaskRule.kind == kind)
            & (TaskRule.store == store)).first()
        if rule is None:
            raise ValidationFailed(f"No rule hands out {kind} work yet: choose a role first",
                                   errors=[FieldError("kind", "no rule")])
        named = json_value(rule["staff"]) or []
        members = await Membership.select(Membership.user).where(
            (Membership.tenant == tenant_id) & (
                Membership.user.is_in(named) if named else Membership.role == rule["role"])
        ).order_by(Membership.user)
        people = [m["user"] for m in members]
        if not people:
            raise ValidationFailed(
                f"Nobody of store {store} is staff of this shop" if named
                else f"Nobody in this shop has the role {rule['role']}",
                errors=[FieldError("staff" if named else "role", "no members")])
        waiting = await Order.select(Order.id, Order.number).where(
            (Order.tenant == tenant_id) & Order.status.is_in(list(KINDS[kind]))
        ).order_by(Order.id)
        taken = {row["order"] for row in await StaffTask.select(StaffTask.order).where(
            (StaffTask.tenant == tenant_id) & (StaffTask.kind == kind)
            & StaffTask.order.is_in([o["id"] for o in waiting] or [0]))}
        waiting = [o for o in waiting if o["id"] not in taken]
        stores = await _stores_of(tenant_id, [o["id"] for o in waiting])
        waiting = [o for o in waiting if stores[o["id"]] == store][:MAX_BATCH]
        names = {user: await _member_name(tenant_id, user) for user in people}
        last = rule["last_user"]
        turn = next((i for i, user in enumerate(people) if last is not None and user > last),
                    0)
        made, now = [], dt.datetime.now(dt.UTC)
        for order in waiting:
            user = people[turn % len(people)]
            inserted = await StaffTask.insert(StaffTask(
                tenant=tenant_id, kind=kind, order=order["id"], order_number=order["number"],
                store=store, assignee=user, assignee_name=names[user],
                assigned_by=f"rule:{rule['role']}", created_at=now, updated_at=now,
            )).on_conflict(action="DO NOTHING").returning(StaffTask.id)
            if inserted:
                made.append(inserted[0]["id"])
                last = user
                turn += 1
        await TaskRule.update({TaskRule.last_user: last}).where(TaskRule.id == rule["id"])
    return [await get_task(tenant_id, task_id) for task_id in made]


async def list_tasks(tenant_id: int, *, assignee: int | None = None, kind: str | None = None
                     ) -> list[dict[str, Any]]:
    """Tasks whose orders still wait for the work, oldest first."""
    async with db.shop_scope(tenant_id):
        where = StaffTask.tenant == tenant_id
        if assignee is not None:
            where &= StaffTask.assignee == assignee
        waiting = None
        for name, statuses in KINDS.items():
            if kind is not None and name != kind:
                continue
            clause = (StaffTask.kind == name) & StaffTask.order.status.is_in(list(statuses))
            waiting = clause if waiting is None else waiting | clause
        if waiting is None:
            return []
        rows = await StaffTask.select(*_COLUMNS).where(where & waiting).order_by(
            StaffTask.id).limit(MAX_BATCH)
    return [_view(row) for row in rows]


async def tasks_of(tenant_id: int, user_id: int) -> dict[str, Any]:
    """A member's tasks still to do, and how many of each kind."""
    items = await list_tasks(tenant_id, assignee=user_id)
    counts = {kind: sum(1 for t in items if t["kind"] == kind) for kind in KINDS}
    return {"counts": counts, "total": len(items), "items": items}


__all__ = ["DEFAULT_STORE", "KINDS", "ROLES", "assign", "distribute", "get_task",
           "list_tasks", "rules", "set_rule", "tasks_of"]

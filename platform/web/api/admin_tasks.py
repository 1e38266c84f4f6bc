"""Merchant admin API for staff tasks: review, picking and delivery work given to staff by
hand or by rule (round robin among a role), listed with counts per kind."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel.fulfilment import tasks
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.answers_orders import Task, TaskList, TaskRuleAnswer
from galleria.web.deps import provide_admin, require_scope

Kind = Literal["review", "picking", "delivery"]
Store = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    order_number: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    assignee_id: Annotated[int, msgspec.Meta(ge=1)]
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class DistributeBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    store: Store = tasks.DEFAULT_STORE


class RuleBody(msgspec.Struct, forbid_unknown_fields=True):
    role: Literal["owner", "admin", "staff"]
    store: Store = tasks.DEFAULT_STORE
    # The store's own staff (user ids), handed its work in turn instead of the whole role.
    staff: Annotated[list[Annotated[int, msgspec.Meta(ge=1)]],
                     msgspec.Meta(max_length=100)] = []


def _list(items: list) -> TaskList:
    counts = {kind: sum(1 for t in items if t["kind"] == kind) for kind in tasks.KINDS}
    return {"items": items, "counts": counts, "total": len(items)}  # type: ignore[typeddict-item]


class AdminTasksApi(Controller):
    path = "/api/admin/v1/tasks"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="listTasks")
    async def list_tasks(
        self, request: Request, shop: Shop, actor: str,
        assignee: Annotated[int | None, Parameter(ge=1)] = None, kind: Kind | None = None,
    ) -> TaskList:
        """Tasks whose orders still wait for the work (a task is done when its order moves
        on), oldest first, with counts per kind; `assignee` (a user id) gives one person's."""
        require_scope(request, "orders:read")
        return _list(await tasks.list_tasks(shop.id, assignee=assignee, kind=kind))

    @post("/", operation_id="assignTask", status_code=200)
    async def assign(self, request: Request, shop: Shop, actor: str,
                     data: AssignBody) -> Task:
        """Give an order's review, picking or delivery work to a staff member, or move it to
        another (audited as `task.reassign` with the reason). The order must be waiting for
        that work (422 otherwise)."""
        require_scope(request, "orders:write")
        return await tasks.assign(shop.id, data.kind, data.order_number, data.assignee_id,
                                  actor=actor, reason=data.reason)  # type: ignore[return-value]

    @post("/distribute", operation_id="distributeTasks", status_code=200)
    async def distribute(self, request: Request, shop: Shop, actor: str,
                         data: DistributeBody) -> TaskList:
        """Give every order waiting for `kind` work and without a task to the members of
        the rule's role in turn (round robin). Answers the tasks made."""
        require_scope(request, "orders:write")
        return _list(await tasks.distribute(shop.id, data.kind, store=data.store,
                                            actor=actor))

    @put("/rules/{kind:str}", operation_id="setTaskRule")
    async def set_rule(self, request: Request, shop: Shop, actor: str,
                       kind: Annotated[str, Parameter(max_length=16)],
                       data: RuleBody) -> TaskRuleAnswer:
        """Hand `kind` work (review, picking, delivery) of `store` — the orders that ship
        from that location — out round robin among its `staff` (user ids), or without
        them among a role."""
        require_scope(request, "orders:write")
        return await tasks.set_rule(shop.id, kind, data.role, store=data.store,
                                    staff=data.staff, actor=actor)  # type: ignore[return-value]

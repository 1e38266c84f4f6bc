"""`/console/tasks`: 我的任务 — the signed-in member's review, picking and delivery tasks with
counts per kind, each linking to its order. Owners and admins also see everyone's tasks,
move a task to another member (with a reason: audited), choose the role each kind of work
goes to, and hand out waiting work by that rule (round robin)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel.errors import DomainError, Forbidden
from galleria.kernel.fulfilment import picking, tasks
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    MANAGERS,
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.order_states import status_badge
from galleria.web.pages.render import gettext_for

KIND_TITLES = {"review": N_("Order review"), "picking": N_("Picking"),
               "delivery": N_("Delivery work")}
ROLE_TITLES = {"staff": N_("Staff"), "admin": N_("Admin"), "owner": N_("Owner")}
DONE = {"assigned": N_("Task handed over."), "rule": N_("Rule saved."),
        "distributed": N_("Waiting work handed out.")}


def _shown(items: list[dict[str, Any]], translate: Any) -> list[dict[str, Any]]:
    for item in items:
        item["kind_title"] = translate(KIND_TITLES[item["kind"]])
        item["badge"] = status_badge(item["order_status"] or "", translate)
    return items


class TaskPages(Controller):
    path = "/tasks"
    guards = [require_staff]

    @get("/", name="console:tasks")
    async def show(self, request: Request, shop: Shop, runtime: Runtime, done: str = "",
                   error: str = "") -> Response:
        return await self._page(request, shop, runtime, done=done)

    async def _page(self, request: Request, shop: Shop, runtime: Runtime, *, done: str = "",
                    error: str = "", status_code: int = 200) -> Response:
        translate = gettext_for(request)
        staff = staff_of(request)
        manager = staff["role"] in MANAGERS
        mine = await tasks.tasks_of(shop.id, staff["user_id"])
        everyone = await tasks.list_tasks(shop.id) if manager else []
        rules = {r["kind"]: r["role"] for r in await tasks.rules(shop.id)} if manager else {}
        return await console_page(
            request, runtime, "console/tasks.html", "tasks", status_code=status_code,
            mine=_shown(mine["items"], translate),
            counts=[{"kind": k, "title": translate(t), "count": mine["counts"][k]}
                    for k, t in KIND_TITLES.items()],
            total=mine["total"], manager=manager, everyone=_shown(everyone, translate),
            members=await picking.staff_choices(shop.id) if manager else [],
            kinds=[{"kind": k, "title": translate(t), "role": rules.get(k, "")}
                   for k, t in KIND_TITLES.items()],
            roles=[{"role": r, "title": translate(t)} for r, t in ROLE_TITLES.items()],
            done=translate(DONE[done]) if done in DONE else "", error=error)

    async def _manage(self, request: Request, shop: Shop, runtime: Runtime, done: str,
                      work: Any) -> Response:
        if staff_of(request)["role"] not in MANAGERS:
            raise Forbidden("Only the shop's owner and admins hand out tasks")
        try:
            await work()
        except DomainError as exc:
            message = "; ".join(e.message for e in exc.errors) or exc.detail
            return await self._page(request, shop, runtime, error=message,
                                    status_code=422 if exc.kind == "invalid" else 409)
        return Redirect(f"/console/tasks?done={done}", status_code=303)

    @post("/assign", name="console:tasks-assign")
    async def assign(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        form = await request.form()
        user = str(form.get("assignee_id") or "")
        actor = f"user:{staff_of(request)['user_id']}"

        async def work() -> None:
            await tasks.assign(shop.id, str(form.get("kind") or ""),
                               str(form.get("order_number") or "")[:20],
                               int(user) if user.isdigit() and len(user) < 10 else 0,
                               actor=actor, reason=str(form.get("reason") or "")[:500])

        return await self._manage(request, shop, runtime, "assigned", work)

    @post("/rules", name="console:tasks-rules")
    async def rule(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        form = await request.form()
        actor = f"user:{staff_of(request)['user_id']}"
        kind = str(form.get("kind") or "")

        async def work() -> None:
            await tasks.set_rule(shop.id, kind, str(form.get("role") or ""), actor=actor)
            if form.get("distribute"):
                await tasks.distribute(shop.id, kind, actor=actor)

        return await self._manage(request, shop, runtime,
                                  "distributed" if form.get("distribute") else "rule", work)


tasks_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[TaskPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["tasks_console_router"]

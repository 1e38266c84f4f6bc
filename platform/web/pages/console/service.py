"""The console's customer-service pages: tickets (`/console/tickets`: reply-time figures,
the list by state, one thread with the reply and resolve forms, a service request's
appointment) and the FAQ editor (`/console/faq`)."""

from __future__ import annotations

import contextlib

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import DomainError
from galleria.kernel.service import faq, tickets
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.return_views import shop_time
from galleria.web.pages.service_titles import TICKET_KINDS, TICKET_STATUS


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _context(shop: Shop) -> dict:
    return {"ticket_status": TICKET_STATUS, "ticket_kinds": TICKET_KINDS,
            "shop_time": lambda value: shop_time(shop, value)}


class TicketPages(Controller):
    path = "/tickets"
    guards = [require_staff]

    @get("/", name="console:tickets")
    async def list_page(self, request: Request, shop: Shop, runtime: Runtime,
                        status: str = "") -> Response:
        status = status if status in tickets.STATUSES else ""
        async with db.shop_scope(shop.id):
            rows = [tickets.view(r, [], staff=True) for r in await tickets.list_tickets(
                shop.id, status=status or None)]
            figures = await tickets.figures(shop.id)
        return await console_page(request, runtime, "console/tickets.html", "tickets",
                                  items=rows, status=status, figures=figures,
                                  statuses=tickets.STATUSES, **_context(shop))

    @get("/{ticket_id:int}", name="console:ticket")
    async def show(self, request: Request, shop: Shop, runtime: Runtime,
                   ticket_id: int) -> Response:
        async with db.shop_scope(shop.id):
            row = await tickets.get_ticket(shop.id, ticket_id)
            shown = tickets.view(row, await tickets.messages_of(shop.id, ticket_id),
                                 staff=True)
        return await console_page(request, runtime, "console/ticket.html", "tickets",
                                  ticket=shown, **_context(shop))

    @post("/{ticket_id:int}/messages", name="console:ticket-answer")
    async def answer(self, request: Request, shop: Shop, ticket_id: int) -> Response:
        form = await request.form()
        async with db.shop_scope(shop.id):
            await tickets.get_ticket(shop.id, ticket_id)  # 404 for another shop's
            # Empty, or resolved meanwhile (checked before writing): shown as it is.
            with contextlib.suppress(DomainError):
                await tickets.add_message(shop.id, ticket_id, author=tickets.STAFF,
                                          actor=_actor(request),
                                          body=str(form.get("body") or "")[:5000],
                                          origin=str(request.base_url).rstrip("/"))
        return Redirect(f"/console/tickets/{ticket_id}", status_code=303)

    @post("/{ticket_id:int}/resolve", name="console:ticket-resolve")
    async def resolve(self, request: Request, shop: Shop, ticket_id: int) -> Response:
        async with db.shop_scope(shop.id):
            await tickets.get_ticket(shop.id, ticket_id)
            with contextlib.suppress(DomainError):  # resolved by a colleague meanwhile
                await tickets.resolve(shop.id, ticket_id, actor=_actor(request))
        return Redirect(f"/console/tickets/{ticket_id}", status_code=303)


class FaqPages(Controller):
    path = "/faq"
    guards = [require_staff]

    @get("/", name="console:faq")
    async def show(self, request: Request, shop: Shop, runtime: Runtime,
                   error: str = "") -> Response:
        async with db.shop_scope(shop.id):
            entries = await faq.entries(shop.id, published_only=False)
        return await console_page(request, runtime, "console/faq.html", "faq",
                                  entries=entries, error=bool(error))

    @post("/", name="console:faq-save")
    async def save(self, request: Request, shop: Shop) -> Response:
        form = await request.form()
        raw_id = str(form.get("id") or "")
        raw_position = str(form.get("position") or "0")
        try:
            async with db.shop_scope(shop.id):
                await faq.save(shop.id, question=str(form.get("question") or ""),
                               answer=str(form.get("answer") or ""),
                               position=int(raw_position) if raw_position.isdigit() else 0,
                               published=form.get("published") == "1",
                               entry_id=int(raw_id) if raw_id.isdigit() else None)
        except DomainError as exc:
            if exc.kind == "not_found":
                raise
            return Redirect("/console/faq?error=1", status_code=303)
        return Redirect("/console/faq", status_code=303)

    @post("/{entry_id:int}/delete", name="console:faq-delete")
    async def delete(self, request: Request, shop: Shop, entry_id: int) -> Response:
        async with db.shop_scope(shop.id):
            await faq.delete(shop.id, entry_id)
        return Redirect("/console/faq", status_code=303)


service_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[TicketPages, FaqPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False)

__all__ = ["service_console_router"]

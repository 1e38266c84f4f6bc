"""Customer service API: tickets for shoppers (`/api/v1/tickets`) and the shop's staff
(`/api/admin/v1/tickets`).

A shopper is the signed-in customer (their tickets), or a guest holding an order's access
token (`?order_number=&access_token=`: that order's tickets). Anyone else gets 401/404.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.errors import Unauthorized, ValidationFailed
from galleria.kernel.orders.service import find_for_guest
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.aftersales_schemas import (
    MessageBody,
    RatingBody,
    ResolveBody,
    TicketBody,
    TicketFigures,
    TicketList,
    TicketView,
    problems,
    ticket_view,
)
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.shoppers import actor_of, current_customer

Number = Annotated[str | None, Parameter(max_length=20)]
Token = Annotated[str | None, Parameter(max_length=100)]


async def _shopper(request: Request, shop: Shop, order_number: str | None,
                   access_token: str | None) -> dict[str, Any]:
    """{"customer_id", "order_number", "actor", "contact"} of the caller; 401 for a guest
    without an order's token, 404 for a wrong token."""
    customer = await current_customer(request)
    if customer is not None and access_token is None:
        return {"customer_id": customer.id, "order_number": None, "actor": actor_of(customer),
                "contact": {"name": customer.name or "", "phone": customer.phone or ""}}
    if not order_number or not access_token:
        raise Unauthorized("Sign in, or give the order's number and access token")
    order = await find_for_guest(shop.id, order_number, access_token)
    return {"customer_id": None, "order_number": order["number"], "actor": "guest",
            "contact": tickets._json(order["contact"]) or {}}


async def _shown(shop: Shop, row: dict[str, Any], staff: bool = False) -> TicketView:
    return ticket_view(tickets.view(row, await tickets.messages_of(shop.id, row["id"]),
                                    staff=staff))


class ShopTicketsApi(Controller):
    path = "/api/v1/tickets"
    tags = ["storefront"]

    @post("/", operation_id="openTicket", status_code=201,
          responses=problems(400, 401, 404, 422))
    async def open(self, request: Request, shop: Shop, data: TicketBody,
                   order_number: Number = None, access_token: Token = None) -> Response[TicketView]:
        """A complaint or question, about an order (`order_number`, one of the customer's
        or the one whose `access_token` is given) or in general."""
        async def work() -> Response:
            who = await _shopper(request, shop, order_number or data.order_number,
                                 access_token)
            about = who["order_number"] or ""
            if data.order_number and not about:
                from galleria.kernel.customers.history import customer_order

                about = (await customer_order(shop.id, who["customer_id"],
                                              data.order_number))["number"]
            row = await tickets.open_ticket(
                shop.id, subject=data.subject, body=data.body, actor=who["actor"],
                kind=data.kind if data.kind in ("question", "complaint") else "question",
                customer_id=who["customer_id"], order_number=about, contact=who["contact"],
                attachments=data.attachments)
            return Response(await _shown(shop, row), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/", operation_id="listMyTickets", responses=problems(401, 404))
    async def list_mine(self, request: Request, shop: Shop, order_number: Number = None,
                        access_token: Token = None) -> TicketList:
        """The caller's tickets (a guest: those of the order), latest activity first."""
        async with db.shop_scope(shop.id):
            who = await _shopper(request, shop, order_number, access_token)
            rows = await tickets.list_tickets(shop.id, customer_id=who["customer_id"],
                                              order_number=who["order_number"])
            return TicketList(items=[await _shown(shop, row) for row in rows])

    @get("/{ticket_id:int}", operation_id="getMyTicket", responses=problems(401, 404))
    async def get_one(self, request: Request, shop: Shop, ticket_id: int,
                      order_number: Number = None, access_token: Token = None) -> TicketView:
        async with db.shop_scope(shop.id):
            who = await _shopper(request, shop, order_number, access_token)
            row = await tickets.get_ticket(shop.id, ticket_id, customer_id=who["customer_id"],
                                           order_number=who["order_number"])
            return await _shown(shop, row)

    @post("/{ticket_id:int}/messages", operation_id="replyToTicket", status_code=200,
          responses=problems(400, 401, 404, 409, 422))
    async def reply(self, request: Request, shop: Shop, ticket_id: int, data: MessageBody,
                    order_number: Number = None, access_token: Token = None) -> TicketView:
        """The shopper's message; the ticket is open again (409 once resolved)."""
        async with db.shop_scope(shop.id):
            who = await _shopper(request, shop, order_number, access_token)
            await tickets.get_ticket(shop.id, ticket_id, customer_id=who["customer_id"],
                                     order_number=who["order_number"])
            row = await tickets.add_message(shop.id, ticket_id, author=tickets.CUSTOMER,
                                            actor=who["actor"], body=data.body,
                                            attachments=data.attachments)
            return await _shown(shop, row)

    @post("/{ticket_id:int}/rating", operation_id="rateTicket", status_code=200,
          responses=problems(400, 401, 404, 409, 422))
    async def rating(self, request: Request, shop: Shop, ticket_id: int, data: RatingBody,
                     order_number: Number = None, access_token: Token = None) -> TicketView:
        """How satisfied the shopper is with a resolved ticket (1–5), once."""
        async with db.shop_scope(shop.id):
            who = await _shopper(request, shop, order_number, access_token)
            row = await tickets.rate(shop.id, ticket_id, data.rating, data.comment,
                                     customer_id=who["customer_id"],
                                     order_number=who["order_number"])
            return await _shown(shop, row)


class AdminTicketsApi(Controller):
    path = "/api/admin/v1/tickets"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="listTickets", responses=problems(401, 403, 422))
    async def list_all(self, request: Request, shop: Shop, actor: str,
                       status: Annotated[str | None, Parameter(max_length=16)] = None,
                       order_number: Number = None) -> TicketList:
        """Tickets, latest activity first; `status` open, waiting or resolved."""
        require_scope(request, "orders:read")
        if status is not None and status not in tickets.STATUSES:
            raise ValidationFailed(f"status is one of {', '.join(tickets.STATUSES)}")
        async with db.shop_scope(shop.id):
            rows = await tickets.list_tickets(shop.id, status=status, order_number=order_number)
            return TicketList(items=[await _shown(shop, row, True) for row in rows])

    @get("/figures", operation_id="ticketFigures", responses=problems(401, 403))
    async def figures(self, request: Request, shop: Shop, actor: str) -> TicketFigures:
        """Reply-time figures of the last 30 days (minutes) and the average rating."""
        require_scope(request, "orders:read")
        async with db.shop_scope(shop.id):
            return TicketFigures(**await tickets.figures(shop.id))

    @get("/{ticket_id:int}", operation_id="getTicket", responses=problems(401, 403, 404))
    async def get_one(self, request: Request, shop: Shop, actor: str,
                      ticket_id: int) -> TicketView:
        require_scope(request, "orders:read")
        async with db.shop_scope(shop.id):
            return await _shown(shop, await tickets.get_ticket(shop.id, ticket_id), True)

    @post("/{ticket_id:int}/messages", operation_id="answerTicket", status_code=200,
          responses=problems(400, 401, 403, 404, 409, 422))
    async def answer(self, request: Request, shop: Shop, actor: str, ticket_id: int,
                     data: MessageBody) -> TicketView:
        """Staff's answer: the ticket waits for the shopper."""
        require_scope(request, "orders:write")
        async with db.shop_scope(shop.id):
            row = await tickets.add_message(shop.id, ticket_id, author=tickets.STAFF,
                                            actor=actor, body=data.body,
                                            attachments=data.attachments,
                                            origin=str(request.base_url).rstrip("/"))
            return await _shown(shop, row, True)

    @post("/{ticket_id:int}/resolve", operation_id="resolveTicket", status_code=200,
          responses=problems(400, 401, 403, 404, 409, 422))
    async def resolve(self, request: Request, shop: Shop, actor: str, ticket_id: int,
                      data: ResolveBody) -> TicketView:
        require_scope(request, "orders:write")
        async with db.shop_scope(shop.id):
            row = await tickets.resolve(shop.id, ticket_id, actor=actor, note=data.note)
            return await _shown(shop, row, True)

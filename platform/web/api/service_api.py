"""Customer service API besides tickets: the shop's FAQ (read on the storefront, edited by
staff), repair and installation requests from a delivered order, and service points."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.service import faq
from galleria.kernel.service import requests as service
from galleria.kernel.tenancy import service_contact as contact
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.aftersales_schemas import (
    FaqBody,
    FaqList,
    FaqView,
    ServiceContact,
    ServiceContactBody,
    ServicePoint,
    ServicePointList,
    ServiceRequestBody,
    TicketView,
    problems,
)
from galleria.web.api.shop_returns import _order
from galleria.web.api.tickets_api import _shown
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent

Token = Annotated[str | None, Parameter(max_length=100)]


class ShopServiceApi(Controller):
    path = "/api/v1"
    tags = ["storefront"]

    @get("/faq", operation_id="listFaq")
    async def list_faq(self, shop: Shop) -> FaqList:
        """The shop's published questions and answers, in the merchant's order."""
        async with db.shop_scope(shop.id):
            return FaqList(items=[FaqView(**e) for e in await faq.entries(shop.id)])

    @get("/service-contact", operation_id="getServiceContact")
    async def service_contact(self, shop: Shop) -> ServiceContact:
        """The shop's customer-service phone and hours (客服电话); `phone` is "" when the
        shop has given none."""
        shown = contact.service_contact(shop.settings) or {"phone": "", "hours": ""}
        return ServiceContact(phone=shown["phone"], hours=shown["hours"])

    @get("/service-points", operation_id="listServicePoints")
    async def points(self, shop: Shop,
                     city: Annotated[str, Parameter(max_length=40)] = "") -> ServicePointList:
        """The shop's service points (维修网点), those of `city` when given, and the time
        slots a repair or installation can be booked in."""
        return ServicePointList(items=[ServicePoint(**p) for p in service.service_points(
            shop, city)], time_slots=list(service.time_slots(shop)))

    @post("/orders/{number:str}/service-requests", operation_id="requestService",
          status_code=201, responses=problems(400, 404, 422))
    async def request_service(self, request: Request, shop: Shop,
                              number: Annotated[str, Parameter(max_length=20)],
                              data: ServiceRequestBody,
                              access_token: Token = None) -> Response[TicketView]:
        """Book a repair or installation for a delivered order: `appointment_date`
        (YYYY-MM-DD, tomorrow to 60 days ahead), a `time_slot` the shop offers, the
        address (default: the order's). Handled by staff as a ticket of that kind."""
        async def work() -> Response:
            order, actor = await _order(request, shop, number, access_token)
            row = await service.request_service(
                shop, order, kind=data.kind, date=data.appointment_date,
                time_slot=data.time_slot, body=data.body, actor=actor, address=data.address)
            return Response(await _shown(shop, row), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)


class AdminFaqApi(Controller):
    path = "/api/admin/v1/faq"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="adminListFaq", responses=problems(401, 403))
    async def list_all(self, request: Request, shop: Shop, actor: str) -> FaqList:
        require_scope(request, "settings:read")
        async with db.shop_scope(shop.id):
            return FaqList(items=[FaqView(**e) for e in await faq.entries(
                shop.id, published_only=False)])

    @post("/", operation_id="addFaq", status_code=201, responses=problems(400, 401, 403, 422))
    async def add(self, request: Request, shop: Shop, actor: str,
                  data: FaqBody) -> Response[FaqView]:
        require_scope(request, "settings:write")

        async def work() -> Response:
            async with db.shop_scope(shop.id):
                entry = await faq.save(shop.id, question=data.question, answer=data.answer,
                                       position=data.position, published=data.published)
            return Response(FaqView(**entry), status_code=201)

        return await idempotent(request, shop.id, work)

    @put("/{entry_id:int}", operation_id="changeFaq",
         responses=problems(400, 401, 403, 404, 422))
    async def change(self, request: Request, shop: Shop, actor: str, entry_id: int,
                     data: FaqBody) -> FaqView:
        require_scope(request, "settings:write")
        async with db.shop_scope(shop.id):
            return FaqView(**await faq.save(
                shop.id, question=data.question, answer=data.answer, position=data.position,
                published=data.published, entry_id=entry_id))

    @delete("/{entry_id:int}", operation_id="deleteFaq", status_code=204,
            responses=problems(401, 403, 404))
    async def remove(self, request: Request, shop: Shop, actor: str, entry_id: int) -> None:
        require_scope(request, "settings:write")
        async with db.shop_scope(shop.id):
            await faq.delete(shop.id, entry_id)


class AdminServiceContactApi(Controller):
    path = "/api/admin/v1/service-contact"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @put("/", operation_id="setServiceContact", responses=problems(400, 401, 403, 422))
    async def change(self, request: Request, shop: Shop, actor: str,
                     data: ServiceContactBody) -> ServiceContact:
        """Set the service phone (digits, spaces, hyphens, brackets, an optional leading +;
        5–20 digits; "" shows none) and hours (free text, at most 60 characters) that the
        storefront shows."""
        require_scope(request, "settings:write")
        async with db.shop_scope(shop.id):
            stored = await contact.set_service_contact(shop.id, data.phone, data.hours)
            await record(shop.id, actor, "shop.service_contact", stored["phone"], stored)
        return ServiceContact(**stored)

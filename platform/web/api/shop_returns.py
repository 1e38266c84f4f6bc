"""Storefront API for after-sales: a shopper asks to return or exchange delivered lines of
their order, follows the request, and gives the tracking number of the parcel sent back.
Who may: the signed-in customer who placed the order, or whoever holds its access token."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.aftersales import returns
from galleria.kernel.catalog.images import store_photo
from galleria.kernel.customers.history import customer_order
from galleria.kernel.orders.service import find_for_guest
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.admin_catalog import Upload, keep_body
from galleria.web.api.aftersales_schemas import (
    Photo,
    ReturnBody,
    ReturnList,
    ReturnView,
    TrackingBody,
    lines_of,
    problems,
    return_view,
)
from galleria.web.idempotency import idempotent
from galleria.web.shoppers import actor_of, current_customer

Number = Annotated[str, Parameter(max_length=20)]
Token = Annotated[str | None, Parameter(max_length=100)]


async def _order(request: Request, shop: Shop, number: str, access_token: str | None):
    customer = await current_customer(request)
    if customer is not None and access_token is None:
        return await customer_order(shop.id, customer.id, number), actor_of(customer)
    return await find_for_guest(shop.id, number, access_token), actor_of(customer)


class ShopReturnsApi(Controller):
    path = "/api/v1/orders/{number:str}/returns"
    tags = ["storefront"]

    @post("/", operation_id="requestReturn", status_code=201,
          responses=problems(400, 404, 409, 422))
    async def request_return(self, request: Request, shop: Shop, number: Number,
                             data: ReturnBody, access_token: Token = None) -> Response[ReturnView]:
        """Ask to return or exchange delivered lines. No reason is needed within the shop's
        window (default 7 days after delivery); `reason: quality` has a longer one, also for
        products not returnable otherwise, and the shop pays the return shipping. 422
        `return_not_allowed` outside the window or for lines not delivered/returnable."""
        async def work() -> Response:
            order, actor = await _order(request, shop, number, access_token)
            row = await returns.request_return(
                shop, order, kind=data.kind, lines=lines_of(data.lines),
                reason=data.reason or "", note=data.note or "", photos=data.photos,
                actor=actor)
            return Response(return_view(returns.view(row)), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @post("/photos", operation_id="uploadReturnPhoto", status_code=201,
          before_request=keep_body, responses=problems(400, 404, 422))
    async def upload_photo(self, request: Request, shop: Shop, number: Number, data: Upload,
                           access_token: Token = None) -> Response[Photo]:
        """A photo for a return or exchange request of this order (multipart field `file`:
        a JPEG, PNG or WebP picture of at most 8 MB, checked and re-encoded like product
        pictures). Name its `key` in the request's `photos` (at most 9)."""
        async def work() -> Response:
            await _order(request, shop, number, access_token)
            stored = await store_photo(shop.id, "returns", await data.file.read())
            return Response(Photo(**stored), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/", operation_id="listOrderReturns", responses=problems(404))
    async def list_returns(self, request: Request, shop: Shop, number: Number,
                           access_token: Token = None) -> ReturnList:
        """The order's return and exchange requests, oldest first, with their timeline."""
        async with db.shop_scope(shop.id):
            order, _ = await _order(request, shop, number, access_token)
            rows = await returns.returns_of(shop.id, order["id"])
        return ReturnList(items=[return_view(returns.view(row)) for row in rows])

    @post("/{return_id:int}/tracking", operation_id="returnTracking", status_code=200,
          responses=problems(400, 404, 409, 422))
    async def tracking(self, request: Request, shop: Shop, number: Number, return_id: int,
                       data: TrackingBody, access_token: Token = None) -> ReturnView:
        """The shopper sent the parcel back: approved → shipped_back."""
        async with db.shop_scope(shop.id):
            order, actor = await _order(request, shop, number, access_token)
            row = await returns.advance(
                shop.id, return_id, expected=(returns.APPROVED,), to=returns.SHIPPED_BACK,
                actor=actor, order_id=order["id"], carrier=data.carrier.strip(),
                tracking_number=data.tracking_number.strip(),
                what=f"sent back: {data.carrier} {data.tracking_number}")
            return return_view(returns.view(row))

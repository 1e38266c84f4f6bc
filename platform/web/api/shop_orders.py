"""Storefront API for buying: carts, checkout preview, placing and reading orders, shipping
methods (API.md, "Storefront"). Thin: each handler opens the shop's scope and calls the
kernel; errors become problem+json in galleria.web.problems."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.checkout import carts, delivery_dates
from galleria.kernel.checkout.admission import admission
from galleria.kernel.checkout.details import check_address
from galleria.kernel.checkout.placement import (
    OrderRequest,
    place_order,
    retried_on_number_clash,
)
from galleria.kernel.checkout.pricing import price_cart
from galleria.kernel.customers.history import customer_order
from galleria.kernel.errors import Problems
from galleria.kernel.orders.service import find_for_guest, order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.admission_door import STATE_KEY as DOOR_TICKETS
from galleria.web.api.answers import Cart, CheckoutPreview, MethodList
from galleria.web.api.answers_orders import PlacedOrder, ShopperOrder
from galleria.web.idempotency import idempotent
from galleria.web.methods import offered_shipping
from galleria.web.openapi import ADDRESS, CONTACT
from galleria.web.pages.render import request_locale
from galleria.web.shoppers import actor_of, current_customer

CartId = Annotated[str, Parameter(max_length=32)]
Quantity = Annotated[int, msgspec.Meta(ge=0, le=carts.MAX_QUANTITY)]
Code = Annotated[str, msgspec.Meta(max_length=64)]


class ItemBody(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: int
    quantity: Annotated[int, msgspec.Meta(ge=1, le=carts.MAX_QUANTITY)] = 1


class QuantityBody(msgspec.Struct, forbid_unknown_fields=True):
    quantity: Quantity


# YYYY-MM-DD, for an express order, within the shop's rules (see the preview's delivery_dates).
DeliveryDate = Annotated[str, msgspec.Meta(max_length=10)]


class PreviewBody(msgspec.Struct, forbid_unknown_fields=True):
    cart_id: Annotated[str, msgspec.Meta(max_length=32)]
    address: Annotated[dict[str, Any] | None, ADDRESS] = None
    shipping_method: Code | None = None
    coupon_code: Code | None = None
    points: Annotated[int, msgspec.Meta(ge=0)] = 0
    requested_delivery_date: DeliveryDate | None = None


class OrderBody(msgspec.Struct, forbid_unknown_fields=True):
    cart_id: Annotated[str, msgspec.Meta(max_length=32)]
    contact: Annotated[dict[str, Any], CONTACT]
    address: Annotated[dict[str, Any], ADDRESS]
    payment_method: Code
    shipping_method: Code | None = None
    coupon_code: Code | None = None
    points: Annotated[int, msgspec.Meta(ge=0)] = 0
    invoice: dict[str, Any] | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    requested_delivery_date: DeliveryDate | None = None


def _created(body: dict[str, Any]) -> Response:
    return Response(body, status_code=201)


class ShopOrdersApi(Controller):
    path = "/api/v1"
    tags = ["storefront"]

    @post("/carts", operation_id="createCart", status_code=201)
    async def create_cart(self, request: Request, shop: Shop) -> Response[Cart]:
        """A new, empty cart. Its `id` is unguessable: keep it, it is the key to the cart."""
        async def work() -> Response:
            customer = await current_customer(request)  # a signed-in shopper's cart is theirs
            return _created((await carts.create_cart(shop, customer and customer.id)).to_json())

        async def attempt() -> Response:
            async with db.shop_scope(shop.id):
                return await idempotent(request, shop.id, work)

        return await retried_on_number_clash(attempt)

    @get("/carts/{cart_id:str}", operation_id="getCart")
    async def get_cart(self, shop: Shop, cart_id: CartId) -> Cart:
        """Lines at today's prices; a line whose variant is no longer sold says
        `problem: "unavailable"`, one asking more than is left `"not_enough_stock"`."""
        async with db.shop_scope(shop.id):
            return (await carts.get_cart(shop, cart_id)).to_json()

    @post("/carts/{cart_id:str}/items", operation_id="addCartItem", status_code=200)
    async def add_item(self, request: Request, shop: Shop, cart_id: CartId,
                       data: ItemBody) -> Response[Cart]:
        """Add to the cart (to the line's quantity if the variant is there); 409
        `out_of_stock` with `available` when the cart would hold more than is left."""
        async def work() -> Response:
            cart = await carts.add_item(shop, cart_id, data.variant_id, data.quantity)
            return Response(cart.to_json(), status_code=200)

        async def attempt() -> Response:
            async with db.shop_scope(shop.id):
                return await idempotent(request, shop.id, work)

        return await retried_on_number_clash(attempt)

    @patch("/carts/{cart_id:str}/items/{variant_id:int}", operation_id="setCartItem")
    async def set_item(self, shop: Shop, cart_id: CartId, variant_id: int,
                       data: QuantityBody) -> Cart:
        """Set a line's quantity; 0 removes the line."""
        async with db.shop_scope(shop.id):
            return (await carts.set_quantity(shop, cart_id, variant_id, data.quantity)
                    ).to_json()

    @put("/carts/{cart_id:str}/items/{variant_id:int}", operation_id="putCartItem")
    async def put_item(self, shop: Shop, cart_id: CartId, variant_id: int,
                       data: QuantityBody) -> Cart:
        """The same as `PATCH`, for clients that cannot send PATCH (a WeChat mini-program's
        `wx.request`): set a line's quantity; 0 removes the line."""
        async with db.shop_scope(shop.id):
            return (await carts.set_quantity(shop, cart_id, variant_id, data.quantity)
                    ).to_json()

    @delete("/carts/{cart_id:str}/items/{variant_id:int}", operation_id="removeCartItem",
            status_code=200)
    async def remove_item(self, shop: Shop, cart_id: CartId,
                          variant_id: int) -> Cart:
        async with db.shop_scope(shop.id):
            return (await carts.remove_item(shop, cart_id, variant_id)).to_json()

    @post("/checkout/preview", operation_id="previewCheckout", status_code=200)
    async def preview(self, request: Request, shop: Shop, runtime: Runtime,
                      data: PreviewBody) -> CheckoutPreview:
        """What the order would cost: shipping options for the address, adjustments from
        the shop's marketing plugins, totals. Nothing is reserved or redeemed."""
        problems = Problems()
        address = check_address(data.address, problems) if data.address else None
        problems.raise_if_any("The address is invalid")
        asked = delivery_dates.check_requested_date(  # the method: as placing will check
            shop, data.requested_delivery_date, data.shipping_method, problems)
        problems.raise_if_any("The requested delivery date is not offered")
        customer = await current_customer(request)  # whose points and level apply
        async with db.shop_scope(shop.id):
            cart = await carts.get_cart(shop, data.cart_id)
            pricing = await price_cart(
                shop, cart, host=runtime.host, address=address,
                shipping_method=data.shipping_method, coupon_code=data.coupon_code,
                points=data.points, customer_id=customer.id if customer else None,
                locale=request_locale(request, shop))
        return {**pricing.to_json(), "lines": [view.to_json() for view in cart.lines],
                "delivery_dates": delivery_dates.window(shop),
                "requested_delivery_date": asked.isoformat() if asked else None}

    @post("/orders", operation_id="placeOrder", status_code=201)
    async def place_order(self, request: Request, shop: Shop, runtime: Runtime,
                          data: OrderBody) -> Response[PlacedOrder]:
        """Place an order from a cart (prices recomputed here). 201 with the order and its
        `access_token`, shown this once: it is the guest's key to the order. 409
        `out_of_stock` lists in `items` every SKU that ran out; 409 `cart_placed` names in
        `order_number` the order already placed from this cart (one cart, one order)."""
        customer = await current_customer(request)
        order_request = OrderRequest(
            cart_id=data.cart_id, contact=data.contact, address=data.address,
            payment_method=data.payment_method, shipping_method=data.shipping_method,
            coupon_code=data.coupon_code, points=data.points, invoice=data.invoice,
            note=data.note, customer_id=customer.id if customer else None,
            requested_delivery_date=data.requested_delivery_date,
            actor=actor_of(customer), locale=request_locale(request, shop))

        async def work() -> Response:
            placed = await place_order(shop, runtime.host, order_request)
            return _created({**placed.order, "access_token": placed.access_token})

        async def attempt() -> Response:
            async with db.shop_scope(shop.id):
                return await idempotent(request, shop.id, work)

        # Late buyers of a sold-out flash sale are turned away here, before the order's
        # transaction takes a connection (issue 14); what admission took for this buyer is
        # given back when the block ends unless the order kept it.
        async with admission(shop, runtime.host, data.cart_id,
                             order_request.locale or shop.locale,
                             admitted=request.scope["state"].get(DOOR_TICKETS)):
            return await retried_on_number_clash(attempt)

    @get("/orders/{number:str}", operation_id="getOrder")
    async def get_order(
        self, request: Request, shop: Shop, number: Annotated[str, Parameter(max_length=20)],
        access_token: Annotated[str | None, Parameter(max_length=100)] = None,
    ) -> ShopperOrder:
        """The order, for whoever holds its `access_token` and for the signed-in customer
        who placed it; any other caller gets 404."""
        async with db.shop_scope(shop.id):
            customer = await current_customer(request)
            if customer is not None and access_token is None:  # the owner needs no token
                row = await customer_order(shop.id, customer.id, number)
            else:
                row = await find_for_guest(shop.id, number, access_token)
            return await order_view(shop.id, row, staff=False)

    @get("/shipping-methods", operation_id="listShippingMethods")
    async def shipping_methods(self, shop: Shop, runtime: Runtime) -> MethodList:
        """The shipping methods this shop has enabled (prices come with a preview)."""
        return {"items": await offered_shipping(shop, runtime)}

"""Merchant admin API (shop host, `Authorization: Bearer <token>`)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide

from galleria.kernel import db
from galleria.kernel.billing.limits import ensure_domain_room, ensure_plugin_change_allowed
from galleria.kernel.catalog.service import (
    ProductInput,
    VariantInput,
    create_product,
    get_product,
)
from galleria.kernel.tenancy import domains
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.plugin_state import plugin_states, set_plugin_state
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.answers import AdminProduct
from galleria.web.api.answers_fulfilment import Domain, DomainList, NewDomain
from galleria.web.api.answers_orders import PluginList, PluginState
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.sandbox import sandbox_url


class BarcodeBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    units: Annotated[int, msgspec.Meta(ge=1)] = 1


class VariantBody(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    price: Annotated[int, msgspec.Meta(ge=0)]
    stock: Annotated[int, msgspec.Meta(ge=0)] = 0
    options: dict[str, str] = {}
    weight_grams: Annotated[int, msgspec.Meta(ge=0)] = 0
    barcodes: list[BarcodeBody] = []
    shelf_location: Annotated[str, msgspec.Meta(max_length=32)] = ""  # 库位
    # 成本价, minor units: what a unit costs the shop (reports value stock and margin at it)
    cost_price: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] | None = None


class ProductBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    variants: Annotated[list[VariantBody], msgspec.Meta(min_length=1, max_length=500)]
    description: str = ""
    category: str | None = None
    attributes: dict[str, str] = {}
    status: str = "published"


class PluginBody(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
    settings: dict[str, Any] | None = None


class DomainBody(msgspec.Struct, forbid_unknown_fields=True):
    host: Annotated[str, msgspec.Meta(min_length=1, max_length=253)]


class AdminApi(Controller):
    path = "/api/admin/v1"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @post("/products", operation_id="createProduct", status_code=201)
    async def create_product(self, request: Request, shop: Shop, actor: str,
                             data: ProductBody) -> Response[AdminProduct]:
        require_scope(request, "catalog:write")

        async def work() -> Response:
            product_id = await create_product(shop.id, ProductInput(
                name=data.name, description=data.description, category=data.category,
                attributes=data.attributes, status=data.status,
                variants=[VariantInput(
                    sku=v.sku, price=v.price, stock=v.stock, options=v.options,
                    weight_grams=v.weight_grams, shelf_location=v.shelf_location,
                    cost_price=v.cost_price, barcodes=[(b.code, b.units) for b in v.barcodes],
                ) for v in data.variants],
            ))
            product = await get_product(shop.id, product_id)
            return Response(_with_currency(product, shop), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/products/{product_id:int}", operation_id="getProduct")
    async def get_product(self, request: Request, shop: Shop, actor: str,
                          product_id: int) -> AdminProduct:
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            return _with_currency(await get_product(shop.id, product_id), shop)

    @get("/plugins", operation_id="listPlugins")
    async def list_plugins(self, shop: Shop, actor: str, runtime: Runtime) -> PluginList:
        async with db.shop_scope(shop.id):
            return {"items": await plugin_states(shop.id, runtime.host)}

    @put("/plugins/{name:str}", operation_id="setPlugin")
    async def set_plugin(self, request: Request, shop: Shop, actor: str, runtime: Runtime,
                         name: str, data: PluginBody) -> PluginState:
        require_scope(request, "settings:write")
        async with db.shop_scope(shop.id):
            if runtime.host.is_installed(name):
                await ensure_plugin_change_allowed(shop.id, name, data.enabled)
            await set_plugin_state(shop.id, runtime.host, name, enabled=data.enabled,
                                   settings=data.settings, actor=actor,
                                   sandbox_url=sandbox_url(runtime.settings, request))
            states = await plugin_states(shop.id, runtime.host)
        return next(state for state in states if state["name"] == name)


    @get("/domains", operation_id="listDomains")
    async def list_domains(self, shop: Shop, actor: str) -> DomainList:
        async with db.shop_scope(shop.id):
            return {"items": await domains.list_domains(shop.id)}

    @post("/domains", operation_id="addDomain", status_code=201)
    async def add_domain(self, request: Request, shop: Shop, actor: str, runtime: Runtime,
                         data: DomainBody) -> Response[NewDomain]:
        require_scope(request, "settings:write")

        async def work() -> Response:
            await ensure_domain_room(shop.id)
            added = await domains.add_domain(shop.id, data.host, runtime.settings.domain)
            await record(shop.id, actor, "domain.added", added["host"])
            return Response(added, status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @post("/domains/{host:str}/verify", operation_id="verifyDomain", status_code=200)
    async def verify_domain(self, request: Request, shop: Shop, actor: str,
                            runtime: Runtime, host: str) -> Domain:
        require_scope(request, "settings:write")

        async def fetch(url: str) -> str:
            # the address checked is the address fetched: no second lookup to rebind
            address = await domains.public_address(host, runtime.resolver)
            async with runtime.http_client(timeout=5, follow_redirects=False) as client:
                response = await client.get(domains.well_known_url(address),
                                            headers={"host": host})
                response.raise_for_status()
                return response.text

        async with db.shop_scope(shop.id):
            result = await domains.verify_domain(shop.id, host, fetch)
            await record(shop.id, actor, "domain.verified", host)
        return result


def _with_currency(product: dict[str, Any], shop: Shop) -> dict[str, Any]:
    product["currency"] = shop.currency
    return product

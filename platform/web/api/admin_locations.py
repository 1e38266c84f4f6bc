"""Merchant admin API for locations (门店/仓库) and stock transfers (调拨) between them
(shop host, `Authorization: Bearer`). Thin handlers: scope, shop scope, kernel, audit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import Provide
from litestar.params import Parameter, QueryParameter
from msgspec import UNSET, UnsetType

from galleria.kernel import db
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.inventory import locations, transfers
from galleria.kernel.inventory.service import get_level
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.answers_locations import (
    Location,
    LocationList,
    LocationSettings,
    Transfer,
    TransferPage,
    VariantLocations,
)
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.pagination import decode_cursor, page

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Text60 = Annotated[str, msgspec.Meta(max_length=60)]


class AddressBody(msgspec.Struct, forbid_unknown_fields=True):
    province: Text60 = ""
    city: Text60 = ""
    district: Text60 = ""
    line1: Annotated[str, msgspec.Meta(max_length=200)] = ""
    region_code: Annotated[str, msgspec.Meta(pattern=r"^([0-9]{6})?$")] = ""


class HoursBody(msgspec.Struct, forbid_unknown_fields=True):
    days: Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=7)]],
                    msgspec.Meta(min_length=1, max_length=7)]
    open: Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    close: Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class AreaBody(msgspec.Struct, forbid_unknown_fields=True):
    radius_km: Annotated[float, msgspec.Meta(ge=0.1, le=100)] | None = None
    regions: Annotated[list[Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")]],
                       msgspec.Meta(max_length=200)] = []


class LocationPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The fields to change; those left out stay as they are."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)] | UnsetType = UNSET
    kind: Literal["store", "warehouse"] | UnsetType = UNSET
    address: AddressBody | UnsetType = UNSET
    phone: Annotated[str, msgspec.Meta(max_length=32)] | UnsetType = UNSET
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | UnsetType | None = UNSET
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | UnsetType | None = UNSET
    hours: Annotated[list[HoursBody], msgspec.Meta(max_length=14)] | UnsetType = UNSET
    delivery_area: AreaBody | UnsetType = UNSET
    offers_pickup: bool | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    position: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | UnsetType = UNSET


class LocationBody(LocationPatch, forbid_unknown_fields=True):
    """A new location: `code` (kept for good) and `name` are needed."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")] = ""


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True):
    split_by_location: bool


class TransferLineBody(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: Annotated[int, msgspec.Meta(ge=1)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class TransferBody(msgspec.Struct, forbid_unknown_fields=True):
    source: Code
    destination: Code
    lines: Annotated[list[TransferLineBody], msgspec.Meta(min_length=1, max_length=200)]
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


def _fields(body: LocationPatch) -> dict[str, Any]:
    """The body's fields that were sent, as plain data for the kernel's checks."""
    return {name: msgspec.to_builtins(value)
            for name, value in msgspec.structs.asdict(body).items() if value is not UNSET}


def _split(shop: Shop) -> bool:
    return bool(shop.settings.get(locations.SPLIT_ORDERS))


class AdminLocationsApi(Controller):
    path = "/api/admin/v1/locations"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="listLocations")
    async def list_locations(self, request: Request, shop: Shop, actor: str) -> LocationList:
        """The shop's locations (stores and warehouses), in the merchant's order."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            items = await locations.list_locations(shop.id)
        return {"items": items, "split_by_location": _split(shop)}  # type: ignore[typeddict-item]

    @post("/", operation_id="createLocation", status_code=201)
    async def create_location(self, request: Request, shop: Shop, actor: str,
                              data: LocationBody) -> Response[Location]:
        """A new store or warehouse; 409 when the shop has its code already."""
        require_scope(request, "catalog:write")

        async def work() -> Response:
            created = await locations.create_location(shop.id, _fields(data))
            await record(shop.id, actor, "location.created", created["code"], {})
            return Response(created, status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @put("/settings", operation_id="setLocationSettings")
    async def set_settings(self, request: Request, shop: Shop, actor: str,
                           data: SettingsBody) -> LocationSettings:
        """Whether an order that no single location can fill is split by location."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            await locations.set_split_orders(shop.id, data.split_by_location)
            await record(shop.id, actor, "location.settings", "split_by_location",
                         {"split_by_location": data.split_by_location})
        return {"split_by_location": data.split_by_location}

    @get("/{code:str}", operation_id="getLocation")
    async def get_location(self, request: Request, shop: Shop, actor: str,
                           code: str) -> Location:
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            return await locations.get_location(shop.id, code)  # type: ignore[return-value]

    @patch("/{code:str}", operation_id="updateLocation")
    async def update_location(self, request: Request, shop: Shop, actor: str, code: str,
                              data: LocationPatch) -> Location:
        """Change a location; the last active one cannot be closed (409)."""
        require_scope(request, "catalog:write")
        fields = _fields(data)
        async with db.shop_scope(shop.id):
            updated = await locations.update_location(shop.id, code, fields)
            await record(shop.id, actor, "location.updated", code, {"fields": sorted(fields)})
        return updated  # type: ignore[return-value]


async def _take_step(request: Request, shop: Shop, actor: str, transfer_id: int,
                     step: str) -> Transfer:
    """Take `step` (ship, receive, cancel) on the shop's transfer, as `actor`."""
    require_scope(request, "catalog:write")
    async with db.shop_scope(shop.id):
        return await transfers.take_step(  # type: ignore[return-value]
            shop.id, transfer_id, step, actor=actor)


class AdminTransfersApi(Controller):
    path = "/api/admin/v1/inventory"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/{variant_id:int}/locations", operation_id="variantStockByLocation")
    async def by_location(self, request: Request, shop: Shop, actor: str,
                          variant_id: int) -> VariantLocations:
        """The variant's stock at each of the shop's locations."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            await get_level(shop.id, variant_id)  # 404 for another shop's variant
            items = []
            for location in await locations.list_locations(shop.id):
                level = await get_level(shop.id, variant_id, location=location["code"],
                                        missing_ok=True)
                items.append({"location": location["code"], "on_hand": level.on_hand,
                              "reserved": level.reserved, "available": level.available})
        return {"variant_id": variant_id, "locations": items}  # type: ignore[typeddict-item]

    @post("/transfers", operation_id="createTransfer", status_code=201)
    async def create_transfer(self, request: Request, shop: Shop, actor: str,
                              data: TransferBody) -> Response[Transfer]:
        """A draft transfer between two locations; nothing moves until it is shipped."""
        require_scope(request, "catalog:write")

        async def work() -> Response:
            created = await transfers.create_transfer(
                shop.id, source=data.source, destination=data.destination,
                lines=msgspec.to_builtins(data.lines), note=data.note, actor=actor)
            return Response(created, status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/transfers", operation_id="listTransfers")
    async def list_transfers(
        self, request: Request, shop: Shop, actor: str,
        in_state: Annotated[Literal["draft", "in_transit", "received", "cancelled"] | None,
                            QueryParameter(name="state")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50, cursor: str | None = None,
    ) -> TransferPage:
        """Transfers, newest first."""
        require_scope(request, "catalog:read")
        before = decode_cursor(cursor).get("id")
        if before is not None and type(before) is not int:
            raise ValidationFailed("The cursor is not one this API gave out")
        async with db.shop_scope(shop.id):
            rows = await transfers.list_transfers(shop.id, state=in_state, limit=limit + 1,
                                                  before=before)
        return page(rows, limit)  # type: ignore[return-value]

    @get("/transfers/{transfer_id:int}", operation_id="getTransfer")
    async def get_transfer(self, request: Request, shop: Shop, actor: str,
                           transfer_id: int) -> Transfer:
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            return await transfers.get_transfer(shop.id, transfer_id)  # type: ignore[return-value]

    # The three steps of a transfer differ only in the kernel's step they take: one body.
    @post("/transfers/{transfer_id:int}/ship", operation_id="shipTransfer", status_code=200)
    async def ship(self, request: Request, shop: Shop, actor: str,
                   transfer_id: int) -> Transfer:
        """draft → in_transit: the units leave the source (409 when it has too few)."""
        return await _take_step(request, shop, actor, transfer_id, "ship")

    @post("/transfers/{transfer_id:int}/receive", operation_id="receiveTransfer",
          status_code=200)
    async def receive(self, request: Request, shop: Shop, actor: str,
                      transfer_id: int) -> Transfer:
        """in_transit → received: the units arrive at the destination."""
        return await _take_step(request, shop, actor, transfer_id, "receive")

    @post("/transfers/{transfer_id:int}/cancel", operation_id="cancelTransfer",
          status_code=200)
    async def cancel(self, request: Request, shop: Shop, actor: str,
                     transfer_id: int) -> Transfer:
        """draft or in_transit → cancelled; units on the way go back to the source."""
        return await _take_step(request, shop, actor, transfer_id, "cancel")

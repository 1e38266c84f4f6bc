"""The flash-sale and gift API (shared/API.md, "Marketing"):

- `POST|GET /api/admin/v1/marketing/flash-sales`, `GET|PATCH …/flash-sales/{id}`;
- `GET /api/v1/flash-sales`: running and upcoming sales with `remaining`;
- `POST|GET /api/admin/v1/marketing/gifts`, `PATCH …/gifts/{id}` (`{"active"}`).

Admin routes need a token with the `marketing` scope (the app's permission guard); creating
POSTs honour `Idempotency-Key` (the `idempotent` dependency). Money in minor units.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypedDict

from litestar import Response, get, patch, post
from litestar.params import Parameter

from galleria.kernel import Shop, ValidationFailed, shop_scope
from galleria_plugins.marketing_campaigns import flash_sales, gifts

ADMIN = "/api/admin/v1/marketing"
Limit = Annotated[int, Parameter(ge=1, le=100)]
Cursor = Annotated[str | None, Parameter(max_length=20)]


class FlashSaleView(TypedDict):
    id: int
    variant_id: int
    product_id: int
    sku: str
    name: str
    price: int
    regular_price: int
    currency: str
    quota: int
    sold: int
    remaining: int
    per_customer_limit: int
    starts_at: str
    ends_at: str
    active: bool
    status: str


class FlashSaleList(TypedDict):
    items: list[FlashSaleView]
    next_cursor: str | None


class GiftTrigger(TypedDict):
    product_ids: list[int]
    min_amount: int


class GiftView(TypedDict):
    id: int
    gift_variant_id: int
    sku: str
    name: str
    trigger: GiftTrigger
    safety_stock: int
    available: int
    active: bool
    giving: bool


class GiftList(TypedDict):
    items: list[GiftView]


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def sale_view(shop: Shop, row: dict[str, Any]) -> FlashSaleView:
    return FlashSaleView(
        id=row["id"], variant_id=row["variant"], product_id=row["product"], sku=row["sku"],
        name=row["name"], price=row["price"], regular_price=row["regular_price"],
        currency=shop.currency, quota=row["quota"], sold=row["sold"],
        remaining=row["remaining"], per_customer_limit=row["per_customer_limit"],
        starts_at=_time(row["starts_at"]), ends_at=_time(row["ends_at"]),
        active=row["active"], status=row["status"])


def gift_view(row: dict[str, Any]) -> GiftView:
    return GiftView(id=row["id"], gift_variant_id=row["gift_variant"], sku=row["sku"],
                    name=row["name"], trigger=GiftTrigger(product_ids=row["product_ids"],
                                                         min_amount=row["min_amount"]),
                    safety_stock=row["safety_stock"], available=row["available"],
                    active=row["active"], giving=row["giving"])


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object")
    return data


@post(f"{ADMIN}/flash-sales", operation_id="createFlashSale", status_code=201,
      tags=["marketing"])
async def create_flash_sale(shop: Shop, data: dict[str, Any],
                            idempotent: Any) -> Response[FlashSaleView]:
    """A flash sale: `{"variant_id","price","quota","per_customer_limit"?,"starts_at",
    "ends_at"}` (price in minor units, below the variant's; times RFC 3339 with a zone).
    409 when another sale of the variant overlaps that time."""
    async def work() -> Response:
        row = await flash_sales.create_sale(shop.id, _object(data))
        return Response(sale_view(shop, row), status_code=201)

    return await idempotent(work)


@get(f"{ADMIN}/flash-sales", operation_id="listFlashSales", tags=["marketing"])
async def list_flash_sales(shop: Shop, limit: Limit = 50,
                           cursor: Cursor = None) -> FlashSaleList:
    """The shop's flash sales, newest first, with what is sold and what remains."""
    before = int(cursor) if cursor and cursor.isdigit() else None
    async with shop_scope(shop.id):
        rows = await flash_sales.list_sales(shop.id, limit=limit + 1, before=before)
    more = len(rows) > limit
    rows = rows[:limit]
    return FlashSaleList(items=[sale_view(shop, r) for r in rows],
                         next_cursor=str(rows[-1]["id"]) if more else None)


@get(f"{ADMIN}/flash-sales/{{sale_id:int}}", operation_id="getFlashSale", tags=["marketing"])
async def get_flash_sale(shop: Shop, sale_id: int) -> FlashSaleView:
    async with shop_scope(shop.id):
        return sale_view(shop, await flash_sales.get_sale(shop.id, sale_id))


@patch(f"{ADMIN}/flash-sales/{{sale_id:int}}", operation_id="updateFlashSale",
       tags=["marketing"])
async def update_flash_sale(shop: Shop, sale_id: int, data: dict[str, Any]) -> FlashSaleView:
    """Change `price`, `quota` (never below what is sold), `per_customer_limit`,
    `starts_at`, `ends_at` or `active`."""
    async with shop_scope(shop.id):
        return sale_view(shop, await flash_sales.update_sale(shop.id, sale_id, _object(data)))


@get("/api/v1/flash-sales", operation_id="listCurrentFlashSales", tags=["storefront"])
async def current_flash_sales(shop: Shop) -> FlashSaleList:
    """Running and upcoming flash sales, soonest ending first, with `remaining`."""
    async with shop_scope(shop.id):
        rows = await flash_sales.current_sales(shop.id)
    return FlashSaleList(items=[sale_view(shop, r) for r in rows], next_cursor=None)


@post(f"{ADMIN}/gifts", operation_id="createGift", status_code=201, tags=["marketing"])
async def create_gift(shop: Shop, data: dict[str, Any], idempotent: Any) -> Response[GiftView]:
    """A gift with purchase: `{"gift_variant_id","trigger":{"product_ids"?,"min_amount"?},
    "safety_stock"}`; given while more than `safety_stock` of the gift is available."""
    async def work() -> Response:
        return Response(gift_view(await gifts.create_gift(shop.id, _object(data))),
                        status_code=201)

    return await idempotent(work)


@get(f"{ADMIN}/gifts", operation_id="listGifts", tags=["marketing"])
async def list_gifts(shop: Shop) -> GiftList:
    async with shop_scope(shop.id):
        return GiftList(items=[gift_view(r) for r in await gifts.list_gifts(shop.id)])


@patch(f"{ADMIN}/gifts/{{gift_id:int}}", operation_id="updateGift", tags=["marketing"])
async def update_gift(shop: Shop, gift_id: int, data: dict[str, Any]) -> GiftView:
    """Switch a gift off or on: `{"active": false}`."""
    body = _object(data)
    if set(body) != {"active"} or type(body["active"]) is not bool:
        raise ValidationFailed("Send {\"active\": true|false}")
    async with shop_scope(shop.id):
        return gift_view(await gifts.set_active(shop.id, gift_id, body["active"]))


ROUTES = [create_flash_sale, list_flash_sales, get_flash_sale, update_flash_sale,
          current_flash_sales, create_gift, list_gifts, update_gift]

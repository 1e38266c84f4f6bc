"""Merchant admin API for the catalog and stock: products, pictures, categories, barcodes,
receiving and stocktakes, alerts, import and export (shop host, `Authorization: Bearer`).

Handlers are thin: check the token's scope, open the shop's scope, call the kernel, record
who did it (the stock ledger records the actor itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from msgspec import UNSET, UnsetType

from galleria.kernel import db
from galleria.kernel.catalog import io as catalog_io
from galleria.kernel.catalog import service as catalog
from galleria.kernel.errors import Problems, ValidationFailed
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.admin import BarcodeBody
from galleria.web.api.answers import (
    AdminProduct,
    Category,
    CategoryTree,
    ExpiringLotList,
    LowStockList,
    ProductImage,
    ProductPage,
    StockLedgerPage,
    StockReceived,
    VariantStock,
)
from galleria.web.api.answers_fulfilment import BarcodeMatch, ImportedCatalog
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.openapi import also_served_as, file_answer
from galleria.web.pagination import decode_cursor, page

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Count = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
Positive = Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
LocationCode = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class VariantPatch(msgspec.Struct, forbid_unknown_fields=True):
    """With `id`: changes to that variant. Without: a new variant (`sku`, `price` needed)."""

    id: int | UnsetType = UNSET
    sku: Sku | UnsetType = UNSET
    price: Count | UnsetType = UNSET
    stock: Count | UnsetType = UNSET
    options: dict[str, str] | UnsetType = UNSET
    weight_grams: Count | UnsetType = UNSET
    shelf_location: Annotated[str, msgspec.Meta(max_length=32)] | UnsetType = UNSET
    # 成本价, minor units; null clears it
    cost_price: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] | UnsetType | None = UNSET
    status: Literal["active", "inactive"] | UnsetType = UNSET
    barcodes: list[BarcodeBody] | UnsetType = UNSET


class ProductPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    description: str | UnsetType = UNSET
    category: str | UnsetType | None = UNSET
    attributes: dict[str, str] | UnsetType = UNSET
    status: Literal["draft", "published"] | UnsetType = UNSET
    variants: Annotated[list[VariantPatch], msgspec.Meta(max_length=500)] = []


class CategoryBody(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    parent: str | None = None
    position: int = 0


class CategoryPatch(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug | UnsetType = UNSET
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | UnsetType = UNSET
    parent: str | UnsetType | None = UNSET
    position: int | UnsetType = UNSET


class ReceiveBody(msgspec.Struct, forbid_unknown_fields=True):
    """Either `barcode` (scanned `count` times; a case barcode adds its units) or
    `variant_id` with `quantity`. A lot code or dates keep the stock as a lot."""

    barcode: Sku | None = None
    count: Positive | None = None
    variant_id: int | None = None
    quantity: Positive | None = None
    lot_code: Annotated[str, msgspec.Meta(max_length=64)] = ""
    produced_on: dt.date | None = None
    expires_on: dt.date | None = None
    reason: Annotated[str, msgspec.Meta(max_length=200)] = ""
    reference: Annotated[str, msgspec.Meta(max_length=64)] = ""
    location: LocationCode = inventory.DEFAULT_LOCATION  # 门店/仓库 receiving the stock


class AdjustBody(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: int
    counted: Count
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    reference: Annotated[str, msgspec.Meta(max_length=64)] = ""
    location: LocationCode = inventory.DEFAULT_LOCATION  # the location counted


class SafetyStockBody(msgspec.Struct, forbid_unknown_fields=True):
    safety_stock: Count


@dataclass
class FileUpload:
    file: UploadFile


Upload = Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def keep_body(request: Request) -> None:
    """Read a multipart body before it is parsed, so `Idempotency-Key` can hash it."""
    await request.body()


def _variant_change(i: int, v: VariantPatch, problems: Problems) -> Any:
    barcodes = UNSET if v.barcodes is UNSET else [(b.code, b.units) for b in v.barcodes]
    if v.id is not UNSET:
        for name in ("sku", "stock"):
            if getattr(v, name) is not UNSET:
                problems.add(f"variants[{i}].{name}", "cannot be changed here" + (
                    "; use POST /inventory/adjust" if name == "stock" else ""))
        return catalog.VariantChanges(id=v.id, price=v.price, status=v.status,
                                      weight_grams=v.weight_grams, options=v.options,
                                      barcodes=barcodes, shelf_location=v.shelf_location,
                                      cost_price=v.cost_price)
    for name in ("sku", "price"):
        if getattr(v, name) is UNSET:
            problems.add(f"variants[{i}].{name}", "required for a new variant")
    if problems.errors:
        return None
    return catalog.VariantInput(
        sku=v.sku, price=v.price, stock=0 if v.stock is UNSET else v.stock,
        options={} if v.options is UNSET else v.options,
        weight_grams=0 if v.weight_grams is UNSET else v.weight_grams,
        shelf_location="" if v.shelf_location is UNSET else v.shelf_location,
        cost_price=None if v.cost_price is UNSET else v.cost_price,
        status="active" if v.status is UNSET else v.status,
        barcodes=[] if barcodes is UNSET else barcodes)


def _changes(data: ProductPatch) -> catalog.ProductChanges:
    problems = Problems()
    variants = [_variant_change(i, v, problems) for i, v in enumerate(data.variants)]
    problems.raise_if_any("The changes are invalid")
    return catalog.ProductChanges(name=data.name, description=data.description,
                                  category=data.category, attributes=data.attributes,
                                  status=data.status, variants=variants)


def _level(level: inventory.Level) -> dict[str, int]:
    return {"on_hand": level.on_hand, "reserved": level.reserved,
            "available": level.available, "safety_stock": level.safety_stock}


def _with_currency(product: dict[str, Any], shop: Shop) -> dict[str, Any]:
    product["currency"] = shop.currency
    return product


class AdminCatalogApi(Controller):
    path = "/api/admin/v1"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin: catalog"]

    # -- products ---------------------------------------------------------------------------

    @get("/products", operation_id="listAdminProducts")
    async def list_products(
        self, request: Request, shop: Shop, actor: str,
        q: Annotated[str, Parameter(max_length=100)] = "",
        status: Literal["draft", "published"] | None = None, category: str | None = None,
        sort: str = "newest", limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
        cursor: str | None = None,
    ) -> ProductPage:
        """Every product the shop has, drafts included (soft-deleted ones are gone)."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            items = await catalog.list_products(
                shop.id, q=q.strip(), category=category, sort=sort, limit=limit + 1,
                after=decode_cursor(cursor) or None, published_only=False, status=status)
        for item in items:
            item["currency"] = shop.currency
        return page(items, limit)

    @patch("/products/{product_id:int}", operation_id="updateProduct")
    async def update_product(self, request: Request, shop: Shop, actor: str, product_id: int,
                             data: ProductPatch) -> AdminProduct:
        """Change fields, publish (`status`), change or add variants; all or nothing."""
        require_scope(request, "catalog:write")
        changes = _changes(data)
        async with db.shop_scope(shop.id):
            await catalog.update_product(shop.id, product_id, changes)
            await record(shop.id, actor, "product.updated", str(product_id),
                         {"fields": sorted(msgspec.to_builtins(data))})
            return _with_currency(await catalog.get_product(shop.id, product_id), shop)

    @delete("/products/{product_id:int}", operation_id="deleteProduct", status_code=204)
    async def delete_product(self, request: Request, shop: Shop, actor: str,
                             product_id: int) -> None:
        """Soft delete: gone from the storefront, search and lists; orders keep it."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            await catalog.delete_product(shop.id, product_id)
            await record(shop.id, actor, "product.deleted", str(product_id))

    @post("/products/{product_id:int}/images", operation_id="uploadProductImage",
          status_code=201, before_request=keep_body)
    async def upload_image(self, request: Request, shop: Shop, actor: str, product_id: int,
                           data: Upload) -> Response[ProductImage]:
        """A JPEG, PNG or WebP picture (field `file`, at most 8 MB), stored re-encoded in
        full, 1200 px and 400 px sizes."""
        require_scope(request, "catalog:write")

        async def work() -> Response:
            image = await catalog.add_image(shop.id, product_id, await data.file.read())
            await record(shop.id, actor, "product.image_added", str(product_id),
                         {"image_id": image["id"]})
            return Response(image, status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @delete("/products/{product_id:int}/images/{image_id:int}",
            operation_id="deleteProductImage", status_code=204)
    async def delete_image(self, request: Request, shop: Shop, actor: str, product_id: int,
                           image_id: int) -> None:
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            await catalog.delete_image(shop.id, product_id, image_id)
            await record(shop.id, actor, "product.image_deleted", str(product_id),
                         {"image_id": image_id})

    # -- categories -------------------------------------------------------------------------

    @get("/categories", operation_id="listCategories")
    async def list_categories(self, request: Request, shop: Shop,
                              actor: str) -> CategoryTree:
        """The category tree: top categories with their `children`, in display order."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            return {"items": await catalog.category_tree(shop.id)}

    @post("/categories", operation_id="createCategory", status_code=201)
    async def create_category(self, request: Request, shop: Shop, actor: str,
                              data: CategoryBody) -> Response[Category]:
        require_scope(request, "catalog:write")

        async def work() -> Response:
            category_id = await catalog.create_category(shop.id, data.slug, data.name,
                                                        data.parent, data.position)
            await record(shop.id, actor, "category.created", data.slug)
            return Response(await catalog.get_category(shop.id, category_id), status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @patch("/categories/{category_id:int}", operation_id="updateCategory")
    async def update_category(self, request: Request, shop: Shop, actor: str,
                              category_id: int, data: CategoryPatch) -> Category:
        """Rename, re-slug, reorder or move (`parent`: a slug, or null for the top level)."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            category = await catalog.update_category(
                shop.id, category_id, slug=data.slug, name=data.name, parent=data.parent,
                position=data.position)
            await record(shop.id, actor, "category.updated", category["slug"],
                         msgspec.to_builtins(data))
        return category

    @delete("/categories/{category_id:int}", operation_id="deleteCategory", status_code=204)
    async def delete_category(self, request: Request, shop: Shop, actor: str,
                              category_id: int) -> None:
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            await catalog.delete_category(shop.id, category_id)
            await record(shop.id, actor, "category.deleted", str(category_id))

    @get("/barcodes/{code:str}", operation_id="lookupBarcode")
    async def lookup_barcode(self, request: Request, shop: Shop, actor: str,
                             code: str) -> BarcodeMatch:
        """What a scanned barcode is: the barcode (with its units), variant and product."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            found = await catalog.variant_by_barcode(shop.id, code)
        found["currency"] = shop.currency
        return found

    # -- inventory --------------------------------------------------------------------------

    @post("/inventory/receive", operation_id="receiveStock", status_code=201)
    async def receive(self, request: Request, shop: Shop, actor: str,
                      data: ReceiveBody) -> Response[StockReceived]:
        """Stock arrives: by barcode (`count` scans, a case barcode adds its units) or by
        variant and quantity; with a lot code or dates it is kept as a lot."""
        require_scope(request, "catalog:write")
        problems = Problems()
        if (data.barcode is None) == (data.variant_id is None):
            problems.add("barcode", "send either barcode (and count) or variant_id and "
                         "quantity")
        elif data.variant_id is not None and data.quantity is None:
            problems.add("quantity", "required with variant_id")
        elif data.barcode is not None and data.quantity is not None:
            problems.add("quantity", "with a barcode, send count (the number of scans)")
        elif data.variant_id is not None and data.count is not None:
            problems.add("count", "with variant_id, send quantity")
        problems.raise_if_any("Nothing to receive")
        lot = {"lot_code": data.lot_code, "produced_on": data.produced_on,
               "expires_on": data.expires_on}

        async def work() -> Response:
            if data.barcode is not None:
                variant_id, level = await inventory.receive_by_barcode(
                    shop.id, data.barcode, data.count or 1, actor=actor,
                    reference=data.reference, location=data.location, **lot)
            else:
                variant_id = data.variant_id
                level = await inventory.receive(
                    shop.id, variant_id, data.quantity, actor=actor, reason=data.reason,
                    reference=data.reference, location=data.location, **lot)
            movement = (await inventory.ledger(shop.id, variant_id, 1))[0]
            return Response({"variant_id": variant_id, "received": movement["on_hand_change"],
                             "lot_id": movement["lot"], "stock": _level(level)},
                            status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @post("/inventory/adjust", operation_id="adjustStock", status_code=200)
    async def adjust(self, request: Request, shop: Shop, actor: str,
                     data: AdjustBody) -> Response[VariantStock]:
        """Stocktake: set on-hand to what was counted, with a reason (never below what
        orders have reserved)."""
        require_scope(request, "catalog:write")

        async def work() -> Response:
            level = await inventory.adjust(shop.id, data.variant_id, data.counted,
                                           reason=data.reason, actor=actor,
                                           reference=data.reference, location=data.location)
            return Response({"variant_id": data.variant_id, "stock": _level(level)},
                            status_code=200)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/inventory/{variant_id:int}/ledger", operation_id="stockLedger")
    async def ledger(self, request: Request, shop: Shop, actor: str, variant_id: int,
                     limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
                     cursor: str | None = None,
                     location: Annotated[str | None, Parameter(max_length=32)] = None,
                     ) -> StockLedgerPage:
        """The variant's stock movements, newest first, with reason and actor; `location`
        keeps one location's."""
        require_scope(request, "catalog:read")
        before = decode_cursor(cursor).get("id")
        if before is not None and type(before) is not int:
            raise ValidationFailed("The cursor is not one this API gave out")
        async with db.shop_scope(shop.id):
            await inventory.get_level(shop.id, variant_id)  # 404 for another shop's variant
            rows = await inventory.ledger(shop.id, variant_id, limit + 1, before=before,
                                          location=location)
        return page([{k: v for k, v in row.items() if k != "tenant"} for row in rows], limit)

    @get("/inventory/low-stock", operation_id="lowStock")
    async def low_stock(self, request: Request, shop: Shop, actor: str) -> LowStockList:
        """Variants whose available stock is at or below their safety stock."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            rows = await inventory.low_stock(shop.id)
        return {"items": [{"variant_id": r["variant"], "location": r["location"], "sku": r["sku"],
                           "product_name": r["name"], "on_hand": r["on_hand"],
                           "reserved": r["reserved"], "available": r["on_hand"] - r["reserved"],
                           "safety_stock": r["safety_stock"]} for r in rows]}

    @get("/inventory/expiring", operation_id="expiringLots")
    async def expiring(self, request: Request, shop: Shop, actor: str,
                       days: Annotated[int, Parameter(ge=0, le=3650)] = 30,
                       ) -> ExpiringLotList:
        """Lots with stock left that expire within `days` (or have expired), soonest first."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            lots = await inventory.expiring_lots(shop.id, days)
        return {"items": [{"lot_id": r["id"], "lot_code": r["code"], "variant_id": r["variant"],
                           "sku": r["sku"], "product_id": r["product_id"],
                           "product_name": r["product_name"], "quantity": r["quantity"],
                           "expires_on": r["expires_on"],
                           "alerted": r["expiry_alerted_at"] is not None} for r in lots]}

    @put("/inventory/{variant_id:int}/safety-stock", operation_id="setSafetyStock")
    async def set_safety_stock(self, request: Request, shop: Shop, actor: str,
                               variant_id: int, data: SafetyStockBody) -> VariantStock:
        """The level at which a low-stock alert is raised."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            await inventory.set_safety_stock(shop.id, variant_id, data.safety_stock)
            await record(shop.id, actor, "stock.safety_stock_set", str(variant_id),
                         {"safety_stock": data.safety_stock})
            level = await inventory.get_level(shop.id, variant_id)
        return {"variant_id": variant_id, "stock": _level(level)}

    # -- import and export ------------------------------------------------------------------

    @post("/catalog/import", operation_id="importCatalog", status_code=200,
          before_request=keep_body, request_max_body_size=32 * 1024 * 1024)
    async def import_catalog(self, request: Request, shop: Shop, actor: str,
                             data: Upload) -> Response[ImportedCatalog]:
        """A CSV or XLSX file (field `file`), one row per variant. All or nothing: with any
        bad row, 422 lists every problem as `rows[N].column` and nothing changes."""
        require_scope(request, "catalog:write")

        async def work() -> Response:
            report = await catalog_io.import_catalog(
                shop.id, await data.file.read(), data.file.filename or "", actor=actor)
            if not report.ok:
                raise catalog_io.report_problem(report)
            return Response(report.as_dict(), status_code=200)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/catalog/export", operation_id="exportCatalog", media_type="text/csv",
         responses=file_answer("text/csv", "The catalog as CSV, or XLSX with ?format=xlsx"),
         operation_class=also_served_as(XLSX))
    async def export_catalog(self, request: Request, shop: Shop, actor: str,
                             format: Literal["csv", "xlsx"] = "csv") -> Response:
        """Every product as a file to edit and import again, one row per variant."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            content = await catalog_io.export_catalog(shop.id, format)
        media = {"csv": "text/csv", "xlsx": XLSX}[format]  # Litestar adds the charset
        return Response(content, media_type=media, headers={
            "content-disposition": f'attachment; filename="{shop.slug}-catalog.{format}"'})

"""Admin API for 店内码 and labels: give a product's variants in-store EAN-13 barcodes, and
get labels of products as a PDF (A4 sheets of 3 × 8, or 40 × 30 mm thermal labels)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.catalog.labels import label_pdf, labels_of
from galleria.kernel.catalog.store_codes import assign_store_codes
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.aftersales_schemas import problems
from galleria.web.deps import provide_admin, require_scope
from galleria.web.openapi import file_answer


class StoreCode(msgspec.Struct):
    variant_id: int
    sku: str
    code: str  # EAN-13, 20…


class StoreCodes(msgspec.Struct):
    codes: list[StoreCode]  # the codes given now; empty when every variant had one


class AdminLabelsApi(Controller):
    path = "/api/admin/v1/products"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @post("/{product_id:int}/store-codes", operation_id="assignStoreCodes", status_code=200,
          responses=problems(401, 403, 404, 409))
    async def store_codes(self, request: Request, shop: Shop, actor: str,
                          product_id: int) -> StoreCodes:
        """Give each variant of the product that has no unit barcode an in-store EAN-13
        (GS1 prefix 20, valid check digit, unique in the shop). Calling it again gives
        nothing new."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            given = await assign_store_codes(shop.id, product_id)
            if given:
                await record(shop.id, actor, "product.store_codes", str(product_id),
                             {"codes": [g["code"] for g in given]})
        return StoreCodes(codes=[StoreCode(**g) for g in given])

    @get("/labels.pdf", operation_id="productLabels", media_type="application/pdf",
         responses={**file_answer("application/pdf", "The labels as a PDF"),
                    **problems(401, 403, 404, 422)})
    async def labels(self, request: Request, shop: Shop, actor: str,
                     ids: Annotated[list[int], Parameter(max_items=200)],
                     layout: Literal["a4", "thermal"] = "a4",
                     copies: Annotated[int, Parameter(ge=1, le=100)] = 1) -> Response:
        """Labels (name, price in yuan, barcode) of every variant with a unit barcode of
        the products `ids`, `copies` of each: `a4` sheets of 3 × 8 labels of 70 × 37 mm,
        or `thermal` 40 × 30 mm labels, one per page. 422 when none has a barcode."""
        require_scope(request, "catalog:read")
        async with db.shop_scope(shop.id):
            labels = await labels_of(shop.id, shop.currency, list(dict.fromkeys(ids)), copies)
        if not labels:
            raise ValidationFailed("None of these products' variants has a barcode; "
                                   "give them in-store codes first (POST …/store-codes)")
        pdf = await asyncio.to_thread(label_pdf, labels, layout)
        return Response(pdf, media_type="application/pdf",
                        headers={"content-disposition": 'inline; filename="labels.pdf"'})

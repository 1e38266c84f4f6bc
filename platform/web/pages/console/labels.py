"""店内码 and labels from the console's product editor.

- `POST /console/products/{id}/store-codes` gives each variant without a barcode an
  in-store EAN-13 (20…), then returns to the editor;
- `GET /console/products/labels?ids=…&layout=a4|thermal&copies=N` is the labels of those
  products' variants as a PDF (A4 sheets of 3 × 8, or 40 × 30 mm thermal labels).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from litestar import Controller, Request, Response, Router, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.catalog.labels import label_pdf, labels_of
from galleria.kernel.catalog.store_codes import assign_store_codes
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import LoginRequired, require_staff, staff_of, to_login
from galleria.web.pages.render import gettext_for


class LabelPages(Controller):
    path = "/products"
    guards = [require_staff]

    @post("/{product_id:int}/store-codes", name="console:store-codes")
    async def store_codes(self, request: Request, shop: Shop, product_id: int) -> Response:
        async with db.shop_scope(shop.id):
            given = await assign_store_codes(shop.id, product_id)
            if given:
                await record(shop.id, f"user:{staff_of(request)['user_id']}",
                             "product.store_codes", str(product_id),
                             {"codes": [g["code"] for g in given]})
        return Redirect(f"/console/products/{product_id}?saved=codes#labels", status_code=303)

    @get("/labels", name="console:labels")
    async def labels(self, request: Request, shop: Shop,
                     ids: Annotated[list[int], Parameter(max_items=200)],
                     layout: Annotated[str, Parameter(pattern="^(a4|thermal)$")] = "a4",
                     copies: Annotated[int, Parameter(ge=1, le=100)] = 1) -> Response:
        async with db.shop_scope(shop.id):
            labels = await labels_of(shop.id, shop.currency, list(dict.fromkeys(ids)), copies)
        if not labels:
            first = ids[0] if ids else 0
            return Redirect(f"/console/products/{first}?saved=nocodes#labels",
                            status_code=303)
        pdf = await asyncio.to_thread(label_pdf, labels, layout,
                                      gettext_for(request)(N_("Product labels")))
        return Response(pdf, media_type="application/pdf", headers={
            "content-disposition": f'inline; filename="labels-{layout}.pdf"',
            "cache-control": "no-store"})


label_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[LabelPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["label_console_router"]

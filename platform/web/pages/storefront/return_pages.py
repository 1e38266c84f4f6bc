"""The shopper's after-sales pages: ask to return or exchange lines of a delivered order
(`/orders/{number}/returns/new`), and give the tracking number of the parcel sent back.
The requests and their progress show on the order page (`order_pages`).

Who may: whoever may see the order (`order_pages.visible_order`); anyone else gets 404.
"""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.aftersales import returns
from galleria.kernel.catalog.images import MAX_PHOTOS, store_photo
from galleria.kernel.errors import DomainError, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.pages.render import page
from galleria.web.pages.return_views import CARRIERS, return_context, returnable_lines
from galleria.web.pages.storefront.order_pages import visible_order
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import actor_of, current_customer


async def _form(request: Request, shop: Shop, number: str, *, error: str = "",
                values: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number)
        lines = await returnable_lines(shop, row)
    days, quality_days = returns.windows(shop)
    return page(request, "storefront/return_new.html", status_code=status_code, order=row,
                lines=lines, days=days, quality_days=quality_days, error=error,
                values=values or {"kind": "return", "reason": "no_reason", "quantities": {}},
                logo_url=logo_url(shop), q="", **return_context(shop))


@get("/orders/{number:str}/returns/new", name="storefront:return-new")
async def return_form(request: Request, shop: Shop, number: str) -> Response:
    return await _form(request, shop, number[:20])


@post("/orders/{number:str}/returns", name="storefront:return-create")
async def create_return(request: Request, shop: Shop, number: str) -> Response:
    form = await request.form()
    number = number[:20]
    values = {"kind": str(form.get("kind") or ""), "reason": str(form.get("reason") or ""),
              "note": str(form.get("note") or "").strip()[:2000], "quantities": {}}
    lines = []
    for key in form:
        if key.startswith("qty-") and key[4:].isdigit():
            raw = str(form.get(key) or "0")
            quantity = int(raw) if raw.isdigit() else 0
            values["quantities"][int(key[4:])] = quantity
            if quantity:
                lines.append({"variant_id": int(key[4:]), "quantity": quantity})
    uploads = [item for item in form.getall("photos", []) if isinstance(item, UploadFile)
               and item.filename]
    try:
        async with db.shop_scope(shop.id):
            row, _ = await visible_order(request, shop, number)
            customer = await current_customer(request)
            if not lines:
                raise returns.ReturnNotAllowed("Choose at least one item")
            if len(uploads) > MAX_PHOTOS:
                raise ValidationFailed("too many photos")
            photos = [(await store_photo(shop.id, "returns", await item.read()))["key"]
                      for item in uploads]
            await returns.request_return(shop, row, kind=values["kind"], lines=lines,
                                         reason=values["reason"], note=values["note"],
                                         photos=photos, actor=actor_of(customer))
    except returns.ReturnNotAllowed as exc:
        return await _form(request, shop, number, error=_reason_of(exc), values=values,
                           status_code=422)
    except ValidationFailed as exc:  # a photo that is not a picture, or too many
        error = (N_("Attach at most 9 photos.") if exc.detail == "too many photos" else
                 N_("Each photo must be a JPEG, PNG or WebP picture of at most 8 MB."))
        return await _form(request, shop, number, error=error, values=values,
                           status_code=422)
    return Redirect(f"/orders/{number}?returned=1#returns", status_code=303)


def _reason_of(exc: DomainError) -> str:
    """The message for the shopper, as a msgid of the catalog (the kernel's is English)."""
    text = " ".join([exc.detail, *(e.message for e in exc.errors)])
    if "days" in text and "delivery" in text:
        return N_("The return period for this order has ended.")
    if "not returnable" in text:
        return N_("This item can only be returned for a quality problem.")
    if "delivered" in text and "1 to" not in text:
        return N_("Nothing of this order has been delivered yet.")
    if "Choose" in text:
        return N_("Choose at least one item.")
    return N_("Check the quantities: each item at most what was delivered and not yet returned.")


@post("/orders/{number:str}/returns/{return_id:int}/tracking",
      name="storefront:return-tracking")
async def send_back(request: Request, shop: Shop, number: str, return_id: int) -> Response:
    form = await request.form()
    number = number[:20]
    carrier = str(form.get("carrier") or "")
    tracking = str(form.get("tracking_number") or "").strip()[:64]
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number)
        if carrier in CARRIERS and tracking:
            customer = await current_customer(request)
            # Sent already (a second tap): the order page shows where it is.
            with contextlib.suppress(returns.ReturnStateConflict):
                await returns.advance(shop.id, return_id, expected=(returns.APPROVED,),
                                      to=returns.SHIPPED_BACK, actor=actor_of(customer),
                                      order_id=row["id"], carrier=carrier,
                                      tracking_number=tracking,
                                      what=f"sent back: {carrier} {tracking}")
    return Redirect(f"/orders/{number}#returns", status_code=303)


RETURN_ROUTES = [return_form, create_return, send_back]
__all__ = ["RETURN_ROUTES"]

"""The day-after-delivery follow-up's page (`/orders/{number}/feedback`, the link in the
message, opened by the order's link key): the shopper rates the delivery and the products
(1–5 stars each) and may write what went wrong. Every reply becomes a ticket on the order
(a complaint when a rating is 3 stars or fewer), so the shop's customer service answers it
like any other, and the shopper is told when it does.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.pages.render import gettext_for, page
from galleria.web.pages.storefront.order_pages import visible_order
from galleria.web.pages.storefront.service_pages import service_context
from galleria.web.shoppers import actor_of, current_customer

STARS = (5, 4, 3, 2, 1)


def _stars(raw: object) -> int:
    text = str(raw or "")
    return int(text) if text in ("1", "2", "3", "4", "5") else 0


async def _form(request: Request, shop: Shop, number: str, *, error: str = "",
                values: dict | None = None, status_code: int = 200) -> Response:
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number[:20])
    return page(request, "storefront/feedback.html", status_code=status_code, order=row,
                stars=STARS, error=error,
                values=values or {"delivery": 0, "products": 0, "body": ""},
                **service_context(shop))


@get("/orders/{number:str}/feedback", name="storefront:feedback")
async def feedback_form(request: Request, shop: Shop, number: str) -> Response:
    return await _form(request, shop, number)


@post("/orders/{number:str}/feedback", name="storefront:feedback-send")
async def send_feedback(request: Request, shop: Shop, number: str) -> Response:
    form = await request.form()
    values = {"delivery": _stars(form.get("delivery")), "products": _stars(form.get("products")),
              "body": str(form.get("body") or "").strip()[:4000]}
    if not values["delivery"] or not values["products"]:
        return await _form(request, shop, number, values=values, status_code=422,
                           error=N_("Give the delivery and the products 1 to 5 stars each."))
    translate = gettext_for(request)
    rated = translate(N_("Delivery %(delivery)s★, products %(products)s★")) % values
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number[:20])
        customer = await current_customer(request)
        ticket = await tickets.open_ticket(
            shop.id, subject=rated, body="\n\n".join(filter(None, [rated, values["body"]])),
            kind="complaint" if min(values["delivery"], values["products"]) <= 3
            else "question", actor=actor_of(customer), customer_id=row["customer"],
            order_number=row["number"], contact=tickets._json(row["contact"]) or {})
    return Redirect(f"/orders/{row['number']}/tickets/{ticket['id']}", status_code=303)


FEEDBACK_ROUTES = [feedback_form, send_feedback]
__all__ = ["FEEDBACK_ROUTES"]

"""Reviews on the storefront:

- a block on the product page (`galleria_storefront_blocks`, place `product`): the average,
  the counts per star and the latest published reviews with their photos, linking to all of
  them at `/plugins/reviews/products/{id}`;
- a block on the shopper's order page (place `order`): "评价" for a delivered order, leading
  to the review form `/plugins/reviews/orders/{number}` (stars, text, up to 6 photos per
  product, and the shop's three ratings);
- a panel of 我的 (`galleria_account_panels`): the shopper's reviews and their state.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import (
    AccountPanel,
    DomainError,
    NotFound,
    Shop,
    StorefrontBlock,
    ValidationFailed,
    shop_scope,
    store_photo,
)
from galleria_plugins.reviews import service
from galleria_plugins.reviews.service import ItemInput

SHOWN_ON_PRODUCT = 5
PAGE_SIZE = 20


def N_(message: str) -> str:  # marks a message for extraction; translated where shown
    return message


ASPECT_TITLES = {"described": N_("Item as described"), "logistics": N_("Delivery"),
                 "service": N_("Service")}
STATUS_TITLES = {service.PUBLISHED: N_("Published"), service.PENDING: N_("Awaiting check"),
                 service.HIDDEN: N_("Hidden")}


# What the review service may refuse, shown on the review form in the shopper's language.
REFUSALS = (N_("give 1 to 5 stars"), N_("not a line of this order"),
            N_("at most 500 characters"), N_("at most 6 photos"),
            N_("An order can be reviewed once it has been delivered"),
            N_("The shop has already been rated for this order"),
            N_("This line has already been reviewed"),
            N_("not a photo uploaded to this shop; upload it first and give the key the "
               "upload answered"))


def form_path(number: str) -> str:
    return f"/plugins/reviews/orders/{number}"


# -- blocks and panel -------------------------------------------------------------------------
async def product_block(shop: Shop, product_id: int, customer_id: int | None
                        ) -> dict[str, Any]:
    summary = await service.product_summary(shop.id, product_id)
    items, more = await service.product_reviews(shop.id, product_id, limit=SHOWN_ON_PRODUCT)
    return {"summary": summary, "reviews": items, "more": bool(more),
            "link": f"/plugins/reviews/products/{product_id}"}


async def _order_state(shop: Shop, number: str, customer_id: int | None
                       ) -> dict[str, Any] | None:
    """What the buyer may still review of the order; None when they may not review it."""
    if customer_id is None:
        return None
    try:
        facts = await service.buyers_order(shop.id, customer_id, number)
    except DomainError:
        return None
    by_line, rated = await service.order_reviews(shop.id, number)
    lines = [{"line_id": line.line_id, "name": line.name or line.sku,
              "options": service.options_text(line.options),
              "review": by_line.get(line.line_id)}
             for line in facts.lines if line.quantity - line.cancelled_quantity > 0]
    return {"number": number, "lines": lines, "rated": rated,
            "open": [line for line in lines if line["review"] is None],
            "link": form_path(number), "aspects": ASPECT_TITLES,
            "statuses": STATUS_TITLES}


async def order_block(shop: Shop, number: str, customer_id: int | None
                      ) -> dict[str, Any] | None:
    return await _order_state(shop, number, customer_id)


async def account_panel(shop: Shop, customer_id: int) -> dict[str, Any]:
    return {"reviews": await service.customer_reviews(shop.id, customer_id, limit=10),
            "statuses": STATUS_TITLES}


BLOCKS = [StorefrontBlock("product", "reviews", "reviews/product_block.html", product_block,
                          order=50),
          StorefrontBlock("order", "reviews", "reviews/order_block.html", order_block,
                          order=50)]
PANELS = [AccountPanel("reviews", "reviews/account_panel.html", account_panel, order=40)]


# -- pages ------------------------------------------------------------------------------------
@get("/products/{product_id:int}", name="reviews:product")
async def product_page(shop: Shop, storefront: Any, product_id: int,
                       cursor: str | None = None, rating: int | None = None) -> Response:
    """Every published review of the product, 20 at a time, newest first."""
    async with shop_scope(shop.id):
        summary = await service.product_summary(shop.id, product_id)
        try:
            items, next_cursor = await service.product_reviews(
                shop.id, product_id, limit=PAGE_SIZE, cursor=(cursor or "")[:40] or None,
                rating=rating if rating in (1, 2, 3, 4, 5) else None)
        except ValidationFailed:
            items, next_cursor = [], None
    return storefront.page("reviews/product.html", title=storefront.gettext("Reviews"),
                           product_id=product_id, summary=summary, items=items,
                           next_cursor=next_cursor, rating=rating)


async def _form(shop: Shop, storefront: Any, number: str, *, status_code: int = 200,
                errors: list[str] | None = None, values: dict[str, str] | None = None,
                done: bool = False) -> Response:
    async with shop_scope(shop.id):
        state = await _order_state(shop, number, storefront.customer.id)
    if state is None:
        raise NotFound(f"No order {number} to review")
    return storefront.page("reviews/form.html", title=storefront.gettext("Rate your order"),
                           status_code=status_code, review=state, errors=errors or [],
                           values=values or {}, max_photos=service.MAX_PHOTOS, done=done)


@get("/orders/{number:str}", name="reviews:form")
async def review_form(shop: Shop, storefront: Any, number: str, done: int = 0) -> Response:
    """The buyer's review form for a delivered order (sign-in first; 404 for others)."""
    number = number[:20]
    if storefront.customer is None:
        return Redirect(f"/account/sign-in?next={form_path(number)}", status_code=303)
    return await _form(shop, storefront, number, done=bool(done))


def _files(form: Any, name: str) -> list[UploadFile]:
    return [f for f in form.getall(name, []) if isinstance(f, UploadFile) and f.filename]


@post("/orders/{number:str}", name="reviews:submit", request_max_body_size=60 * 1024 * 1024)
async def submit_form(request: Request, shop: Shop, storefront: Any, number: str) -> Response:
    """The review form sent: photos stored first (each checked like any upload), then the
    reviews of the lines given stars and the shop's rating, all at once."""
    number = number[:20]
    if storefront.customer is None:
        return Redirect(f"/account/sign-in?next={form_path(number)}", status_code=303)
    customer_id = storefront.customer.id
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    gettext = storefront.gettext
    errors: list[str] = []
    async with shop_scope(shop.id):
        state = await _order_state(shop, number, customer_id)
    if state is None:
        raise NotFound(f"No order {number} to review")
    items: list[ItemInput] = []
    for line in state["open"]:
        key = line["line_id"]
        stars = values.get(f"rating_{key}", "")
        files = _files(form, f"photos_{key}")
        if not stars.isdigit():
            if values.get(f"text_{key}", "").strip() or files:
                errors.append(gettext("Choose 1 to 5 stars for %(product)s")
                              .replace("%(product)s", line["name"]))
            continue
        if len(files) > service.MAX_PHOTOS:
            errors.append(gettext("At most 6 photos for each product"))
            continue
        photos = []
        for upload in files:
            try:
                async with shop_scope(shop.id):
                    photos.append((await store_photo(shop.id, service.PHOTO_FOLDER,
                                                     await upload.read()))["key"])
            except ValidationFailed as exc:
                errors.append(f"{upload.filename}: {gettext(str(exc.detail))}")
        items.append(ItemInput(key, int(stars), values.get(f"text_{key}", ""), photos))
    shop_rating = None
    if state["rated"] is None and any(values.get(f"shop_{a}") for a in service.SHOP_ASPECTS):
        shop_rating = {a: int(values[f"shop_{a}"]) if values.get(f"shop_{a}", "").isdigit()
                       else 0 for a in service.SHOP_ASPECTS}
    if not errors and not items and shop_rating is None:
        errors.append(gettext("Choose stars for at least one product"))
    if not errors:
        try:
            async with shop_scope(shop.id):
                await service.submit(shop.id, customer_id, number, items, shop_rating,
                                     anonymous=values.get("anonymous") == "1")
        except ValidationFailed as exc:
            errors.extend(f"{gettext(e.message)}" for e in exc.errors)
        except DomainError as exc:
            errors.append(gettext(str(exc.detail)))
    if errors:
        return await _form(shop, storefront, number, status_code=422, errors=errors,
                           values=values)
    return Redirect(f"{form_path(number)}?done=1", status_code=303)


ROUTES = [product_page, review_form, submit_form]

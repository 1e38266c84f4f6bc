"""The storefront's cart: "Add to cart" on the product page and `/cart`.

Plain HTML forms (POST, then a redirect), so everything works without scripts;
`shopping.js` only makes the quantity stepper submit by itself. The cart's token lives in
the visitor's session (`shopping_session`). Prices, subtotals and stock problems come from
the kernel's cart on every read; nothing here computes money.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.checkout import carts
from galleria.kernel.errors import NotFound, ValidationFailed
from galleria.kernel.inventory.service import OutOfStock
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.pages.render import gettext_for, page
from galleria.web.pages.storefront.shopping_session import (
    cart_for_adding,
    current_cart,
    remember_cart,
)
from galleria.web.pages.storefront.storefront import logo_url, render_product
from galleria.web.shoppers import current_customer

SOLD_OUT = N_("Sorry, this item is out of stock.")
ONLY_LEFT = N_("Not enough stock: only %(n)s left.")
NOT_FOR_SALE = N_("Sorry, this item is no longer for sale.")
BAD_QUANTITY = N_("Enter a quantity from 1 to %(max)s.")
CHOOSE_VARIANT = N_("Choose an option first.")
PROBLEMS = {carts.UNAVAILABLE: N_("No longer for sale: remove it to check out."),
            carts.NOT_ENOUGH_STOCK: N_("Not enough stock: only %(n)s left.")}


def form_text(form: Any, name: str, max_length: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else ""


def form_int(form: Any, name: str) -> int | None:
    text = form_text(form, name, 12)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    return sign * int(digits) if digits.isdigit() else None


def stock_message(translate: Any, exc: Exception) -> str:
    """What a shopper reads when the kernel refuses a quantity (OutOfStock, NotForSale)."""
    if isinstance(exc, OutOfStock):
        available = int(exc.extra.get("available") or 0)
        return translate(SOLD_OUT) if available <= 0 else translate(ONLY_LEFT) % {
            "n": available}
    return translate(NOT_FOR_SALE)


# -- add to cart -------------------------------------------------------------------------
@post("/cart/items", name="storefront:cart-add")
async def add_to_cart(request: Request, shop: Shop) -> Response:
    """Add a variant from the product page, then show the cart. A refusal (sold out, not
    enough stock, no such variant) shows the product page again with the reason."""
    translate = gettext_for(request)
    form = await request.form()
    product_id = form_int(form, "product_id")
    variant_id = form_int(form, "variant_id")
    quantity = form_int(form, "quantity")
    quantity = 1 if quantity is None and not form_text(form, "quantity") else quantity
    if product_id is None:
        raise ValidationFailed("product_id is required")
    error = ""
    if variant_id is None:
        error = translate(CHOOSE_VARIANT)
    elif quantity is None or not 1 <= quantity <= carts.MAX_QUANTITY:
        error = translate(BAD_QUANTITY) % {"max": carts.MAX_QUANTITY}
    else:
        try:
            async with db.shop_scope(shop.id):
                customer = await current_customer(request)
                cart = await cart_for_adding(request, shop, customer.id if customer else None)
                cart = await carts.add_item(shop, cart.token, variant_id, quantity)
            remember_cart(request, cart)
            if form_text(form, "then") == "checkout":  # 立即购买: straight to checkout
                return Redirect("/checkout", status_code=303)
            return Redirect(f"/cart?added={variant_id}", status_code=303)
        except (OutOfStock, carts.NotForSale) as exc:
            error = stock_message(translate, exc)
        except NotFound:
            error = translate(NOT_FOR_SALE)
        except ValidationFailed as exc:
            error = exc.detail
    return await render_product(request, shop, product_id, status_code=409,
                                cart_error=error, cart_variant=variant_id,
                                cart_quantity=quantity or 1)


# -- the cart page -----------------------------------------------------------------------
def _lines(cart: carts.CartView | None, translate: Any,
           errors: dict[int, str]) -> list[dict[str, Any]]:
    lines = []
    for view in (cart.lines if cart else ()):
        line = view.line
        problem = errors.get(line.variant_id, "")
        if not problem and view.problem:
            problem = translate(PROBLEMS[view.problem]) % {"n": view.available}
        lines.append({"variant_id": line.variant_id, "product_id": line.product_id,
                      "sku": line.sku, "name": line.name, "options": line.options,
                      "unit_price": line.unit_price, "quantity": line.quantity,
                      "line_total": line.line_total, "available": view.available,
                      "unavailable": view.problem == carts.UNAVAILABLE,
                      "max": max(min(view.available, carts.MAX_QUANTITY), line.quantity, 1),
                      "problem": problem})
    return lines


async def cart_page(request: Request, shop: Shop, *, status_code: int = 200,
                    errors: dict[int, str] | None = None) -> Response:
    translate = gettext_for(request)
    async with db.shop_scope(shop.id):
        cart = await current_cart(request, shop)
    lines = _lines(cart, translate, errors or {})
    added = request.query_params.get("added", "")
    added_line = next((line for line in lines if str(line["variant_id"]) == added), None)
    return page(request, "storefront/cart.html", status_code=status_code, lines=lines,
                subtotal=cart.subtotal if cart else 0,
                item_count=sum(line.quantity for line in cart.sellable) if cart else 0,
                has_problem=any(line["problem"] for line in lines), added=added_line,
                logo_url=logo_url(shop), q="")


@get("/cart", name="storefront:cart")
async def show_cart(request: Request, shop: Shop) -> Response:
    return await cart_page(request, shop)


@post("/cart/items/{variant_id:int}", name="storefront:cart-set")
async def set_quantity(request: Request, shop: Shop, variant_id: int) -> Response:
    """The stepper: `quantity`, plus `step` (+1/-1) when a stepper button was pressed;
    0 removes the line."""
    translate = gettext_for(request)
    form = await request.form()
    quantity = form_int(form, "quantity")
    step = form_int(form, "step") or 0
    if quantity is None or not 0 <= quantity + step <= carts.MAX_QUANTITY:
        message = translate(BAD_QUANTITY) % {"max": carts.MAX_QUANTITY}
        return await cart_page(request, shop, status_code=422, errors={variant_id: message})
    try:
        async with db.shop_scope(shop.id):
            cart = await current_cart(request, shop)
            if cart is not None:
                cart = await carts.set_quantity(shop, cart.token, variant_id,
                                                quantity + step)
    except (OutOfStock, carts.NotForSale) as exc:
        return await cart_page(request, shop, status_code=409,
                               errors={variant_id: stock_message(translate, exc)})
    except NotFound:
        pass  # the line (or the cart) went away meanwhile: show the cart as it is
    else:
        if cart is not None:
            remember_cart(request, cart)
    return Redirect("/cart", status_code=303)


@post("/cart/items/{variant_id:int}/remove", name="storefront:cart-remove")
async def remove_line(request: Request, shop: Shop, variant_id: int) -> Response:
    async with db.shop_scope(shop.id):
        cart = await current_cart(request, shop)
        if cart is not None:
            remember_cart(request, await carts.remove_item(shop, cart.token, variant_id))
    return Redirect("/cart", status_code=303)


CART_ROUTES = [add_to_cart, show_cart, set_quantity, remove_line]

"""The console's product editor: `/console/products/new` and `/console/products/{id}`.

One form edits a product in full: name, description, category, status, the spec table
(attributes), the variants (options, SKU, price in yuan, opening stock, weight, barcodes)
and pictures (several uploads at once; existing ones can be removed). The catalog service
checks everything; its field errors (`variants[0].price`) are shown next to the inputs and
the submitted values are kept. Prices are read with `Decimal`, never through a float.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.billing.limits import PlanLimitReached, ShopRestricted
from galleria.kernel.catalog.service import (
    ProductChanges,
    ProductInput,
    VariantChanges,
    VariantInput,
    add_image,
    create_product,
    delete_image,
    delete_product,
    get_product,
    list_categories,
    update_product,
)
from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_, translate_message
from galleria.web.pages.billing_texts import plan_limit_message
from galleria.web.pages.console.shell import LoginRequired, console_page, require_staff, to_login
from galleria.web.pages.render import request_locale
from galleria.web.pages.yuan import fen_to_yuan, yuan_to_fen

MAX_ROWS = 100
BLANK_ROWS_NEW = 2
_INDEX_RE = re.compile(r"^variants\[(\d+)\](?:\.(\w+))?")
_ROW_RE = re.compile(r"^v-(\d+)-sku$")
_SPLIT_OPTIONS = re.compile(r"[;；,，\n]+")
_SPLIT_CODES = re.compile(r"[\s,，;；]+")

# The catalog service's field messages, marked so that they are translated when shown.
SERVICE_MESSAGES = (
    N_("required"), N_("at most 200 characters"), N_("draft or published"),
    N_("at least one variant"), N_("1–64 characters, no outer spaces"),
    N_("a whole number of minor units (fen/cents), 0 or more"),
    N_("a whole number, 0 or more"), N_("a whole number of grams, 0 or more"),
    N_("active or inactive"), N_("a whole number, 1 or more"),
)
WHOLE = N_("a whole number, 0 or more")
OPTION_FORMAT = N_("Write each option as name=value, such as 颜色=白")
BARCODE_FORMAT = N_("Write each barcode as code*units, such as 6901234567892*24")
SPEC_NAME = N_("Each specification needs a name")
SPEC_TWICE = N_("This specification appears twice")
SKU_TAKEN = N_("This SKU is already used in this shop")
BARCODE_TAKEN = N_("A barcode here is already used in this shop")
NEEDS_ROW = N_("Add at least one variant")


# -- reading the form --------------------------------------------------------------------------
def whole(text: str, default: int = 0) -> int:
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{1,9}", text):
        raise ValueError(WHOLE)
    return int(text)


def parse_options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in _SPLIT_OPTIONS.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        key, sep, value = _split_pair(part)
        if not sep or not key.strip() or not value.strip():
            raise ValueError(OPTION_FORMAT)
        options[key.strip()] = value.strip()
    return options


def _split_pair(part: str) -> tuple[str, str, str]:
    match = re.match(r"^([^=:：]*)([=:：])(.*)$", part)
    return (match.group(1), match.group(2), match.group(3)) if match else (part, "", "")


def format_options(options: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in (options or {}).items())


def parse_barcodes(text: str) -> list[tuple[str, int]]:
    codes: list[tuple[str, int]] = []
    for part in _SPLIT_CODES.split(text.strip()):
        if not part:
            continue
        code, _star, units = part.partition("*")
        if not code or (_star and not re.fullmatch(r"[1-9]\d{0,5}", units)):
            raise ValueError(BARCODE_FORMAT)
        codes.append((code, int(units) if _star else 1))
    return codes


def format_barcodes(barcodes: list[dict[str, Any]]) -> str:
    return ", ".join(b["code"] if b["units"] == 1 else f"{b['code']}*{b['units']}"
                     for b in barcodes or [])


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def read_rows(form: Any) -> list[dict[str, Any]]:
    """The variant rows as posted (strings), in the order of their indexes."""
    indexes = sorted({int(m.group(1)) for key in form for m in [_ROW_RE.match(key)] if m})
    rows = []
    for i in indexes[:MAX_ROWS]:
        row = {f: _text(form, f"v-{i}-{f}").strip() for f in
               ("id", "sku", "options", "price", "cost", "stock", "weight", "barcodes",
                "shelf")}
        row["active"] = _text(form, f"v-{i}-active") in ("on", "1", "true")
        row["blank"] = not any(row[f] for f in ("id", "sku", "options", "price", "cost",
                                                "stock", "weight", "barcodes", "shelf"))
        rows.append(row)
    return rows


def read_attributes(form: Any, errors: dict[str, str]) -> tuple[dict[str, str],
                                                              list[dict[str, str]]]:
    keys = [k if isinstance(k, str) else "" for k in form.getall("attr_key", [])]
    values = [v if isinstance(v, str) else "" for v in form.getall("attr_value", [])]
    attributes: dict[str, str] = {}
    shown = []
    for key, value in zip(keys, values, strict=False):
        key, value = key.strip(), value.strip()
        if not key and not value:
            continue
        shown.append({"key": key, "value": value})
        if not key:
            errors.setdefault("attributes", SPEC_NAME)
        elif key in attributes:
            errors.setdefault("attributes", SPEC_TWICE)
        else:
            attributes[key] = value
    return attributes, shown


def _optional_yuan(text: str) -> int | None:
    """成本价 in yuan, or None when left empty (not known)."""
    return yuan_to_fen(text) if text.strip() else None


def row_values(row: dict[str, Any], errors: dict[str, str], new: bool
               ) -> dict[str, Any] | None:
    """Typed values of one row, or None (with `errors` filled in) when it does not parse."""
    values: dict[str, Any] = {}
    ok = True
    for field, parse, target in (("price", yuan_to_fen, "price"),
                                 ("cost", _optional_yuan, "cost_price"),
                                 ("weight", whole, "weight_grams"),
                                 ("options", parse_options, "options"),
                                 ("barcodes", parse_barcodes, "barcodes")):
        try:
            values[target] = parse(row[field])
        except ValueError as exc:
            errors[field] = str(exc)
            ok = False
    values["shelf_location"] = row["shelf"][:32]  # 库位: free text like B-10
    if new:
        try:
            values["stock"] = whole(row["stock"])
        except ValueError as exc:
            errors["stock"] = str(exc)
            ok = False
    return values if ok else None


# -- service errors onto the form ------------------------------------------------------------
FIELD_OF = {"price": "price", "cost_price": "cost", "sku": "sku", "stock": "stock",
            "weight_grams": "weight", "shelf_location": "shelf",
            "options": "options", "barcodes": "barcodes", "status": "active", "id": "sku"}


def place_errors(errors: list[FieldError], row_of: list[int], form_errors: dict[str, str],
                 row_errors: dict[int, dict[str, str]], locale: str) -> None:
    """Put the service's field errors where the inputs are: `variants[2].price` is the
    price of the row the third sent variant came from."""
    for error in errors:
        message = translate_message(locale, error.message)
        match = _INDEX_RE.match(error.field)
        if match and int(match.group(1)) < len(row_of):
            row = row_of[int(match.group(1))]
            field = FIELD_OF.get(match.group(2) or "", "sku")
            row_errors.setdefault(row, {}).setdefault(field, message)
        elif error.field == "file":
            form_errors.setdefault("images", message)
        else:
            form_errors.setdefault(error.field.split(".")[0].split("[")[0], message)


def place_conflict(exc: Conflict, rows: list[dict[str, Any]], row_errors: dict[int, dict],
                   translate: Any) -> bool:
    placed = False
    for i, row in enumerate(rows):
        if row["sku"] and row["sku"] in exc.extra.get("skus", []):
            row_errors.setdefault(i, {})["sku"] = translate(SKU_TAKEN)
            placed = True
        codes = {c for c, _ in _safe_codes(row["barcodes"])}
        if codes & set(exc.extra.get("barcodes", [])):
            row_errors.setdefault(i, {})["barcodes"] = translate(BARCODE_TAKEN)
            placed = True
    return placed


def _safe_codes(text: str) -> list[tuple[str, int]]:
    try:
        return parse_barcodes(text)
    except ValueError:
        return []


# -- the editor --------------------------------------------------------------------------------
def blank_row() -> dict[str, Any]:
    return {"id": "", "sku": "", "options": "", "price": "", "cost": "", "stock": "",
            "weight": "",
            "barcodes": "", "shelf": "", "active": True, "blank": True}


def rows_of(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": str(v["id"]), "sku": v["sku"], "options": format_options(v["options"]),
             "price": fen_to_yuan(v["price"]),
             "cost": "" if v.get("cost_price") is None else fen_to_yuan(v["cost_price"]),
             "stock": "", "weight": str(v["weight_grams"]),
             "barcodes": format_barcodes(v["barcodes"]), "shelf": v.get("shelf_location", ""),
             "active": v["status"] == "active",
             "blank": False} for v in product["variants"]]


async def files_of(form: Any) -> list[tuple[str, bytes]]:
    files = []
    for item in form.getall("images", []):
        if isinstance(item, UploadFile):
            data = await item.read()
            if data:
                files.append((item.filename or "picture", data))
    return files


class ProductEditor(Controller):
    path = "/products"
    guards = [require_staff]

    async def _editor(self, request: Request, runtime: Runtime, shop: Shop, *,
                      product: dict[str, Any] | None, values: dict[str, Any],
                      rows: list[dict[str, Any]], errors: dict[str, str] | None = None,
                      row_errors: dict[int, dict[str, str]] | None = None,
                      stock: dict[str, dict[str, int]] | None = None, saved: str = "",
                      status_code: int = 200) -> Response:
        async with db.shop_scope(shop.id):
            categories = await list_categories(shop.id)
        row_errors = row_errors or {}
        for i, row in enumerate(rows):
            row["errors"] = row_errors.get(i, {})
            row["level"] = (stock or {}).get(row["id"])
        return await console_page(
            request, runtime, "console/products_edit.html", "products",
            status_code=status_code, product=product, values=values, rows=rows,
            errors=errors or {}, categories=categories, saved=saved,
            attributes=values.get("attributes_shown") or [])

    @get("/new", name="console:product-new")
    async def new(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        return await self._editor(request, runtime, shop, product=None,
                                  values={"status": "published"},
                                  rows=[blank_row() for _ in range(BLANK_ROWS_NEW)])

    @get("/{product_id:int}", name="console:product-edit")
    async def edit(self, request: Request, shop: Shop, runtime: Runtime, product_id: int,
                   saved: str = "") -> Response:
        async with db.shop_scope(shop.id):
            product = await get_product(shop.id, product_id)
        values = {"name": product["name"], "description": product["description"],
                  "category": (product["category"] or {}).get("slug", ""),
                  "status": product["status"],
                  "attributes_shown": [{"key": k, "value": v}
                                       for k, v in product["attributes"].items()]}
        return await self._editor(request, runtime, shop, product=product, values=values,
                                  rows=[*rows_of(product), blank_row()],
                                  stock=_levels(product), saved=saved)

    @post("/new", name="console:product-create")
    async def create(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        return await self._save(request, shop, runtime, None)

    @post("/{product_id:int}", name="console:product-update")
    async def update(self, request: Request, shop: Shop, runtime: Runtime,
                     product_id: int) -> Response:
        return await self._save(request, shop, runtime, product_id)

    @post("/{product_id:int}/delete", name="console:product-delete")
    async def delete(self, request: Request, shop: Shop, product_id: int) -> Response:
        async with db.shop_scope(shop.id):
            await delete_product(shop.id, product_id)
        return Redirect("/console/products", status_code=303)

    @post("/{product_id:int}/status", name="console:product-status")
    async def set_status(self, request: Request, shop: Shop, product_id: int) -> Response:
        form = await request.form()
        status = "published" if _text(form, "status") == "published" else "draft"
        async with db.shop_scope(shop.id):
            await update_product(shop.id, product_id, ProductChanges(status=status))
        return Redirect(f"/console/products/{product_id}?saved={status}", status_code=303)

    async def _save(self, request: Request, shop: Shop, runtime: Runtime,
                    product_id: int | None) -> Response:
        locale = request_locale(request, shop)

        def translate(message: str) -> str:
            return translate_message(locale, message)

        form = await request.form()
        errors: dict[str, str] = {}
        attributes, attributes_shown = read_attributes(form, errors)
        values = {"name": _text(form, "name").strip(),
                  "description": _text(form, "description").strip(),
                  "category": _text(form, "category").strip(),
                  "status": "draft" if _text(form, "status") == "draft" else "published",
                  "attributes_shown": attributes_shown}
        rows = read_rows(form)
        row_errors: dict[int, dict[str, str]] = {}
        variants: list[VariantInput | VariantChanges] = []
        row_of: list[int] = []  # the row each sent variant came from
        for i, row in enumerate(rows):
            if row["blank"]:
                continue
            new = not row["id"].isdigit()
            mine: dict[str, str] = {}
            parsed = row_values(row, mine, new)
            if mine:
                row_errors[i] = {k: translate(v) for k, v in mine.items()}
            if parsed is None:
                continue
            row_of.append(i)
            status = "active" if row["active"] else "inactive"
            if new:
                variants.append(VariantInput(sku=row["sku"], status=status, **parsed))
            else:
                variants.append(VariantChanges(
                    id=int(row["id"]), price=parsed["price"], status=status,
                    weight_grams=parsed["weight_grams"], options=parsed["options"],
                    barcodes=parsed["barcodes"], shelf_location=parsed["shelf_location"],
                    cost_price=parsed["cost_price"]))
        if product_id is None and not any(not r["blank"] for r in rows):
            errors["variants"] = translate(NEEDS_ROW)
        errors = {k: translate(v) for k, v in errors.items()}
        product: dict[str, Any] | None = None
        stock: dict[str, dict[str, int]] = {}
        files = await files_of(form)
        to_delete = [int(v) for v in form.getall("delete_image", [])
                     if isinstance(v, str) and v.isdigit()]
        if not errors and not row_errors:
            try:
                async with db.shop_scope(shop.id):
                    if product_id is None:
                        product_id = await create_product(shop.id, ProductInput(
                            name=values["name"], description=values["description"],
                            category=values["category"] or None, attributes=attributes,
                            status=values["status"], variants=variants,  # type: ignore[arg-type]
                        ), images=files)
                        return Redirect(f"/console/products/{product_id}?saved=created",
                                        status_code=303)
                    await update_product(shop.id, product_id, ProductChanges(
                        name=values["name"], description=values["description"],
                        category=values["category"] or None, attributes=attributes,
                        status=values["status"], variants=variants))
                    for image_id in to_delete:
                        await delete_image(shop.id, product_id, image_id)
                    for _name, data in files:
                        await add_image(shop.id, product_id, data)
                return Redirect(f"/console/products/{product_id}?saved=saved",
                                status_code=303)
            except (PlanLimitReached, ShopRestricted) as exc:  # the plan: say so, and how
                errors[""] = plan_limit_message(exc, locale)
            except ValidationFailed as exc:
                place_errors(exc.errors, row_of, errors, row_errors, locale)
                if not exc.errors:
                    errors[""] = exc.detail
            except Conflict as exc:
                if not place_conflict(exc, rows, row_errors, translate):
                    errors[""] = exc.detail
            except NotFound as exc:
                if product_id is not None and f"product {product_id}" in exc.detail.lower():
                    raise
                errors["category" if "categor" in exc.detail.lower() else ""] = exc.detail
        if product_id is not None:
            async with db.shop_scope(shop.id):
                product = await get_product(shop.id, product_id)
            stock = _levels(product)
        if files and not errors.get("images"):
            errors["images"] = translate(N_("Choose the pictures again: files are not kept "
                                            "when the form has errors"))
        return await self._editor(request, runtime, shop, product=product, values=values,
                                  rows=rows or [blank_row()], errors=errors,
                                  row_errors=row_errors, stock=stock, status_code=422)


def _levels(product: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {str(v["id"]): {**v["stock"], "safety_stock": v["safety_stock"]}
            for v in product["variants"]}


catalog_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[ProductEditor],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["catalog_console_router", "fen_to_yuan", "yuan_to_fen"]

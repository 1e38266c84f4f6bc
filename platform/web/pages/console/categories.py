"""The console's category pages: `/console/categories`.

One page shows the shop's category tree in display order. Each category can be renamed,
moved under another (or to the top), moved up or down among its siblings, given a picture
and deleted — deleting is refused, with the counts, while it holds products or
subcategories. The catalog service does the work; its refusals are put into the merchant's
words here, next to the category they are about.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.catalog.service import (
    category_tree,
    create_category,
    delete_category,
    get_category,
    list_categories,
    move_category,
    set_category_picture,
    update_category,
)
from galleria.kernel.errors import Conflict, NotFound, ValidationFailed
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

NAME_LENGTH = N_("Give the category a name of at most 120 characters.")
SLUG_FORMAT = N_("The link name may use lower-case letters a–z, digits and -.")
SLUG_TAKEN = N_("Another category already uses this link name.")
CYCLE = N_("A category cannot be moved inside itself or one of its subcategories.")
NOT_EMPTY = N_("“%(name)s” still has %(products)d products and %(children)d subcategories: "
               "move them to another category first, then delete it.")
PARENT_GONE = N_("The chosen parent category no longer exists; choose another.")
PICTURE = N_("Choose a JPEG, PNG or WebP picture of at most 8 MB.")
NO_PICTURE = N_("Choose a picture to upload.")
DONE = {"created": N_("Category added."), "saved": N_("Changes saved."),
        "deleted": N_("Category deleted."), "picture": N_("Picture saved.")}


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _slug_for(name: str) -> str:
    """A link name from a category's name: its ASCII words, or a short random one for a
    Chinese name (the merchant may type their own)."""
    ascii_words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return ascii_words or f"c-{secrets.token_hex(3)}"


def _flatten(nodes: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, node in enumerate(nodes):
        rows.append({**node, "depth": depth, "first": i == 0, "last": i == len(nodes) - 1})
        rows.extend(_flatten(node["children"], depth + 1))
    return rows


def _below(rows: list[dict[str, Any]], category_id: int) -> set[int]:
    """The category and every category under it (where it cannot be moved to)."""
    wanted = {category_id}
    for row in rows:  # rows come parent first, so one pass finds every descendant
        if row["parent"] in wanted:
            wanted.add(row["id"])
    return wanted


class CategoryPages(Controller):
    path = "/categories"
    guards = [require_staff]

    async def _page(self, request: Request, runtime: Runtime, shop: Shop, *,
                    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                    done: str = "", status_code: int = 200) -> Response:
        async with db.shop_scope(shop.id):
            rows = _flatten(await category_tree(shop.id))
        for row in rows:
            row["targets"] = [r for r in rows if r["id"] not in _below(rows, row["id"])]
        translate = gettext_for(request)
        return await console_page(
            request, runtime, "console/categories.html", "products", status_code=status_code,
            rows=rows, errors=errors or {}, values=values or {},
            done=translate(DONE[done]) if done in DONE else "")

    @get("", name="console:categories")
    async def index(self, request: Request, shop: Shop, runtime: Runtime,
                    done: str = "") -> Response:
        return await self._page(request, runtime, shop, done=done)

    @post("/new", name="console:category-create")
    async def create(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        form = await request.form()
        values = {"name": _text(form, "name"), "slug": _text(form, "slug").lower(),
                  "parent": _text(form, "parent")}
        errors = await self._attempt(request, shop, "new", lambda: create_category(
            shop.id, values["slug"] or _slug_for(values["name"]), values["name"],
            values["parent"] or None))
        if errors:
            return await self._page(request, runtime, shop, errors=errors, values=values,
                                    status_code=422)
        await self._audit(request, shop, "category.created", values["name"])
        return Redirect("/console/categories?done=created", status_code=303)

    @post("/{category_id:int}", name="console:category-update")
    async def update(self, request: Request, shop: Shop, runtime: Runtime,
                     category_id: int) -> Response:
        form = await request.form()
        name, slug, parent = _text(form, "name"), _text(form, "slug").lower(), \
            _text(form, "parent")
        changes: dict[str, Any] = {"name": name, "parent": parent or None}
        if slug:
            changes["slug"] = slug
        errors = await self._attempt(request, shop, str(category_id), lambda: update_category(
            shop.id, category_id, **changes))
        if errors:
            return await self._page(request, runtime, shop, errors=errors, status_code=422)
        await self._audit(request, shop, "category.updated", name)
        return Redirect("/console/categories?done=saved", status_code=303)

    @post("/{category_id:int}/move", name="console:category-move")
    async def move(self, request: Request, shop: Shop, category_id: int) -> Response:
        form = await request.form()
        async with db.shop_scope(shop.id):
            await move_category(shop.id, category_id, -1 if _text(form, "to") == "up" else 1)
        return Redirect(f"/console/categories#c-{category_id}", status_code=303)

    @post("/{category_id:int}/delete", name="console:category-delete")
    async def delete(self, request: Request, shop: Shop, runtime: Runtime,
                     category_id: int) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            category = await get_category(shop.id, category_id)
            try:
                await delete_category(shop.id, category_id)
            except Conflict as exc:
                message = translate(NOT_EMPTY) % {
                    "name": category["name"], "products": exc.extra.get("products", 0),
                    "children": exc.extra.get("subcategories", 0)}
                return await self._page(request, runtime, shop, status_code=409,
                                        errors={str(category_id): message})
        await self._audit(request, shop, "category.deleted", category["name"])
        return Redirect("/console/categories?done=deleted", status_code=303)

    @post("/{category_id:int}/picture", name="console:category-picture")
    async def picture(self, request: Request, shop: Shop, runtime: Runtime,
                      category_id: int) -> Response:
        translate = gettext_for(request)
        form = await request.form()
        upload = form.get("picture")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        remove = _text(form, "remove") == "1"
        if not data and not remove:
            return await self._page(request, runtime, shop, status_code=422,
                                    errors={str(category_id): translate(NO_PICTURE)})
        try:
            async with db.shop_scope(shop.id):
                await set_category_picture(shop.id, category_id, None if remove else data)
        except ValidationFailed:
            return await self._page(request, runtime, shop, status_code=422,
                                    errors={str(category_id): translate(PICTURE)})
        await self._audit(request, shop, "category.updated", str(category_id))
        return Redirect("/console/categories?done=picture", status_code=303)

    async def _attempt(self, request: Request, shop: Shop, where: str,
                       work: Any) -> dict[str, str]:
        """Run a create/update; the refusals as {where: message} in the page's language."""
        translate = gettext_for(request)
        try:
            async with db.shop_scope(shop.id):
                await work()
        except ValidationFailed as exc:
            fields = {e.field for e in exc.errors}
            return {where: translate(SLUG_FORMAT if "slug" in fields and "name" not in fields
                                     else NAME_LENGTH)}
        except Conflict as exc:
            return {where: translate(CYCLE if "inside" in exc.detail else SLUG_TAKEN)}
        except NotFound:
            async with db.shop_scope(shop.id):
                if where != "new" and not any(c["id"] == int(where)
                                              for c in await list_categories(shop.id)):
                    raise
            return {where: translate(PARENT_GONE)}
        return {}

    async def _audit(self, request: Request, shop: Shop, action: str, what: str) -> None:
        async with db.shop_scope(shop.id):
            await record(shop.id, f"user:{staff_of(request)['user_id']}", action, what)


category_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[CategoryPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["category_console_router"]

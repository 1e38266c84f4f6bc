"""Categories: one tree per shop, addressed by slug. A move that would put a category inside
itself (a cycle) is refused; a category that still holds products or subcategories is not
deleted. A category may have a picture (shown on the storefront's category page).

Every function takes the shop's `tenant_id` and must run inside `shop_scope(tenant_id)`.
"""

from __future__ import annotations

import re
from typing import Any

from msgspec import UNSET, UnsetType

from galleria.kernel.catalog.common import refuse_duplicates
from galleria.kernel.catalog.images import THUMB, photo_view, store_photo
from galleria.kernel.catalog.indexing import refresh_product
from galleria.kernel.catalog.tables import Category, Product
from galleria.kernel.errors import Conflict, NotFound, Problems
from galleria.kernel.storage import storage

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _check(problems: Problems, slug: str | None, name: str | None) -> None:
    if slug is not None and not SLUG_RE.match(slug):
        problems.add("slug", "1–64 of a-z, 0-9 and -, starting with a letter or digit")
    if name is not None and not 1 <= len(name.strip()) <= 120:
        problems.add("name", "1–120 characters")


async def category_id(tenant_id: int, slug: str) -> int:
    row = await Category.select(Category.id).where(
        (Category.tenant == tenant_id) & (Category.slug == slug)).first()
    if row is None:
        raise NotFound(f"No category “{slug}” in this shop")
    return row["id"]


async def get_category(tenant_id: int, category: int) -> dict[str, Any]:
    row = await Category.select().where(
        (Category.tenant == tenant_id) & (Category.id == category)).first()
    if row is None:
        raise NotFound(f"No category {category} in this shop")
    return _view(row)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    """A category as callers see it; `image_url` is "" when it has no picture."""
    view = {key: row[key] for key in ("id", "slug", "name", "parent", "position")}
    view["image_url"] = photo_view(row["image_key"])["thumb_url"] if row.get("image_key") \
        else ""
    return view


async def create_category(tenant_id: int, slug: str, name: str, parent: str | None = None,
                          position: int = 0) -> int:
    """Add a category (under the category with slug `parent`, if given); returns its id.
    Raises ValidationFailed, NotFound (parent) or Conflict (slug taken)."""
    problems = Problems()
    _check(problems, slug, name)
    problems.raise_if_any("The category is invalid")
    parent_id = await category_id(tenant_id, parent) if parent else None
    await _refuse_taken_slug(tenant_id, slug)
    with refuse_duplicates(f"The category slug “{slug}” is taken in this shop"):
        row = await Category.insert(Category(tenant=tenant_id, slug=slug, name=name.strip(),
                                             parent=parent_id, position=position))
    return row[0]["id"]


async def _refuse_taken_slug(tenant_id: int, slug: str, but: int | None = None) -> None:
    query = Category.select(Category.id).where(
        (Category.tenant == tenant_id) & (Category.slug == slug))
    if but is not None:
        query = query.where(Category.id != but)
    if await query.first():
        raise Conflict(f"The category slug “{slug}” is taken in this shop")


async def update_category(tenant_id: int, category: int, *,
                          slug: str | UnsetType = UNSET, name: str | UnsetType = UNSET,
                          parent: str | UnsetType | None = UNSET,
                          position: int | UnsetType = UNSET) -> dict[str, Any]:
    """Rename, re-slug, reorder or move a category (`parent=None` makes it a top category).
    Moving it under itself or under one of its own subcategories raises Conflict."""
    current = await get_category(tenant_id, category)
    problems = Problems()
    _check(problems, None if slug is UNSET else slug, None if name is UNSET else name)
    problems.raise_if_any("The category is invalid")
    values: dict[Any, Any] = {}
    if slug is not UNSET and slug != current["slug"]:
        await _refuse_taken_slug(tenant_id, slug, but=category)
        values[Category.slug] = slug
    if name is not UNSET:
        values[Category.name] = name.strip()
    if position is not UNSET:
        values[Category.position] = position
    if parent is not UNSET:
        parent_id = await category_id(tenant_id, parent) if parent else None
        await _refuse_cycle(tenant_id, category, parent_id)
        values[Category.parent] = parent_id
    if values:
        with refuse_duplicates("The category slug is taken in this shop"):
            await Category.update(values).where(
                (Category.tenant == tenant_id) & (Category.id == category))
    if name is not UNSET:  # products are found by their category's name
        for product in await Product.select(Product.id).where(
                (Product.tenant == tenant_id) & (Product.category == category)
                & Product.deleted_at.is_null()):
            await refresh_product(tenant_id, product["id"])
    return await get_category(tenant_id, category)


async def _refuse_cycle(tenant_id: int, category: int, new_parent: int | None) -> None:
    parents = {c["id"]: c["parent"] for c in await list_categories(tenant_id)}
    seen: set[int] = set()
    node = new_parent
    while node is not None and node not in seen:
        if node == category:
            raise Conflict("A category cannot be moved inside itself or one of its "
                           "subcategories")
        seen.add(node)
        node = parents.get(node)


async def delete_category(tenant_id: int, category: int) -> None:
    """Delete an empty category. Raises Conflict while products or subcategories use it."""
    current = await get_category(tenant_id, category)
    children = await Category.count().where(
        (Category.tenant == tenant_id) & (Category.parent == category))
    products = await Product.count().where(
        (Product.tenant == tenant_id) & (Product.category == category)
        & Product.deleted_at.is_null())
    if children or products:
        raise Conflict(f"The category “{current['slug']}” still has {products} products and "
                       f"{children} subcategories; move them first",
                       products=products, subcategories=children)
    deleted = await Category.delete().where(
        (Category.tenant == tenant_id) & (Category.id == category)).returning(Category.image_key)
    for row in deleted:
        _forget_picture(row["image_key"])


def _forget_picture(key: str) -> None:
    """Delete a stored category picture: the picture and its thumbnail (see store_photo)."""
    if key:
        for stored in (key, key[:-4] + f"-{THUMB}.jpg"):
            storage().delete(stored)


async def move_category(tenant_id: int, category: int, step: int) -> None:
    """Move a category one place up (`step=-1`) or down (`step=1`) among its siblings;
    at either end nothing changes. Siblings are renumbered 0, 1, 2 … so that positions
    typed through the API (ties, gaps) come out as the order shown."""
    current = await get_category(tenant_id, category)
    siblings = [c["id"] for c in await list_categories(tenant_id)
                if c["parent"] == current["parent"]]
    at = siblings.index(category)
    to = at + step
    if 0 <= to < len(siblings):
        siblings[at], siblings[to] = siblings[to], siblings[at]
    for position, sibling in enumerate(siblings):
        await Category.update({Category.position: position}).where(
            (Category.tenant == tenant_id) & (Category.id == sibling))


async def set_category_picture(tenant_id: int, category: int, data: bytes | None
                               ) -> dict[str, Any]:
    """Give a category a picture (checked and re-encoded as product pictures are), or
    remove it with `data=None`; the replaced picture's files are deleted. Raises
    ValidationFailed (not a JPEG, PNG or WebP of at most 8 MB) or NotFound."""
    row = await Category.select(Category.image_key).where(
        (Category.tenant == tenant_id) & (Category.id == category)).first()
    if row is None:
        raise NotFound(f"No category {category} in this shop")
    key = (await store_photo(tenant_id, "categories", data))["key"] if data is not None else ""
    await Category.update({Category.image_key: key}).where(
        (Category.tenant == tenant_id) & (Category.id == category))
    _forget_picture(row["image_key"])
    return await get_category(tenant_id, category)


async def list_categories(tenant_id: int) -> list[dict[str, Any]]:
    """Every category of the shop, flat, in display order (`parent` is an id or None)."""
    rows = await (Category.select(Category.id, Category.slug, Category.name, Category.parent,
                                  Category.position, Category.image_key)
                  .where(Category.tenant == tenant_id)
                  .order_by(Category.position).order_by(Category.id))
    return [_view(row) for row in rows]


async def category_tree(tenant_id: int) -> list[dict[str, Any]]:
    """The categories as a tree: top categories, each with its `children`, in order."""
    nodes = {c["id"]: {**c, "children": []} for c in await list_categories(tenant_id)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent"])
        (parent["children"] if parent else roots).append(node)
    return roots


async def category_and_below(tenant_id: int, slug: str) -> list[int]:
    """Ids of the category with `slug` and of every category under it."""
    categories = await list_categories(tenant_id)
    root = next((c["id"] for c in categories if c["slug"] == slug), None)
    if root is None:
        raise NotFound(f"No category “{slug}” in this shop")
    wanted, frontier = {root}, [root]
    while frontier:
        children = [c["id"] for c in categories if c["parent"] in frontier]
        frontier = [c for c in children if c not in wanted]
        wanted.update(frontier)
    return sorted(wanted)

"""A product's after-sales terms: returnable or not, warranty months and what it covers.
Shown on the product and order pages; read by returns (and service requests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel.catalog.tables import Product, Variant
from galleria.kernel.errors import NotFound, ValidationFailed
from galleria.kernel.orders.aftersales_tables import ProductAftersales

DEFAULT = {"returnable": True, "warranty_months": 0, "warranty_covers": ""}


async def get_terms(tenant_id: int, product_id: int) -> dict[str, Any]:
    row = await ProductAftersales.select().where(
        (ProductAftersales.tenant == tenant_id) & (ProductAftersales.product == product_id)
    ).first()
    terms = {key: row[key] for key in DEFAULT} if row else dict(DEFAULT)
    return {"product_id": product_id, **terms}


async def set_terms(tenant_id: int, product_id: int, *, returnable: bool,
                    warranty_months: int, warranty_covers: str) -> dict[str, Any]:
    """Set the product's terms (call inside the shop's scope). 404 for another shop's."""
    if type(warranty_months) is not int or not 0 <= warranty_months <= 240:
        raise ValidationFailed("Warranty months are 0 to 240")
    exists = await Product.exists().where((Product.tenant == tenant_id)
                                          & (Product.id == product_id)
                                          & Product.deleted_at.is_null())
    if not exists:
        raise NotFound(f"No product {product_id} in this shop")
    values = {ProductAftersales.returnable: bool(returnable),
              ProductAftersales.warranty_months: warranty_months,
              ProductAftersales.warranty_covers: warranty_covers.strip()[:1000],
              ProductAftersales.updated_at: dt.datetime.now(dt.UTC)}
    updated = await ProductAftersales.update(values).where(
        (ProductAftersales.tenant == tenant_id) & (ProductAftersales.product == product_id)
    ).returning(ProductAftersales.id)
    if not updated:
        await ProductAftersales.insert(ProductAftersales(
            tenant=tenant_id, product=product_id, returnable=bool(returnable),
            warranty_months=warranty_months, warranty_covers=warranty_covers.strip()[:1000]))
    return await get_terms(tenant_id, product_id)


async def terms_of_variants(tenant_id: int, variant_ids: list[int]) -> dict[int, dict]:
    """{variant id: its product's terms} for the variants that have terms set."""
    if not variant_ids:
        return {}
    products = {row["id"]: row["product"] for row in await Variant.select(
        Variant.id, Variant.product).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in(variant_ids))}
    rows = {row["product"]: row for row in await ProductAftersales.select().where(
        (ProductAftersales.tenant == tenant_id)
        & ProductAftersales.product.is_in(list(set(products.values())) or [0]))}
    return {variant: {key: rows[product][key] for key in DEFAULT}
            for variant, product in products.items() if product in rows}


__all__ = ["get_terms", "set_terms", "terms_of_variants"]

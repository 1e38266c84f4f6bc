"""店内码: internal EAN-13 barcodes for variants that came without a maker's barcode.

GS1 leaves the prefixes 20–29 to shops for their own use; a code here is `20`, ten digits
and the EAN-13 check digit (`gtin_check_digit`), so a till or a phone scanner reads it as
any EAN-13. The ten digits are the variant's id (unique across the platform, so unique in
the shop); if the merchant has typed that very code on another variant, random digits are
tried instead. A variant that already has a unit barcode (a maker's, or one given before)
keeps it: it is not given a second.

Every function takes the shop's `tenant_id` and must run inside `shop_scope(tenant_id)`.
"""

from __future__ import annotations

import secrets
from typing import Any

from galleria.kernel.catalog.common import refuse_duplicates
from galleria.kernel.catalog.indexing import refresh_product
from galleria.kernel.catalog.tables import Barcode, Product, Variant
from galleria.kernel.errors import NotFound
from galleria.kernel.gtin import gtin_check_digit

PREFIX = "20"  # the first of GS1's in-store prefixes (20–29)
ATTEMPTS = 8


def store_code(body: int) -> str:
    """The in-store EAN-13 whose ten middle digits are `body` (0 ≤ body < 10¹⁰)."""
    twelve = f"{PREFIX}{body % 10**10:010d}"
    return twelve + (gtin_check_digit(twelve + "0") or "")


def is_store_code(code: str) -> bool:
    """Whether `code` is an EAN-13 in the in-store range 20–29 with a valid check digit."""
    return (len(code) == 13 and code.isdigit() and code[0] == "2"
            and gtin_check_digit(code) == code[-1])


async def _free(tenant_id: int, code: str) -> bool:
    return not await Barcode.exists().where((Barcode.tenant == tenant_id)
                                            & (Barcode.code == code))


async def assign_store_codes(tenant_id: int, product_id: int) -> list[dict[str, Any]]:
    """Give every live variant of the product that has no unit barcode an in-store EAN-13.
    Returns `[{"variant_id", "sku", "code"}]` of the codes given (empty when every variant
    has one already). Raises NotFound for a product the shop does not have."""
    product = await Product.select(Product.id).where(
        (Product.tenant == tenant_id) & (Product.id == product_id)
        & Product.deleted_at.is_null()).first()
    if product is None:
        raise NotFound(f"No product {product_id} in this shop")
    variants = await Variant.select(Variant.id, Variant.sku).where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id)
        & (Variant.status != "deleted")).order_by(Variant.position).order_by(Variant.id)
    coded = {r["variant"] for r in await Barcode.select(Barcode.variant).where(
        (Barcode.tenant == tenant_id) & (Barcode.units == 1)
        & Barcode.variant.is_in([v["id"] for v in variants] or [0]))}
    given = []
    for variant in variants:
        if variant["id"] in coded:
            continue
        code = store_code(variant["id"])
        for _ in range(ATTEMPTS):
            if await _free(tenant_id, code):
                break
            code = store_code(secrets.randbelow(10**10))
        with refuse_duplicates("Another member of staff is giving codes to this product; "
                               "try again"):
            await Barcode.insert(Barcode(tenant=tenant_id, variant=variant["id"], code=code,
                                         units=1))
        given.append({"variant_id": variant["id"], "sku": variant["sku"], "code": code})
    if given:
        await refresh_product(tenant_id, product_id)  # found by its new barcodes
    return given


__all__ = ["PREFIX", "assign_store_codes", "is_store_code", "store_code"]

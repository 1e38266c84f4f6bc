"""Catalog use cases in one place to import from: categories, products with their variants,
stock and barcodes, pictures.

The work lives in `categories`, `products` (changes), `queries` (reads) and `images`; this
module re-exports it. Every function takes the shop's `tenant_id` and must run inside
`shop_scope(tenant_id)`.
"""

from __future__ import annotations

from galleria.kernel.catalog.categories import (
    category_and_below,
    category_id,
    category_tree,
    create_category,
    delete_category,
    get_category,
    list_categories,
    move_category,
    set_category_picture,
    update_category,
)
from galleria.kernel.catalog.images import add_image, delete_image
from galleria.kernel.catalog.indexing import refresh_product
from galleria.kernel.catalog.products import (
    ProductChanges,
    ProductInput,
    VariantChanges,
    VariantInput,
    check_product,
    create_product,
    delete_product,
    update_product,
)
from galleria.kernel.catalog.queries import (
    SORTS,
    count_products,
    get_product,
    list_products,
    variant_by_barcode,
)

__all__ = [
    "SORTS", "ProductChanges", "ProductInput", "VariantChanges", "VariantInput", "add_image",
    "category_and_below", "category_id", "category_tree", "check_product", "count_products",
    "create_category", "create_product", "delete_category", "delete_image", "delete_product",
    "get_category", "get_product", "list_categories", "list_products", "move_category",
    "refresh_product", "set_category_picture", "update_category", "update_product",
    "variant_by_barcode",
]

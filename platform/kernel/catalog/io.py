"""Import and export of products and stock, one row per variant (see `spreadsheet` for the
file format, `import_rows` for the checks).

Import is all or nothing: every row is checked first — its cells, then against the shop
(categories, SKUs, barcodes, reserved stock) — and a file with any bad row changes nothing;
the report names each bad row (as numbered in the file, the header being row 1) and column.
Rows that name the same product become its variants. A SKU the shop already has updates that
variant (and its product); an empty cell keeps what is stored, and what equals the stored
value is not written again (so an exported file imported back changes nothing). A new
product name creates a product, unless exactly one product of the shop has that name, which
then gets the rows. Stock of an existing SKU is set as a stocktake would, with a ledger row;
the file's `stock` is the default location's, and a shop with other locations (门店/仓库)
has one more column per location, `stock@<code>`, counted the same way at that location
(an empty cell keeps what is there; a file without the column leaves that location alone).

Run inside `shop_scope(tenant_id)`: the import is one transaction with the caller's.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET

from galleria.kernel.billing.limits import ensure_room
from galleria.kernel.catalog import spreadsheet as sheet
from galleria.kernel.catalog.common import json_value
from galleria.kernel.catalog.import_rows import (
    PRODUCT_FIELDS,
    Group,
    ImportReport,
    Progress,
    Row,
    RowError,
    Snapshot,
    check,
    noop,
    parse,
    stock_at,
)
from galleria.kernel.catalog.products import (
    ProductChanges,
    ProductInput,
    VariantChanges,
    VariantInput,
    insert_product,
    update_product,
)
from galleria.kernel.catalog.queries import count_products, variants_of_many
from galleria.kernel.catalog.tables import Barcode, Product, StockLevel, Variant
from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.tables import Location

__all__ = ["ImportReport", "RowError", "export_catalog", "export_rows", "import_catalog",
           "report_problem"]


def _first(group: Group, column: str) -> Any:
    return next((r.cells[column] for r in group.rows if r.cells[column] is not None), None)


def _new_variant(row: Row) -> VariantInput:
    return VariantInput(sku=row.sku, price=row.price, stock=row.stock or 0,
                        options=row.options or {}, weight_grams=row.weight_grams or 0,
                        barcodes=row.barcodes or [], shelf_location=row.shelf_location or "",
                        cost_price=row.cost_price)


def _variant_changes(row: Row) -> VariantChanges | None:
    """What the row changes on its stored variant, None for nothing."""
    stored, changes = row.existing, {}
    for column in ("price", "options", "weight_grams", "shelf_location", "cost_price"):
        if row.cells[column] is not None and row.cells[column] != stored[column]:
            changes[column] = row.cells[column]
    if row.barcodes is not None and set(row.barcodes) != stored["barcodes"]:
        changes["barcodes"] = row.barcodes
    return VariantChanges(id=stored["id"], **changes) if changes else None


def _product_changes(group: Group, stored: dict[str, Any]) -> ProductChanges:
    changes = ProductChanges()
    if group.name is not None and group.name != stored["name"]:
        changes.name = group.name
    for column in PRODUCT_FIELDS:
        value = _first(group, column)
        if value is not None and value != stored[column]:
            setattr(changes, column, value)
    return changes


def _changes_anything(changes: ProductChanges) -> bool:
    return bool(changes.variants) or any(
        getattr(changes, name) is not UNSET for name in ("name", *PRODUCT_FIELDS))


async def _create(tenant_id: int, group: Group, snapshot: Snapshot,
                  report: ImportReport) -> None:
    category = _first(group, "category")
    await insert_product(tenant_id, ProductInput(
        name=group.name, description=_first(group, "description") or "",
        category=category, attributes=_first(group, "attributes") or {},
        status=_first(group, "status") or "published",
        variants=[_new_variant(r) for r in group.rows]),
        snapshot.categories[category] if category else None)
    report.products_created += 1
    report.variants_created += len(group.rows)


async def _update(tenant_id: int, group: Group, snapshot: Snapshot, report: ImportReport,
                  actor: str, reason: str) -> None:
    changes = _product_changes(group, snapshot.products[group.target])
    counted = [r for r in group.rows if r.existing and r.stock is not None
               and r.stock != r.existing["on_hand"]]
    touched = {r.sku for r in counted}
    for row in group.rows:
        change = _variant_changes(row) if row.existing else _new_variant(row)
        if change is not None:
            changes.variants.append(change)
            touched.add(row.sku)
    if _changes_anything(changes):
        await update_product(tenant_id, group.target, changes)
    for row in counted:
        await inventory.adjust(tenant_id, row.existing["id"], row.stock, reason=reason,
                               actor=actor)
    created = sum(1 for r in group.rows if not r.existing)
    report.variants_created += created
    report.variants_updated += len(touched) - created
    report.variants_unchanged += len(group.rows) - len(touched)
    report.products_updated += bool(touched or _changes_anything(changes))


async def import_catalog(tenant_id: int, data: bytes, filename: str = "", *,
                         actor: str = "system", progress: Progress = noop) -> ImportReport:
    """Check the whole file, then apply it; with any bad row nothing is written and the
    report lists the problems. Returns the report either way."""
    report = ImportReport()
    rows = parse(data, filename, report)
    groups, snapshot = await check(tenant_id, rows, report, progress)
    if report.ok and not rows:
        report.add(2, "sku", "the file has no rows to import")
    if not report.ok:
        return report
    # The plan's product limit, for the whole file at once: all or nothing, like the rest.
    await ensure_room(tenant_id, "products", await count_products(tenant_id),
                      adding=sum(1 for g in groups if g.target is None))
    moving = [r.existing["id"] for r in rows if r.existing and r.barcodes is not None
              and set(r.barcodes) != r.existing["barcodes"]]
    if moving:  # free the barcodes being rewritten, so they may move between variants
        await Barcode.delete().where(
            (Barcode.tenant == tenant_id) & Barcode.variant.is_in(moving))
    done, reason = 0, f"import {filename}".strip()
    for group in groups:
        if group.target is None:
            await _create(tenant_id, group, snapshot, report)
        else:
            await _update(tenant_id, group, snapshot, report, actor, reason)
        done += len(group.rows)
        progress("saving", done, len(rows))
    await _count_at_locations(tenant_id, rows, actor, reason)
    await record(tenant_id, actor, "catalog.imported", filename,
                 {k: v for k, v in report.as_dict().items() if k != "errors"})
    return report


async def _count_at_locations(tenant_id: int, rows: list[Row], actor: str,
                              reason: str) -> None:
    """Each `stock@<code>` cell, as a stocktake at that location (when it differs)."""
    wanted = {row.sku: stock_at(row) for row in rows if stock_at(row)}
    if not wanted:
        return
    ids = {r["sku"]: r["id"] for r in await Variant.select(Variant.id, Variant.sku).where(
        (Variant.tenant == tenant_id) & Variant.sku.is_in(list(wanted))
        & (Variant.status != "deleted"))}
    codes = sorted({code for counts in wanted.values() for code in counts})
    now = {(r["variant"], r["location"]): r["on_hand"] for r in await StockLevel.select(
        StockLevel.variant, StockLevel.location, StockLevel.on_hand).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(list(ids.values()) or [0])
        & StockLevel.location.is_in(codes))}
    for sku, counts in wanted.items():
        for code, units in sorted(counts.items()):
            if sku in ids and now.get((ids[sku], code), 0) != units:
                await inventory.adjust(tenant_id, ids[sku], units, reason=reason,
                                       actor=actor, location=code)


async def _stock_columns(tenant_id: int) -> list[str]:
    """The shop's locations other than `default`, in the merchant's order."""
    rows = await Location.select(Location.code).where(
        (Location.tenant == tenant_id) & (Location.code != inventory.DEFAULT_LOCATION)
    ).order_by(Location.position).order_by(Location.id)
    return [row["code"] for row in rows]


def report_problem(report: ImportReport) -> ValidationFailed:
    """The error an API answers for a rejected file: each problem as `rows[N].column`, and
    the whole report."""
    first = report.errors[0]
    detail = (f"{len(report.errors)} problem(s) in the file, nothing was imported; first: "
              f"row {first.row}, {first.column}: {first.message}")
    return ValidationFailed(detail, errors=[FieldError(f"rows[{e.row}].{e.column}", e.message)
                                            for e in report.errors], report=report.as_dict())


async def export_rows(tenant_id: int, progress: Progress = noop,
                      locations: tuple[str, ...] = ()) -> list[list[Any]]:
    """Every live product's variants as rows of `spreadsheet.COLUMNS` (then the stock at
    each of `locations`), by product id."""
    products = await (Product.select(Product.id, Product.name, Product.description,
                                     Product.attributes, Product.status,
                                     Product.category.slug.as_alias("category_slug"))
                      .where((Product.tenant == tenant_id) & Product.deleted_at.is_null())
                      .order_by(Product.id))
    rows: list[list[Any]] = []
    for start in range(0, len(products), 200):
        batch = products[start:start + 200]
        variants = await variants_of_many(tenant_id, [p["id"] for p in batch])
        # The file's stock is the default location's, the one an import counts.
        levels = {(row["variant"], row["location"]): row["on_hand"]
                  for row in await StockLevel.select(
            StockLevel.variant, StockLevel.location, StockLevel.on_hand).where(
            (StockLevel.tenant == tenant_id)
            & StockLevel.location.is_in([inventory.DEFAULT_LOCATION, *locations])
            & StockLevel.variant.is_in([v["id"] for p in batch for v in variants[p["id"]]]
                                       or [0]))}
        for p in batch:
            attributes = sheet.format_pairs(json_value(p["attributes"]) or {})
            rows += [[p["name"], p["category_slug"] or "", p["description"], attributes,
                      p["status"], v["sku"], v["price"],
                      levels.get((v["id"], inventory.DEFAULT_LOCATION), 0),
                      sheet.format_pairs(v["options"]), sheet.format_barcodes(v["barcodes"]),
                      v["weight_grams"], v["shelf_location"],
                      "" if v["cost_price"] is None else v["cost_price"],
                      *(levels.get((v["id"], code), 0) for code in locations)]
                     for v in variants[p["id"]]]
        progress("exporting", start + len(batch), len(products))
    return rows


async def export_catalog(tenant_id: int, fmt: str, progress: Progress = noop) -> bytes:
    """The shop's catalog as a `csv` or `xlsx` file."""
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed("format must be csv or xlsx")
    locations = tuple(await _stock_columns(tenant_id))
    rows = await export_rows(tenant_id, progress, locations)
    columns = (*sheet.COLUMNS, *(sheet.STOCK_AT + code for code in locations))
    return (sheet.write_csv(rows, columns) if fmt == "csv"
            else sheet.write_xlsx(rows, columns))

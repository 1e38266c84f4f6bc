"""Checking an import file before anything is written: its cells, then each row against
the shop as it is now (loaded once into a `Snapshot`). Problems go to the report with the
row number as in the file (the header is row 1) and the column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from galleria.kernel.catalog import spreadsheet as sheet
from galleria.kernel.catalog.common import json_value
from galleria.kernel.catalog.tables import Barcode, Category, Product, StockLevel, Variant
from galleria.kernel.tenancy.tables import Location

Progress = Callable[[str, int, int], None]  # (stage, done, total)
PRODUCT_FIELDS = ("category", "description", "attributes", "status")
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "product": lambda v: sheet.cell_text(v) or None,
    "category": lambda v: sheet.cell_text(v) or None,
    "description": lambda v: sheet.cell_text(v) or None,
    "attributes": sheet.pairs, "status": lambda v: sheet.cell_text(v).lower() or None,
    "sku": sheet.cell_text, "price": sheet.price, "stock": sheet.whole, "options": sheet.pairs,
    "barcodes": sheet.barcodes, "weight_grams": sheet.whole,
    "shelf_location": lambda v: sheet.cell_text(v)[:32] or None,
    "cost_price": sheet.price,  # an empty cell leaves the stored cost as it is
}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    variants_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    _cells: set[tuple[int, str]] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        """Record a problem; only the first of each cell (a price that cannot be read is not
        also reported missing)."""
        if (row, column) not in self._cells:
            self._cells.add((row, column))
            self.errors.append(RowError(row, column, message))

    def as_dict(self) -> dict[str, Any]:
        counts = {k: v for k, v in self.__dict__.items() if k not in ("errors", "_cells")}
        return {"ok": self.ok, **counts, "errors": [e.__dict__ for e in self.errors]}


@dataclass
class Row:
    number: int
    cells: dict[str, Any]
    existing: dict[str, Any] | None = None  # the live variant with this SKU, as stored

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["cells"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Group:
    """The rows of one product; `target` is the product to update, None for a new one."""

    name: str | None
    rows: list[Row]
    target: int | None = None


@dataclass
class Snapshot:
    """The shop's categories, and the variants and products the file touches."""

    categories: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug → {id, name}
    products: dict[int, dict[str, Any]] = field(default_factory=dict)


def noop(stage: str, done: int, total: int) -> None:
    return None


def parse(data: bytes, filename: str, report: ImportReport) -> list[Row]:
    """Rows with their cells parsed; problems go to `report`."""
    try:
        table = sheet.read_table(data, filename)
    except sheet.FileError as exc:
        report.add(0, "file", str(exc))
        return []
    if not table:
        report.add(1, "header", "The file is empty")
        return []
    columns = [sheet.header_column(name) for name in table[0]]
    for name, column in zip(table[0], columns, strict=True):
        if column is None and sheet.cell_text(name):
            report.add(1, sheet.cell_text(name), "unknown column; the columns are "
                       + ", ".join(sheet.COLUMNS))
    if "sku" not in columns:
        report.add(1, "sku", "the file needs a sku column")
        return []
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        if not any(sheet.cell_text(v) for v in raw):
            continue
        cells: dict[str, Any] = dict.fromkeys(sheet.COLUMNS)
        for column, value in zip(columns, raw, strict=False):
            if column is not None:
                try:
                    parser = (sheet.whole if sheet.stock_location(column)
                              else _PARSERS[column])
                    cells[column] = parser(value)
                except sheet.CellError as exc:
                    report.add(number, column, str(exc))
        rows.append(Row(number, cells))
    report.rows = len(rows)
    return rows


def _check_cells(row: Row, report: ImportReport, skus: dict[str, int]) -> None:
    if not row.sku or len(row.sku) > 64:
        report.add(row.number, "sku", "required, 1–64 characters")
    elif row.sku in skus:
        report.add(row.number, "sku", f"SKU {row.sku} is also on row {skus[row.sku]}")
    else:
        skus[row.sku] = row.number
    if row.product and len(row.product) > 200:
        report.add(row.number, "product", "at most 200 characters")
    if row.status not in (None, "draft", "published"):
        report.add(row.number, "status", "draft or published")


async def in_chunks(query: Callable[[list[Any]], Any], values: list[Any]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(values), 500):
        found += await query(values[start:start + 500])
    return found


async def _existing_variants(tenant_id: int, skus: list[str]) -> dict[str, dict[str, Any]]:
    rows = await in_chunks(lambda chunk: Variant.select(
        Variant.id, Variant.sku, Variant.product, Variant.price, Variant.options,
        Variant.weight_grams, Variant.shelf_location, Variant.cost_price).where(
        (Variant.tenant == tenant_id) & Variant.sku.is_in(chunk)
        & (Variant.status != "deleted")), skus)
    ids = [r["id"] for r in rows]
    levels = {r["variant"]: r for r in await in_chunks(lambda chunk: StockLevel.select(
        StockLevel.variant, StockLevel.on_hand, StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(chunk)
        & (StockLevel.location == "default")), ids)}  # an import counts the default location
    codes: dict[int, set[tuple[str, int]]] = {i: set() for i in ids}
    for b in await in_chunks(lambda chunk: Barcode.select(
            Barcode.variant, Barcode.code, Barcode.units).where(
            (Barcode.tenant == tenant_id) & Barcode.variant.is_in(chunk)), ids):
        codes[b["variant"]].add((b["code"], b["units"]))
    return {r["sku"]: {**r, **levels.get(r["id"], {"on_hand": 0, "reserved": 0}),
                       "options": json_value(r["options"]), "barcodes": codes[r["id"]]}
            for r in rows}


async def _load_products(tenant_id: int, snapshot: Snapshot, where: Any) -> list[dict]:
    rows = await Product.select(
        Product.id, Product.name, Product.description, Product.attributes, Product.status,
        Product.category.slug.as_alias("category")).where(
        (Product.tenant == tenant_id) & Product.deleted_at.is_null() & where)
    for row in rows:
        row["attributes"] = json_value(row["attributes"])
        row["description"] = row["description"] or None  # as an empty cell reads
        snapshot.products[row["id"]] = row
    return rows


async def _group(tenant_id: int, rows: list[Row], report: ImportReport,
                 snapshot: Snapshot) -> list[Group]:
    named: dict[str, Group] = {}
    by_target: dict[int, Group] = {}
    for row in rows:
        if row.product:
            named.setdefault(row.product, Group(row.product, [])).rows.append(row)
        elif row.existing:
            pid = row.existing["product"]
            by_target.setdefault(pid, Group(None, [], pid)).rows.append(row)
        elif row.sku:
            report.add(row.number, "product", f"required: SKU {row.sku} is new to the shop")
    same_name = await in_chunks(lambda chunk: _load_products(
        tenant_id, snapshot, Product.name.is_in(chunk)), list(named))
    for group in named.values():
        ids = {r.existing["product"] for r in group.rows if r.existing}
        if len(ids) > 1:
            for r in group.rows[1:]:
                report.add(r.number, "sku", f"SKU {r.sku} belongs to another product than the "
                           f"other rows of “{group.name}”")
            continue
        matches = [p["id"] for p in same_name if p["name"] == group.name]
        group.target = ids.pop() if ids else (matches[0] if len(matches) == 1 else None)
        if group.target is None:
            continue
        other = by_target.get(group.target)
        if other is not None and other.name is not None:
            report.add(group.rows[0].number, "product", f"this product is also named "
                       f"“{other.name}” on row {other.rows[0].number}")
        elif other is not None:
            group.rows += other.rows
        by_target[group.target] = group
    missing = [pid for pid in by_target if pid not in snapshot.products]
    await in_chunks(lambda chunk: _load_products(tenant_id, snapshot, Product.id.is_in(chunk)),
                    missing)
    return [g for g in named.values() if g.target is None] + list(by_target.values())


def _check_group(group: Group, snapshot: Snapshot, report: ImportReport) -> None:
    for column in PRODUCT_FIELDS:
        first: Row | None = None
        for row in group.rows:
            value = row.cells[column]
            if value is None:
                continue
            if first is None:
                first = row
            elif value != first.cells[column]:
                report.add(row.number, column, f"differs from row {first.number} of the "
                           "same product")
    for row in group.rows:
        if row.category and row.category not in snapshot.categories:
            report.add(row.number, "category", f"no category “{row.category}” in this shop; "
                       "create it first")
        if row.existing is None and row.price is None:
            report.add(row.number, "price", f"required: SKU {row.sku} is new to the shop")
        if row.existing and row.stock is not None and row.stock < row.existing["reserved"]:
            report.add(row.number, "stock", f"{row.existing['reserved']} units are reserved "
                       f"by orders; the stock cannot be less")


async def _check_barcodes(tenant_id: int, rows: list[Row], report: ImportReport) -> None:
    """Each barcode on one variant only, once the file is applied."""
    replacing = {r.sku: r for r in rows if r.barcodes is not None}
    claimed: dict[str, Row] = {}
    for row in replacing.values():
        for code, _ in row.barcodes:
            if code in claimed:
                report.add(row.number, "barcodes", f"barcode {code} is also on row "
                           f"{claimed[code].number}")
            claimed[code] = row
    held = await in_chunks(lambda chunk: Barcode.select(
        Barcode.code, Barcode.variant.sku.as_alias("sku"),
        Barcode.variant.product.name.as_alias("product")).where(
        (Barcode.tenant == tenant_id) & Barcode.code.is_in(chunk)), list(claimed))
    for holder in held:
        row = claimed[holder["code"]]
        if holder["sku"] != row.sku and holder["sku"] not in replacing:
            report.add(row.number, "barcodes", f"barcode {holder['code']} is already on SKU "
                       f"{holder['sku']} (“{holder['product']}”)")


def stock_at(row: Row) -> dict[str, int]:
    """The row's stock per location other than `default` ({code: units}), cells given."""
    return {code: value for column, value in row.cells.items()
            if (code := sheet.stock_location(column)) and value is not None}


async def _check_locations(tenant_id: int, rows: list[Row], report: ImportReport) -> None:
    """`stock@<code>` columns name locations of the shop, and never count fewer units than
    orders hold there."""
    codes = sorted({code for row in rows for code in stock_at(row)})
    if not codes:
        return
    known = {r["code"] for r in await Location.select(Location.code).where(
        (Location.tenant == tenant_id) & Location.code.is_in(codes))}
    for code in codes:
        if code not in known:
            report.add(1, sheet.STOCK_AT + code, f"no location {code} in this shop")
    ids = [row.existing["id"] for row in rows if row.existing]
    held = {(r["variant"], r["location"]): r["reserved"] for r in await in_chunks(
        lambda chunk: StockLevel.select(StockLevel.variant, StockLevel.location,
                                        StockLevel.reserved).where(
            (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(chunk)
            & StockLevel.location.is_in(codes)), ids)}
    for row in rows:
        for code, units in stock_at(row).items():
            reserved = held.get((row.existing["id"], code), 0) if row.existing else 0
            if units < reserved:
                report.add(row.number, sheet.STOCK_AT + code, f"{reserved} units are "
                           f"reserved by orders at {code}; the stock cannot be less")


async def check(tenant_id: int, rows: list[Row], report: ImportReport,
                progress: Progress = noop) -> tuple[list[Group], Snapshot]:
    """Check every row against the shop; returns the rows grouped by product, and what
    the shop has now."""
    skus: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        _check_cells(row, report, skus)
        progress("checking", done, len(rows))
    existing = await _existing_variants(tenant_id, sorted(skus))
    for row in rows:
        row.existing = existing.get(row.sku)
    snapshot = Snapshot(categories={c["slug"]: c for c in await Category.select(
        Category.id, Category.slug, Category.name).where(Category.tenant == tenant_id)})
    groups = await _group(tenant_id, rows, report, snapshot)
    for group in groups:
        _check_group(group, snapshot, report)
    await _check_barcodes(tenant_id, rows, report)
    await _check_locations(tenant_id, rows, report)
    report.errors.sort(key=lambda e: (e.row, sheet.COLUMNS.index(e.column)
                                      if e.column in sheet.COLUMNS else -1))
    return groups, snapshot

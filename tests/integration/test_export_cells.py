"""No exported cell runs as a formula when a merchant opens the file (CSV injection): text
starting with = + - @ tab or carriage return comes out with a leading apostrophe, in every
export — orders CSV, catalog CSV and XLSX (galleria.kernel.exports)."""

import csv
import io

import openpyxl
import pytest
from test_admin_orders import _place, _set, _shop
from test_catalog_io import admin_products, upload
from test_pages import shop_id

from galleria.kernel import db, neutralise, neutralise_row
from galleria.kernel.catalog.tables import Product
from galleria.kernel.exports import FORMULA_STARTS, csv_bytes, restore

# One payload per dangerous first character (the DDE one is the tester's).
PAYLOADS = ["=cmd|' /C calc'!A0", "+86 138 0013 8000", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1 tab", "\r=2+2 cr"]


def test_every_formula_start_is_neutralised_and_restored():
    assert {p[0] for p in PAYLOADS} == set(FORMULA_STARTS)
    for payload in PAYLOADS:
        assert neutralise(payload) == "'" + payload
        assert restore(neutralise(payload)) == payload
    assert neutralise_row(["plain", "¥26.30", -5, 3.5, None]) == ["plain", "¥26.30", -5, 3.5,
                                                                   None]
    assert restore("'quoted") == "'quoted"  # an apostrophe we did not add stays
    rows = list(csv.reader(io.StringIO(csv_bytes(["a"], [[p] for p in PAYLOADS])
                                       .decode("utf-8-sig"), newline="")))
    assert rows == [["a"], *(["'" + p] for p in PAYLOADS)]


async def test_orders_export_neutralises_every_formula_start(open_shop):
    shop, tenant_id, variant = await _shop(open_shop)
    for payload in PAYLOADS:
        await _set(tenant_id, await _place(shop, variant), note=payload)
    exported = await shop.get("/api/admin/v1/orders/export.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert sorted(row["note"] for row in rows) == sorted("'" + p for p in PAYLOADS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_catalog_export_neutralises_every_formula_start_and_imports_back(open_shop, fmt):
    shop = await open_shop()
    for i, payload in enumerate(PAYLOADS):
        created = await shop.post("/api/admin/v1/products", json={
            "name": f"P{i}", "variants": [{"sku": f"SKU-{i}", "price": 100}]})
        assert created.status_code == 201, created.text
        # written as stored, leading tab and all (the API would trim the name)
        async with db.shop_scope(await shop_id(shop.slug)):
            await Product.update({Product.name: payload, Product.description: payload}).where(
                Product.id == created.json()["id"])
    exported = await shop.get(f"/api/admin/v1/catalog/export?format={fmt}")
    assert exported.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert all(row[0].data_type == row[2].data_type == "s"
                   for row in sheet.iter_rows(min_row=2))
    names = sorted(row[0].replace("\r", "\n") for row in rows[1:])  # XML keeps no CR
    assert names == sorted(("'" + p).replace("\r", "\n") for p in PAYLOADS)
    assert sorted(row[2].replace("\r", "\n") for row in rows[1:]) == names  # the description too
    again = await upload(shop, exported.content, name=f"catalog.{fmt}")
    assert again.status_code == 200, again.text
    names = set(await admin_products(shop))  # the apostrophes were taken off again
    assert {p for p in PAYLOADS if not p[0].isspace()} <= names

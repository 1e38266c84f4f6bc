"""Import and export of products and stock (CSV and XLSX), as a merchant uses them: whole
catalogs in, edits round-tripped through Excel, and a bad row that changes nothing."""

import csv
import io
import os
import subprocess
import sys

import openpyxl
import pytest

from conftest import REPO_ROOT, on_postgres
from galleria.kernel import db
from galleria.kernel.catalog.io import import_catalog
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.shops import get_shop

HEADER = ["product", "category", "description", "attributes", "status", "sku", "price",
          "stock", "options", "barcodes", "weight_grams"]


def csv_file(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(shop, data: bytes, name="catalog.csv", **headers):
    # A fixed multipart boundary: a retried request is then byte for byte the same.
    return await shop.post("/api/admin/v1/catalog/import", headers={
        "content-type": "multipart/form-data; boundary=galleria-test-boundary", **headers},
        files={"file": (name, data, "application/octet-stream")})


async def admin_products(shop):
    items = (await shop.get("/api/admin/v1/products?limit=100")).json()["items"]
    return {p["name"]: (await shop.get(f"/api/admin/v1/products/{p['id']}")).json()
            for p in items}


async def shop_with_dairy(open_shop):
    shop = await open_shop()
    for slug, name in (("dairy", "乳品"), ("clothes", "服装")):
        response = await shop.post("/api/admin/v1/categories", json={"slug": slug,
                                                                      "name": name})
        assert response.status_code == 201
    return shop


CATALOG = [
    ["伊利纯牛奶 250ml", "dairy", "全脂灭菌乳", "品牌=伊利; 保质期=6个月", "", "MILK-250", "350",
     "10", "", "6907992500133; 16907992500130*24", "260"],
    ["纯棉T恤", "clothes", "", "材质=棉", "", "TEE-W-L", "4900", "3", "颜色=白; 尺寸=L", "", ""],
    ["纯棉T恤", "", "", "", "", "TEE-B-M", "5900", "0", "颜色=黑; 尺寸=M", "", ""],
    ["草稿商品", "", "", "", "draft", "DRAFT-1", "100", "", "", "", ""],
]


async def test_import_creates_products_variants_barcodes_and_stock(open_shop):
    shop = await shop_with_dairy(open_shop)
    response = await upload(shop, csv_file(CATALOG))
    assert response.status_code == 200, response.text
    assert response.json() | {"errors": []} == {
        "ok": True, "rows": 4, "products_created": 3, "products_updated": 0,
        "variants_created": 4, "variants_updated": 0, "variants_unchanged": 0, "errors": []}
    products = await admin_products(shop)
    milk = products["伊利纯牛奶 250ml"]
    assert milk["category"]["slug"] == "dairy"
    assert milk["attributes"] == {"品牌": "伊利", "保质期": "6个月"}
    variant = milk["variants"][0]
    assert (variant["price"], variant["stock"]["on_hand"], variant["weight_grams"]) == (
        350, 10, 260)
    assert variant["barcodes"] == [{"code": "6907992500133", "units": 1},
                                   {"code": "16907992500130", "units": 24}]
    tee = products["纯棉T恤"]
    assert [(v["sku"], v["options"]) for v in tee["variants"]] == [
        ("TEE-W-L", {"颜色": "白", "尺寸": "L"}), ("TEE-B-M", {"颜色": "黑", "尺寸": "M"})]
    assert tee["price_from"] == 4900
    assert products["草稿商品"]["status"] == "draft"
    found = (await shop.get("/api/v1/products?q=牛奶", admin=False)).json()["items"]
    assert [p["name"] for p in found] == ["伊利纯牛奶 250ml"]
    case = await shop.post("/api/admin/v1/inventory/receive", json={"barcode": "16907992500130"})
    assert case.json()["stock"]["on_hand"] == 34


async def test_a_file_with_one_bad_row_changes_nothing_and_names_row_and_column(open_shop):
    shop = await shop_with_dairy(open_shop)
    assert (await upload(shop, csv_file(CATALOG[:1]))).status_code == 200
    before = await admin_products(shop)
    rows = [
        ["伊利纯牛奶 250ml", "", "", "", "", "MILK-250", "400", "50", "", "", ""],  # fine
        ["蒙牛酸奶", "dairy", "", "", "", "YOG-1", "600", "5", "", "", ""],        # fine
        ["光明牛奶", "dairy", "", "", "", "GM-1", "abc", "5", "", "", ""],          # row 4
    ]
    response = await upload(shop, csv_file(rows))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"] == [{"field": "rows[4].price", "message": (
        "a whole number of minor units (fen/cents), 0 or more; got “abc”")}]
    assert "row 4, price" in problem["detail"] and "nothing was imported" in problem["detail"]
    assert problem["report"]["errors"] == [{"row": 4, "column": "price", "message": (
        "a whole number of minor units (fen/cents), 0 or more; got “abc”")}]
    assert await admin_products(shop) == before  # not the price, not the stock, no new product
    assert (await shop.get("/api/admin/v1/catalog/export")).text.count("\n") == 2


async def test_every_problem_is_reported_with_its_row_and_column(open_shop):
    shop = await shop_with_dairy(open_shop)
    assert (await upload(shop, csv_file(CATALOG[:1]))).status_code == 200
    tenant = await get_shop(shop.slug)
    vid = (await admin_products(shop))["伊利纯牛奶 250ml"]["variants"][0]["id"]
    async with db.shop_scope(tenant.id):
        await inventory.reserve(tenant.id, vid, 4)
    rows = [
        ["伊利纯牛奶 250ml", "", "", "", "", "MILK-250", "", "3", "", "", ""],      # 2 stock<4
        ["新品", "snacks", "", "", "", "NEW-1", "100", "", "", "", ""],            # 3 category
        ["新品", "", "", "", "", "NEW-1", "100", "", "", "", ""],                  # 4 dup SKU
        ["新品2", "", "", "", "", "NEW-2", "", "", "", "6907992500133", ""],       # 5 price, code
        ["", "", "", "", "", "NEW-3", "100", "", "", "", ""],                      # 6 product
        ["新品4", "", "", "", "archived", "NEW-4", "3.50", "-2", "颜色", "X*0", "1.5"],  # 7
        ["T", "", "一", "", "", "T-1", "1", "", "", "Y; Y", ""],                    # 8 code twice
        ["T", "", "二", "", "", "T-2", "1", "", "", "", ""],                       # 9 differs
    ]
    response = await upload(shop, csv_file(rows))
    assert response.status_code == 422
    found = {(e["row"], e["column"]) for e in response.json()["report"]["errors"]}
    assert found == {
        (2, "stock"), (3, "category"), (4, "sku"), (5, "price"), (5, "barcodes"),
        (6, "product"), (7, "status"), (7, "price"), (7, "stock"), (7, "options"),
        (7, "barcodes"), (7, "weight_grams"), (8, "barcodes"), (9, "description")}
    messages = {(e["row"], e["column"]): e["message"]
                for e in response.json()["report"]["errors"]}
    assert "4 units are reserved" in messages[(2, "stock")]
    assert "MILK-250" in messages[(5, "barcodes")]
    assert "3.50 yuan/dollars is 350" in messages[(7, "price")]
    assert "row 8" in messages[(9, "description")]


async def test_existing_skus_are_updated_and_stock_is_a_ledgered_stocktake(open_shop):
    shop = await shop_with_dairy(open_shop)
    assert (await upload(shop, csv_file(CATALOG))).status_code == 200
    rows = [["", "", "", "", "", "MILK-250", "380", "25", "", "", ""],   # price and count only
            ["纯棉T恤", "", "", "", "published", "TEE-B-M", "", "", "", "", "300"],
            ["纯棉T恤", "", "", "", "", "TEE-G-S", "5900", "2", "颜色=灰; 尺寸=S", "", ""]]
    response = await upload(shop, csv_file(rows, header=HEADER), name="update.csv")
    assert response.status_code == 200, response.text
    assert response.json()["products_updated"] == 2
    assert response.json()["variants_created"] == 1
    products = await admin_products(shop)
    milk = products["伊利纯牛奶 250ml"]
    assert milk["description"] == "全脂灭菌乳"  # empty cells keep what is stored
    assert (milk["variants"][0]["price"], milk["variants"][0]["stock"]["on_hand"]) == (380, 25)
    assert len(milk["variants"][0]["barcodes"]) == 2
    ledger = (await shop.get(f"/api/admin/v1/inventory/{milk['variants'][0]['id']}/ledger")
              ).json()["items"]
    assert [(m["kind"], m["on_hand_change"], m["reason"]) for m in ledger] == [
        ("adjust", 15, "import update.csv")]
    assert ledger[0]["actor"].startswith("token:")
    tee = products["纯棉T恤"]
    assert [v["sku"] for v in tee["variants"]] == ["TEE-W-L", "TEE-B-M", "TEE-G-S"]
    assert tee["variants"][1]["weight_grams"] == 300 and tee["variants"][1]["price"] == 5900


async def test_barcodes_may_move_between_variants_in_one_file(open_shop):
    shop = await shop_with_dairy(open_shop)
    assert (await upload(shop, csv_file(CATALOG))).status_code == 200
    rows = [["", "", "", "", "", "MILK-250", "", "", "", "6907992500133", ""],
            ["", "", "", "", "", "TEE-W-L", "", "", "", "16907992500130*6", ""]]
    assert (await upload(shop, csv_file(rows))).status_code == 200
    moved = (await shop.get("/api/admin/v1/barcodes/16907992500130")).json()
    assert (moved["variant"]["sku"], moved["barcode"]["units"]) == ("TEE-W-L", 6)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_export_and_import_again_changes_nothing(open_shop, fmt):
    shop = await shop_with_dairy(open_shop)
    assert (await upload(shop, csv_file(CATALOG))).status_code == 200
    tricky = {"name": "=HYPERLINK(\"http://x\")", "attributes": {"配料": "奶; 糖", "比例": "a=b"},
              "variants": [{"sku": "TRICK-1", "price": 1, "options": {"口味": "原味"}}]}
    assert (await shop.post("/api/admin/v1/products", json=tricky)).status_code == 201
    before = await admin_products(shop)

    exported = await shop.get(f"/api/admin/v1/catalog/export?format={fmt}")
    assert exported.status_code == 200
    assert f'filename="{shop.slug}-catalog.{fmt}"' in exported.headers["content-disposition"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [*HEADER, "shelf_location", "cost_price"] and len(rows) == 6
        formula = next(c for row in sheet.iter_rows() for c in row
                       if str(c.value).startswith("'=HYPERLINK"))  # apostrophe: text
        assert formula.data_type == "s"  # text, not a live formula
    else:
        assert exported.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8

    again = await upload(shop, exported.content, name=f"catalog.{fmt}")
    assert again.status_code == 200, again.text
    counts = again.json()
    assert (counts["products_created"], counts["products_updated"], counts["variants_updated"],
            counts["variants_unchanged"]) == (0, 0, 0, 5)
    assert await admin_products(shop) == before


async def test_xlsx_numbers_chinese_headers_and_gb18030_csv(open_shop):
    shop = await shop_with_dairy(open_shop)
    headers = ["商品名称", "分类", "规格编码", "价格", "库存", "条码", "重量"]
    book = xlsx_file([["伊利纯牛奶", "dairy", "M-1", 350, 10.0, 6907992500133, 260.0]],
                     header=headers)
    response = await upload(shop, book, name="商品.xlsx")
    assert response.status_code == 200, response.text
    milk = (await admin_products(shop))["伊利纯牛奶"]["variants"][0]
    assert (milk["price"], milk["stock"]["on_hand"], milk["weight_grams"]) == (350, 10, 260)
    assert milk["barcodes"] == [{"code": "6907992500133", "units": 1}]

    gbk = csv_file([["蒙牛酸奶", "dairy", "Y-1", "600", "3", "", ""]], header=headers,
                   encoding="gb18030")
    assert (await upload(shop, gbk, name="excel.csv")).status_code == 200
    assert "蒙牛酸奶" in await admin_products(shop)


@pytest.mark.parametrize(("data", "name", "field"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "x.xlsx", "rows[0].file"),
    (b"", "empty.csv", "rows[1].header"),
    (csv_file([["x", "1"]], header=["product", "price"]), "a.csv", "rows[1].sku"),
    (csv_file([["x", "S", "1", "?"]], header=["product", "sku", "price", "colour"]), "a.csv",
     "rows[1].colour"),
    (csv_file([]), "a.csv", "rows[2].sku"),
])
async def test_unreadable_files_are_422_with_a_reason(open_shop, data, name, field):
    shop = await open_shop()
    response = await upload(shop, data, name=name)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_import_needs_this_shops_token_and_honours_idempotency_keys(open_shop):
    shop, other = await open_shop(), await open_shop()
    data = csv_file([["牛奶", "", "", "", "", "M-1", "350", "1", "", "", ""]])
    forged = await shop.client.post("/api/admin/v1/catalog/import", files={"file": (
        "a.csv", data)}, headers={"host": shop.host, "authorization": f"Bearer {other.token}"})
    assert forged.status_code == 401
    first = await upload(shop, data, **{"idempotency-key": "import-1"})
    again = await upload(shop, data, **{"idempotency-key": "import-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(await admin_products(shop)) == 1


async def test_progress_is_reported_for_each_stage(open_shop):
    shop = await shop_with_dairy(open_shop)
    rows = [[f"商品{i}", "", "", "", "", f"SKU-{i}", "100", "1", "", "", ""] for i in range(30)]
    seen: dict[str, list[int]] = {}
    tenant = await get_shop(shop.slug)
    async with db.shop_scope(tenant.id):
        report = await import_catalog(tenant.id, csv_file(rows), "big.csv", actor="test",
                                      progress=lambda stage, done, total: seen.setdefault(
                                          stage, []).append((done, total)))
    assert report.ok and report.products_created == 30
    assert seen["checking"][-1] == (30, 30) and seen["saving"][-1] == (30, 30)
    assert [done for done, _ in seen["saving"]] == sorted(done for done, _ in seen["saving"])


@pytest.mark.skipif(on_postgres(), reason="the CLI is exercised on the embedded default")
def test_cli_import_and_export(tmp_path):
    env = {**os.environ, "GALLERIA_VAR_DIR": str(tmp_path),
           "GALLERIA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "galleria.cli", *args], cwd=REPO_ROOT,
                              env=env, capture_output=True, text=True, timeout=120)

    assert run("migrate").returncode == 0
    assert run("tenants", "create", "io-shop", "--name", "IO", "--owner-email",
               "io@example.com", "--owner-password", "Strong-pass-1").returncode == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_file([["牛奶", "", "", "", "", "M-1", "350", "4", "", "", ""]]))
    bad.write_bytes(csv_file([["酸奶", "", "", "", "", "Y-1", "6.00", "1", "", "", ""],
                              ["", "", "", "", "", "Z-1", "1", "", "", "", ""]]))

    imported = run("catalog", "import", "io-shop", str(good))
    assert imported.returncode == 0, imported.stderr
    assert "1 products created" in imported.stdout
    refused = run("catalog", "import", "io-shop", str(bad))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "row 2, price: prices are whole minor units" in refused.stderr
    assert "row 3, product: required" in refused.stderr
    assert "nothing was imported" in refused.stderr

    exported = run("catalog", "export", "io-shop", str(tmp_path / "out.xlsx"))
    assert exported.returncode == 0, exported.stderr
    rows = list(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows(values_only=True))
    assert [r[5] for r in rows[1:]] == ["M-1"]
    assert run("catalog", "export", "no-such-shop", str(tmp_path / "x.csv")).returncode != 0


async def test_a_shop_with_stores_has_a_stock_column_per_location(open_shop):
    shop = await shop_with_dairy(open_shop)
    assert (await upload(shop, csv_file(CATALOG))).status_code == 200
    made = await shop.post("/api/admin/v1/locations", json={
        "code": "xihu", "name": "西湖店", "kind": "store"})
    assert made.status_code == 201, made.text
    exported = await shop.get("/api/admin/v1/catalog/export?format=csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][-1] == "stock@xihu" and table[0][HEADER.index("stock")] == "stock"
    milk = next(row for row in table if row[5] == "MILK-250")
    assert (milk[HEADER.index("stock")], milk[-1]) == ("10", "0")

    counted = csv_file([["伊利纯牛奶 250ml", "", "", "", "", "MILK-250", "", "", "", "", "",
                         "7"]], header=[*HEADER, "库存@xihu"])
    done = await upload(shop, counted, name="count.csv")
    assert done.status_code == 200, done.text
    stock = (await shop.get(f"/api/admin/v1/inventory/{milk_id(await admin_products(shop))}"
                            "/locations")).json()["locations"]
    assert {row["location"]: row["on_hand"] for row in stock} == {"default": 10, "xihu": 7}

    unknown = await upload(shop, csv_file([["", "", "", "", "", "MILK-250", "", "", "", "",
                                            "", "3"]], header=[*HEADER, "stock@nowhere"]))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {"field": "rows[1].stock@nowhere",
                                           "message": "no location nowhere in this shop"}
    again = await shop.get("/api/admin/v1/catalog/export?format=csv")
    back = await upload(shop, again.content)
    assert back.status_code == 200 and back.json()["variants_updated"] == 0
    ledger = (await shop.get(f"/api/admin/v1/inventory/{milk_id(await admin_products(shop))}"
                             "/ledger?location=xihu")).json()
    assert [m["kind"] for m in ledger["items"]] == ["adjust"]  # counted once, not again


def milk_id(products):
    return products["伊利纯牛奶 250ml"]["variants"][0]["id"]

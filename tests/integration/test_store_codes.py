"""店内码 and labels (issue 20 item 6): a variant without a maker's barcode gets an EAN-13 in
the in-store range with a valid check digit, unique in the shop, found by a scan; labels
print as PDF on A4 sheets of 3 × 8 or 40 × 30 mm thermal labels."""

from __future__ import annotations

import re

from galleria.kernel.catalog.labels import ean13_modules
from galleria.kernel.catalog.store_codes import is_store_code, store_code
from galleria.kernel.gtin import gtin_problem
from galleria.testing import console_browser

MAKER = "6901234567892"
# The EAN-13 code sets as GS1 publishes them (L; G is L mirrored and inverted; R inverted).
L_CODES = ["0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011"]
FIRST_DIGIT = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
               "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def decode_ean13(modules: str) -> str:
    """Read the 95 modules back into 13 digits as a scanner does."""
    assert len(modules) == 95 and modules[:3] == "101" and modules[45:50] == "01010"
    assert modules[92:] == "101"
    left, right = modules[3:45], modules[50:92]
    digits, parity = [], ""
    for i in range(6):
        chunk = left[7 * i:7 * i + 7]
        if chunk in L_CODES:
            digits.append(L_CODES.index(chunk))
            parity += "L"
        else:
            mirrored = "".join("1" if b == "0" else "0" for b in reversed(chunk))
            digits.append(L_CODES.index(mirrored))
            parity += "G"
    for i in range(6):
        chunk = right[7 * i:7 * i + 7]
        digits.append(L_CODES.index("".join("1" if b == "0" else "0" for b in chunk)))
    return str(FIRST_DIGIT.index(parity)) + "".join(map(str, digits))


def test_store_codes_are_in_store_ean13_that_scan_back():
    for body in (0, 7, 123456, 9_999_999_999, 10**10 + 42):
        code = store_code(body)
        assert len(code) == 13 and code.startswith("20") and is_store_code(code)
        assert gtin_problem(code) is None  # the check digit a till expects
        assert decode_ean13(ean13_modules(code)) == code
    assert decode_ean13(ean13_modules(MAKER)) == MAKER
    assert not is_store_code(MAKER) and not is_store_code("2000000000000")


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(
        rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)]


async def test_a_merchant_gives_store_codes_and_prints_labels(app, open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "散装红枣", "variants": [
            {"sku": "DATE-500", "price": 2630, "options": {"规格": "500g"}},
            {"sku": "DATE-1K", "price": 4990, "options": {"规格": "1kg"},
             "barcodes": [{"code": MAKER, "units": 1}]}]})
    assert made.status_code == 201, made.text
    product = made.json()
    loose = next(v["id"] for v in product["variants"] if v["sku"] == "DATE-500")
    browser = await console_browser(app, shop)
    try:
        editor = f"/console/products/{product['id']}"
        page = await browser.get(editor)
        assert "生成店内码" in page.text and "有 1 个规格没有条码" in page.text
        given = await browser.submit(editor, f"{editor}/store-codes", {})
        assert given.status_code == 303
        after = await browser.get(given.headers["location"])
        assert "店内码已生成" in after.text and "生成店内码" not in after.text

        variants = (await shop.get(f"/api/admin/v1/products/{product['id']}")).json()[
            "variants"]
        codes = {v["sku"]: [b["code"] for b in v["barcodes"]] for v in variants}
        assert codes["DATE-1K"] == [MAKER]  # a maker's barcode is kept, not doubled
        [code] = codes["DATE-500"]
        assert is_store_code(code)
        scanned = await shop.get(f"/api/admin/v1/barcodes/{code}")
        assert scanned.status_code == 200 and scanned.json()["variant"]["id"] == loose
        again = await shop.post(f"/api/admin/v1/products/{product['id']}/store-codes")
        assert again.status_code == 200 and again.json() == {"codes": []}

        # 2 variants × 13 copies = 26 labels: two A4 sheets of 24.
        sheet = await browser.get("/console/products/labels", params={
            "ids": product["id"], "layout": "a4", "copies": 13})
        assert sheet.status_code == 200, sheet.text[:300]
        assert sheet.headers["content-type"].startswith("application/pdf")
        assert sheet.content.startswith(b"%PDF") and b"/Count 2" in sheet.content
        # The PDF viewer's tab reads the title in the merchant's language (UTF-16, BOM).
        assert b"/Title (\xfe\xff" + "商品标签".encode("utf-16-be") + b")" in sheet.content
        boxes = _media_boxes(sheet.content)
        assert len(boxes) == 2 and all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1
                                       for w, h in boxes)
        thermal = await browser.get("/console/products/labels", params={
            "ids": product["id"], "layout": "thermal", "copies": 2})
        assert b"/Count 4" in thermal.content  # one 40 × 30 mm label a page
        boxes = _media_boxes(thermal.content)
        assert len(boxes) == 4 and all(abs(w - 113.4) < 0.5 and abs(h - 85.0) < 0.5
                                       for w, h in boxes)
    finally:
        await browser.close()


async def test_labels_need_a_barcode_and_a_known_layout(open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "手工皂", "variants": [{"sku": "SOAP", "price": 1500}]})
    product_id = made.json()["id"]
    none = await shop.get("/api/admin/v1/products/labels.pdf", params={"ids": product_id})
    assert none.status_code == 422
    given = await shop.post(f"/api/admin/v1/products/{product_id}/store-codes")
    assert given.status_code == 200 and is_store_code(given.json()["codes"][0]["code"])
    pdf = await shop.get("/api/admin/v1/products/labels.pdf", params={
        "ids": product_id, "layout": "thermal"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    odd = await shop.get("/api/admin/v1/products/labels.pdf", params={
        "ids": product_id, "layout": "a5"})
    assert odd.status_code == 422

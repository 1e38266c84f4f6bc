"""Importing orders from a file (CSV or XLSX): another platform's export, one row per line.

Two formats, told apart by the header row (docs/orders-import.md lists every column):
- `generic`: our own columns, English or Chinese (`external_id`/`外部订单号`, `sku`/`规格编码`,
  `quantity`/`数量`, `unit_price`/`单价` …); amounts in yuan as written in a spreadsheet
  (`12.30`).
- `youzan`: 有赞's order export with one row per item (订单号, 订单状态, 规格编码, 商品数量,
  商品单价, 运费, 订单实付金额, 收货人/提货人, 收货人手机号/提货人手机号, 收货人省份, 收货人城市,
  收货人地区, 详细收货地址/提货地址, 买家备注); the other columns of that export are ignored.
  Orders 待付款 (not paid) and 交易关闭 (closed) are skipped: only orders to ship come in.

Rows of one order (same external id) are placed together, each order in its own
transaction through `place_channel_order`: an order whose stock is short is refused alone
(its row numbers and the SKUs short in the report), the rest come in. An order already
imported is found by its external id and left as it is, so importing a file twice creates
nothing new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from galleria.kernel.catalog.spreadsheet import FileError, cell_text, read_table
from galleria.kernel.checkout.channel_orders import (
    ChannelLine,
    ChannelOrderRequest,
    place_channel_order,
)
from galleria.kernel.errors import DomainError, ValidationFailed
from galleria.kernel.inventory.service import OutOfStock
from galleria.kernel.orders import channels
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import Shop

GENERIC, YOUZAN = "generic", "youzan"
FORMATS = (GENERIC, YOUZAN)
MAX_ORDERS = 2_000

GENERIC_COLUMNS = {
    "external_id": ("external_id", "外部订单号", "订单号"),
    "sku": ("sku", "规格编码", "商品编码"),
    "quantity": ("quantity", "数量"),
    "unit_price": ("unit_price", "单价"),
    "name": ("name", "收货人"),
    "phone": ("phone", "手机号", "收货人手机号"),
    "province": ("province", "省份", "省"),
    "city": ("city", "城市", "市"),
    "district": ("district", "区县", "区"),
    "line1": ("address", "详细地址", "地址"),
    "paid": ("paid", "已付款"),
    "payment_method": ("payment_method", "支付方式"),
    "shipping_fee": ("shipping_fee", "运费"),
    "discount": ("discount", "优惠"),
    "note": ("note", "备注"),
}
YOUZAN_COLUMNS = {
    "external_id": ("订单号",),
    "status": ("订单状态",),
    "sku": ("规格编码", "商品编码"),
    "quantity": ("商品数量",),
    "unit_price": ("商品单价",),
    "shipping_fee": ("运费",),
    "paid_amount": ("订单实付金额",),
    "name": ("收货人/提货人", "收货人"),
    "phone": ("收货人手机号/提货人手机号", "收货人手机号"),
    "province": ("收货人省份",),
    "city": ("收货人城市",),
    "district": ("收货人地区",),
    "line1": ("详细收货地址/提货地址", "详细收货地址"),
    "note": ("买家备注",),
    "payment_method": ("支付方式",),
}
REQUIRED = ("external_id", "sku", "quantity", "name", "phone", "province", "city", "line1")
YOUZAN_SKIPPED = {"待付款": "not paid on 有赞", "交易关闭": "closed on 有赞",
                  "已关闭": "closed on 有赞"}
YOUZAN_PAYMENTS = {"微信支付": "wechat", "支付宝": "alipay", "支付宝支付": "alipay"}
TRUE_TEXT = {"1", "y", "yes", "true", "paid", "是", "已付款", "已支付"}
FALSE_TEXT = {"", "0", "n", "no", "false", "unpaid", "否", "未付款", "未支付"}

# Outcomes of one order in the report
CREATED, EXISTS, REFUSED, INVALID, SKIPPED = "created", "exists", "refused", "invalid", "skipped"


@dataclass
class OrderOutcome:
    external_id: str
    rows: list[int]  # the file's row numbers (the header is row 1)
    outcome: str
    number: str | None = None
    message: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)  # short SKUs when refused
    column: str = ""  # invalid or skipped: the column at fault (`sku`, `quantity`, `status`…)
    value: str = ""  # and what it held

    def as_dict(self) -> dict[str, Any]:
        return {"external_id": self.external_id, "rows": self.rows, "outcome": self.outcome,
                "number": self.number, "message": self.message, "items": self.items,
                "column": self.column, "value": self.value}


@dataclass
class ImportReport:
    format: str
    orders: list[OrderOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for order in self.orders if order.outcome == outcome)

    def as_dict(self) -> dict[str, Any]:
        return {"format": self.format, "created": self.count(CREATED),
                "existing": self.count(EXISTS), "refused": self.count(REFUSED),
                "invalid": self.count(INVALID), "skipped": self.count(SKIPPED),
                "orders": [order.as_dict() for order in self.orders]}


def detect_format(header: list[Any]) -> str:
    names = {cell_text(cell) for cell in header}
    return YOUZAN if {"订单号", "订单状态", "商品数量"} <= names else GENERIC


def _columns(header: list[Any], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    positions: dict[str, int] = {}
    names = [cell_text(cell) for cell in header]
    lowered = [name.lower().replace(" ", "_") for name in names]
    for key, aliases in wanted.items():
        for alias in aliases:
            if alias in names:
                positions[key] = names.index(alias)
                break
            if alias.lower() in lowered:
                positions[key] = lowered.index(alias.lower())
                break
    return positions


class CellProblem(ValueError):
    """A cell that cannot be read: its column and what it held, for the report."""

    def __init__(self, message: str, column: str, value: str) -> None:
        super().__init__(message)
        self.column, self.value = column, value


def yuan(text: str, what: str, column: str = "") -> int:
    """`12.3`, `12.30`, `¥12.30`, `1,200` → fen; CellProblem saying what was wrong."""
    cleaned = re.sub(r"[¥￥,\s元]", "", text)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise CellProblem(f"{what}: an amount in yuan like 12.30, got “{text}”", column,
                          text) from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise CellProblem(f"{what}: an amount in yuan with at most 2 decimals, got “{text}”",
                          column, text)
    return int(amount * 100)


@dataclass
class _Group:
    rows: list[int] = field(default_factory=list)
    cells: list[dict[str, str]] = field(default_factory=list)


def _group(table: list[list[Any]], positions: dict[str, int]) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for index, row in enumerate(table[1:], start=2):
        cells = {key: cell_text(row[pos]) if pos < len(row) else ""
                 for key, pos in positions.items()}
        if not any(cells.values()):
            continue  # a blank line
        group = groups.setdefault(cells.get("external_id", ""), _Group())
        group.rows.append(index)
        group.cells.append(cells)
    return groups


def _request(fmt: str, channel_id: str, group: _Group, actor: str) -> ChannelOrderRequest:
    """The group's rows as one order; ValueError naming the first bad cell."""
    first = group.cells[0]
    lines = []
    for row, cells in zip(group.rows, group.cells, strict=True):
        quantity = cells.get("quantity", "")
        if not re.fullmatch(r"\d+", quantity or "x"):
            raise CellProblem(f"row {row}: quantity is a whole number, got “{quantity}”",
                              "quantity", quantity)
        price_text = cells.get("unit_price", "")
        lines.append(ChannelLine(
            sku=cells.get("sku", ""), quantity=int(quantity),
            unit_price=yuan(price_text, f"row {row} unit price", "unit_price")
            if price_text else None))
    shipping = yuan(first["shipping_fee"], "shipping fee", "shipping_fee") \
        if first.get("shipping_fee") else 0
    paid, method, discount = _payment(fmt, first, lines, shipping)
    address = {"name": first.get("name", ""), "phone": first.get("phone", ""),
               "country": "CN", "province": first.get("province", ""),
               "city": first.get("city", ""), "district": first.get("district", ""),
               "line1": first.get("line1", "")}
    return ChannelOrderRequest(
        channel=channels.IMPORT, external_id=channel_id, lines=lines,
        contact={"name": address["name"], "phone": address["phone"]}, address=address,
        paid=paid, payment_method=method, shipping_fee=shipping, discount_total=discount,
        note=first.get("note", "")[:500], actor=actor)


def _payment(fmt: str, first: dict[str, str], lines: list[ChannelLine],
             shipping: int) -> tuple[bool, str, int]:
    """(paid, payment method, discount) of an order's first row."""
    if fmt == YOUZAN:
        method = YOUZAN_PAYMENTS.get(first.get("payment_method", ""), "youzan")
        paid_text = first.get("paid_amount", "")
        if not paid_text or any(line.unit_price is None for line in lines):
            return True, method, 0
        gross = sum((line.unit_price or 0) * line.quantity for line in lines) + shipping
        return True, method, max(gross - yuan(paid_text, "订单实付金额", "paid_amount"), 0)
    text = first.get("paid", "").strip().lower()
    if text not in TRUE_TEXT | FALSE_TEXT:
        raise CellProblem(f"paid: yes or no (是/否), got “{first.get('paid')}”", "paid",
                          first.get("paid", ""))
    discount = yuan(first["discount"], "discount", "discount") if first.get("discount") else 0
    return text in TRUE_TEXT, first.get("payment_method", ""), discount


async def import_orders(shop: Shop, host: PluginHost, data: bytes, filename: str = "", *,
                        actor: str) -> ImportReport:
    """Place every order of the file that is not in the shop yet. Call OUTSIDE a shop
    scope: each order has its own transaction. Raises ValidationFailed when the file as a
    whole cannot be read (not a table, a required column missing, too many orders)."""
    try:
        table = read_table(data, filename)
    except FileError as exc:
        raise ValidationFailed(str(exc)) from None
    if not table:
        raise ValidationFailed("The file is empty")
    fmt = detect_format(table[0])
    wanted = YOUZAN_COLUMNS if fmt == YOUZAN else GENERIC_COLUMNS
    positions = _columns(table[0], wanted)
    missing = [wanted[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise ValidationFailed("The file lacks the columns " + ", ".join(missing)
                               + " (see the import format in the documentation)")
    groups = _group(table, positions)
    if len(groups) > MAX_ORDERS:
        raise ValidationFailed(f"The file has {len(groups)} orders; import at most "
                               f"{MAX_ORDERS} at a time")
    report = ImportReport(fmt)
    for external_id, group in groups.items():
        report.orders.append(await _import_one(shop, host, fmt, external_id, group, actor))
    return report


async def _import_one(shop: Shop, host: PluginHost, fmt: str, external_id: str,
                      group: _Group, actor: str) -> OrderOutcome:
    outcome = OrderOutcome(external_id, group.rows, INVALID)
    if not external_id:
        outcome.message, outcome.column = "no order id in these rows", "external_id"
        return outcome
    status = group.cells[0].get("status", "")
    if fmt == YOUZAN and status in YOUZAN_SKIPPED:
        outcome.outcome, outcome.message = SKIPPED, YOUZAN_SKIPPED[status]
        outcome.column, outcome.value = "status", status
        return outcome
    request = None
    try:
        request = _request(fmt, external_id, group, actor)
        placed = await place_channel_order(shop, host, request)
    except CellProblem as exc:
        outcome.message, outcome.column, outcome.value = str(exc), exc.column, exc.value
    except OutOfStock as exc:
        outcome.outcome, outcome.message = REFUSED, exc.detail
        outcome.items = list(exc.extra.get("items", []))
    except DomainError as exc:
        outcome.message = "; ".join([exc.detail] + [f"{e.field}: {e.message}"
                                                    for e in exc.errors])
        bad = exc.errors[0].field if exc.errors else ""
        found = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", bad)
        if found and request is not None and int(found[1]) < len(request.lines):
            line = request.lines[int(found[1])]
            outcome.column = found[2]
            outcome.value = str(getattr(line, found[2], ""))
        else:
            outcome.column = bad.split(".")[-1]
    else:
        outcome.outcome = CREATED if placed.created else EXISTS
        outcome.number = placed.number
    return outcome


__all__ = ["CREATED", "EXISTS", "FORMATS", "GENERIC", "INVALID", "REFUSED", "SKIPPED",
           "YOUZAN", "ImportReport", "OrderOutcome", "detect_format", "import_orders", "yuan"]

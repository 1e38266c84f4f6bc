"""The shop's shipping configuration, read from the plugin's settings and checked.

Three settings hold JSON documents, edited in the console (and seeded by shop templates):

`templates` — the shipping templates and which products use them::

    {"default": "标准快递",
     "templates": [{"name": "标准快递", "charge_by": "piece",
                    "first": 1, "first_fee": 800, "additional": 1, "additional_fee": 300,
                    "eta_days": [2, 4],
                    "regions": [{"codes": ["540000", "650000"], "first": 1,
                                 "first_fee": 2000, "additional": 1, "additional_fee": 1000,
                                 "eta_days": [5, 9]}],
                    "free": [{"min_amount": 9900}, {"codes": ["310000"], "min_pieces": 3}],
                    "excluded": ["710000", "810000", "820000"],
                    "products": [12, 15]}]}

`same_city` — see `local.SameCity`; `pickup_points` — see `local.PickupPoint`. Region codes
are 6-digit GB/T 2260 codes (`regions.py`); weights are grams, money minor units (fen).
`check_*` functions never raise: they return what is usable and the problems found, each
naming its place (`templates[0].regions[1].codes[0]: unknown region code 999999`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from galleria_plugins.shipping import regions
from galleria_plugins.shipping.rates import PIECE, WEIGHT, FreeRule, Rate, RegionRate, Template

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class TemplateBook:
    templates: tuple[Template, ...] = ()
    default: str | None = None

    def for_product(self, product_id: int) -> Template | None:
        for template in self.templates:
            if product_id in template.products:
                return template
        return next((t for t in self.templates if t.name == self.default), None)


class Checker:
    """Collects problems while reading a JSON document."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, at: str, message: str) -> None:
        self.problems.append(f"{at}: {message}")

    def integer(self, data: dict, key: str, at: str, *, minimum: int = 0,
                default: int | None = None, required: bool = True) -> int | None:
        value = data.get(key, default)
        if value is None:
            if required:
                self.add(f"{at}.{key}", "required")
            return None
        if type(value) is not int or value < minimum:
            self.add(f"{at}.{key}", f"a whole number of at least {minimum}")
            return default
        return value

    def number(self, data: dict, key: str, at: str, low: float, high: float) -> float | None:
        value = data.get(key)
        if type(value) not in (int, float) or not low <= value <= high:
            self.add(f"{at}.{key}", f"a number from {low} to {high}")
            return None
        return float(value)

    def text(self, data: dict, key: str, at: str, *, max_length: int = 60,
             required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(f"{at}.{key}", "required text" if required else "text")
            return ""
        if len(value) > max_length:
            self.add(f"{at}.{key}", f"at most {max_length} characters")
        return value.strip()[:max_length]

    def days(self, data: dict, key: str, at: str) -> tuple[int, int] | None:
        value = data.get(key)
        if value is None:
            return None
        if (not isinstance(value, list) or len(value) != 2
                or any(type(v) is not int or v < 0 for v in value) or value[0] > value[1]):
            self.add(f"{at}.{key}", "[fewest, most] days, e.g. [2, 4]")
            return None
        return (value[0], value[1])

    def codes(self, data: dict, key: str, at: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.add(f"{at}.{key}", "a list of region codes")
            return ()
        out = []
        for i, code in enumerate(value):
            if regions.region(str(code)) is None:
                self.add(f"{at}.{key}[{i}]", f"unknown region code {code}")
            else:
                out.append(str(code))
        return tuple(out)

    def items(self, data: Any, key: str, at: str) -> list[tuple[str, dict]]:
        value = data.get(key, []) if isinstance(data, dict) else None
        if not isinstance(value, list):
            self.add(f"{at}.{key}" if at else key, "a list")
            return []
        out = []
        for i, item in enumerate(value):
            where = f"{at}.{key}[{i}]" if at else f"{key}[{i}]"
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.add(where, "an object")
        return out


def parse_json(raw: Any, name: str, checker: Checker) -> Any:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError as exc:
        checker.add(name, f"not valid JSON ({exc.msg} at line {exc.lineno})")
        return None


def _rate(data: dict, at: str, c: Checker) -> Rate:
    return Rate(first_units=c.integer(data, "first", at, minimum=1, default=1) or 1,
                first_fee=c.integer(data, "first_fee", at, default=0) or 0,
                additional_units=c.integer(data, "additional", at, minimum=1, default=1) or 1,
                additional_fee=c.integer(data, "additional_fee", at, default=0) or 0,
                eta_days=c.days(data, "eta_days", at))


def _template(data: dict, at: str, c: Checker) -> Template:
    charge_by = data.get("charge_by", PIECE)
    if charge_by not in (PIECE, WEIGHT):
        c.add(f"{at}.charge_by", "piece or weight")
        charge_by = PIECE
    free = []
    for where, rule in c.items(data, "free", at):
        free.append(FreeRule(codes=c.codes(rule, "codes", where),
                             min_amount=c.integer(rule, "min_amount", where, required=False),
                             min_pieces=c.integer(rule, "min_pieces", where, minimum=1,
                                                  required=False)))
    products = data.get("products", [])
    if not isinstance(products, list) or any(type(p) is not int for p in products):
        c.add(f"{at}.products", "a list of product ids")
        products = []
    return Template(
        name=c.text(data, "name", at), rate=_rate(data, at, c), charge_by=charge_by,
        regions=tuple(RegionRate(c.codes(rule, "codes", where), _rate(rule, where, c))
                      for where, rule in c.items(data, "regions", at)),
        free=tuple(free), excluded=c.codes(data, "excluded", at), products=tuple(products))


def check_templates(raw: Any) -> tuple[TemplateBook, list[str]]:
    """The template book in setting `templates`, and its problems."""
    c = Checker()
    data = parse_json(raw, "templates", c)
    if data is None:
        return TemplateBook(), c.problems
    if not isinstance(data, dict):
        c.add("templates", 'an object: {"default": …, "templates": […]}')
        return TemplateBook(), c.problems
    templates = [_template(item, where, c) for where, item in c.items(data, "templates", "")]
    names = [t.name for t in templates]
    for name in {n for n in names if names.count(n) > 1}:
        c.add("templates", f"two templates are named {name}")
    default = data.get("default")
    if default is not None and default not in names:
        c.add("default", f"no template named {default}")
        default = None
    return TemplateBook(tuple(templates), default), c.problems


def check_time(value: Any, at: str, c: Checker) -> str:
    if not isinstance(value, str) or not TIME_RE.match(value):
        c.add(at, "a time such as 09:30")
        return "00:00"
    return value


__all__ = ["Checker", "TemplateBook", "check_templates", "check_time", "parse_json"]

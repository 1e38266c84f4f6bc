"""Shop templates and demo shops, declared as TOML under `tenants/` (see docs/templates.md).

Pure: parses and validates, touches no database. Every problem becomes a `TemplateError`
naming the file and the field path, e.g.
`tenants/templates/grocery.toml: products[3].variants[0].price: Expected int >= 0, got -5`.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

_COLOR = r"^#[0-9a-fA-F]{6}$"
_SLUG = r"^[a-z0-9][a-z0-9-]*$"


class TemplateError(ValueError):
    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class BarcodeDef(_Strict):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    units: Annotated[int, msgspec.Meta(ge=1)] = 1


class VariantDef(_Strict):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    price: Annotated[int, msgspec.Meta(ge=0)]  # minor units (fen)
    stock: Annotated[int, msgspec.Meta(ge=0)] = 0
    options: dict[str, str] = {}
    weight_grams: Annotated[int, msgspec.Meta(ge=0)] | None = None
    barcodes: list[BarcodeDef] = []


class ProductDef(_Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    category: str
    variants: Annotated[list[VariantDef], msgspec.Meta(min_length=1)]
    name_en: str | None = None
    description: str = ""
    attributes: dict[str, str] = {}
    images: list[str] = []


class CategoryDef(_Strict):
    slug: Annotated[str, msgspec.Meta(pattern=_SLUG, max_length=64)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    name_en: str | None = None
    parent: str | None = None


class _TemplateFile(_Strict):
    title: str
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "CNY"
    locale: Annotated[str, msgspec.Meta(pattern=r"^(zh_CN|en)$")] = "zh_CN"
    timezone: str = "Asia/Shanghai"
    theme_color: Annotated[str, msgspec.Meta(pattern=_COLOR)] = "#e11d48"
    logo: str | None = None
    plugins: list[str] = []
    plugin_settings: dict[str, dict[str, object]] = {}
    categories: list[CategoryDef] = []
    products: list[ProductDef] = []


class ShopTemplate(_TemplateFile):
    """A template a new shop starts from; `name` is the file's stem."""

    name: str = ""


class DemoShop(_Strict):
    slug: Annotated[str, msgspec.Meta(pattern=_SLUG, min_length=3, max_length=40)]
    name: str
    template: str
    owner_email: str
    owner_password: str
    theme_color: Annotated[str, msgspec.Meta(pattern=_COLOR)] | None = None
    locale: Annotated[str, msgspec.Meta(pattern=r"^(zh_CN|en)$")] | None = None
    path: str = ""  # the file it came from


def default_root() -> Path:
    """The repository's `tenants/` folder, or `GALLERIA_TENANTS_DIR`."""
    configured = os.environ.get("GALLERIA_TENANTS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "tenants"


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(path, f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise TemplateError(path, f"cannot be read: {exc.strerror}") from None


def _convert(path: Path, data: dict, kind: type) -> object:
    try:
        return msgspec.convert(data, kind, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = re.search(r" - at `\$\.?(.*)`$", message)
        if match:
            message = f"{match.group(1)}: {message[: match.start()]}"
        raise TemplateError(path, message) from None


def load_template(path: Path, root: Path | None = None) -> ShopTemplate:
    """Parse and check one template; image paths are relative to `root` (tenants/)."""
    path = Path(path)
    root = root or path.parent.parent
    parsed = _convert(path, _read(path), _TemplateFile)
    template = ShopTemplate(**msgspec.structs.asdict(parsed), name=path.stem)
    _check_references(path, template, root)
    return template


def _check_references(path: Path, t: ShopTemplate, root: Path) -> None:
    try:
        ZoneInfo(t.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TemplateError(path, f"timezone: unknown time zone {t.timezone!r}") from None
    slugs: set[str] = set()
    for i, category in enumerate(t.categories):
        if category.slug in slugs:
            raise TemplateError(path, f"categories[{i}].slug: {category.slug!r} appears twice")
        if category.parent is not None and category.parent not in slugs:
            raise TemplateError(path, f"categories[{i}].parent: no category {category.parent!r}"
                                      " declared before it")
        slugs.add(category.slug)
    if t.logo and not (root / t.logo).is_file():
        raise TemplateError(path, f"logo: no file {t.logo}")
    skus: set[str] = set()
    codes: set[str] = set()
    for i, product in enumerate(t.products):
        at = f"products[{i}]"
        if product.category not in slugs:
            raise TemplateError(path, f"{at}.category: no category {product.category!r}")
        for j, image in enumerate(product.images):
            if not (root / image).is_file():
                raise TemplateError(path, f"{at}.images[{j}]: no file {image}")
        for j, variant in enumerate(product.variants):
            if variant.sku in skus:
                raise TemplateError(path, f"{at}.variants[{j}].sku: {variant.sku!r} appears twice")
            skus.add(variant.sku)
            for k, barcode in enumerate(variant.barcodes):
                if barcode.code in codes:
                    raise TemplateError(path, f"{at}.variants[{j}].barcodes[{k}].code: "
                                              f"{barcode.code!r} appears twice")
                codes.add(barcode.code)


def load_templates(root: Path) -> dict[str, ShopTemplate]:
    """Every `root/templates/*.toml`, by name."""
    return {p.stem: load_template(p, root) for p in sorted((root / "templates").glob("*.toml"))}


def load_demo_shops(root: Path, templates: dict[str, ShopTemplate]) -> list[DemoShop]:
    """Every `root/demo/*.toml`; each must name a template that exists."""
    shops = []
    for path in sorted((root / "demo").glob("*.toml")):
        data = _read(path)
        shop = _convert(path, {**data, "path": str(path)}, DemoShop)
        if shop.template not in templates:
            raise TemplateError(path, f"template: no template {shop.template!r} "
                                      f"(have {', '.join(sorted(templates))})")
        shops.append(shop)
    return shops

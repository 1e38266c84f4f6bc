"""Shop templates and demo shops, declared as TOML under `tenants/` (schema: docs/templates.md).

Pure (tomllib + msgspec; no database, no web). Every problem is a `TemplateError` naming the
file and the field, e.g.
`tenants/templates/grocery.toml: products[3].variants[0].price: Expected int >= 0, got -5`.
A template that loads is safe to seed: categories come before their children, products name
a declared category and have a variant or more, SKUs and barcodes are unique in the template,
prices are whole fen, and the logo and every image is an image file under the root.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.util
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from galleria.kernel.gtin import gtin_check_digit

_COLOR, _CURRENCY, _EMAIL = r"^#[0-9a-fA-F]{6}$", r"^[A-Z]{3}$", r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_SLUG = r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$"  # as a shop's address (tenancy.shops)
_CATEGORY, _PLUGIN = r"^[a-z0-9][a-z0-9-]{0,63}$", r"^[a-z][a-z0-9_]{0,63}$"
_SAYS = {_COLOR: 'a colour "#rrggbb"', _CURRENCY: "an ISO 4217 code such as CNY",
         _EMAIL: "an email address", _SLUG: "3–40 of a-z, 0-9 and inner hyphens",
         _CATEGORY: "a slug of a-z, 0-9 and -", _PLUGIN: "a plugin name of a-z, 0-9 and _"}
Locale = Literal["zh_CN", "en"]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Count = Annotated[int, msgspec.Meta(ge=0)]


class TemplateError(ValueError):
    """A template or demo-shop file is unusable; `str()` is "<file>: <field path>: <why>"
    (the file relative to the working directory when it lies inside it)."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path, self.message = Path(path), message
        shown = os.path.relpath(path) if self.path.resolve().is_relative_to(Path.cwd()) else path
        super().__init__(f"{shown}: {message}")


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class BarcodeDef(_Strict):
    """A unit barcode (`units = 1`) or a case barcode that stands for `units` pieces."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{1,64}$")]
    units: Annotated[int, msgspec.Meta(ge=1)] = 1


class VariantDef(_Strict):
    """One SKU, what is stocked and sold; `price` in minor units (fen): 350 is ¥3.50."""

    sku: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    price: Count
    stock: Count = 0
    options: dict[str, str] = {}
    weight_grams: Count | None = None
    barcodes: list[BarcodeDef] = []


class ProductDef(_Strict):
    """A product; `images` are paths relative to the tenants/ folder."""

    name: Text
    category: str
    variants: list[VariantDef]
    name_en: str | None = None
    description: str = ""
    attributes: dict[str, str] = {}
    images: list[str] = []


class CategoryDef(_Strict):
    slug: Annotated[str, msgspec.Meta(pattern=_CATEGORY)]
    name: Text
    name_en: str | None = None
    parent: str | None = None


class _TemplateFile(_Strict):
    title: Text
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    currency: Annotated[str, msgspec.Meta(pattern=_CURRENCY)] = "CNY"
    locale: Locale = "zh_CN"
    timezone: str = "Asia/Shanghai"
    theme_color: Annotated[str, msgspec.Meta(pattern=_COLOR)] = "#e11d48"
    logo: str | None = None
    plugins: list[Annotated[str, msgspec.Meta(pattern=_PLUGIN)]] = []
    plugin_settings: dict[str, dict[str, Any]] = {}
    categories: list[CategoryDef] = []
    products: list[ProductDef] = []


class ShopTemplate(_TemplateFile, kw_only=True):
    """What a new shop starts from; `name` is the file's stem (`grocery`)."""

    name: str


class _DemoFile(_Strict):
    slug: Annotated[str, msgspec.Meta(pattern=_SLUG)]
    name: Text
    template: str
    owner_email: Annotated[str, msgspec.Meta(pattern=_EMAIL)]
    owner_password: Annotated[str, msgspec.Meta(min_length=10, max_length=256)]
    theme_color: Annotated[str, msgspec.Meta(pattern=_COLOR)] | None = None
    locale: Locale | None = None


class DemoShop(_DemoFile, kw_only=True):
    """A shop the demo seeding opens from `template`; `path` is the file it came from."""

    path: Path


# For "unknown field" errors: the struct met at a field path (list indices dropped).
_SHAPES: dict[type, dict[str, type]] = {_DemoFile: {"": _DemoFile}, _TemplateFile: {
    "": _TemplateFile, "categories": CategoryDef, "products": ProductDef,
    "products.variants": VariantDef, "products.variants.barcodes": BarcodeDef}}
_KINDS = {bool: "bool", int: "int", float: "float", str: "str", list: "array", dict: "object",
          dt.datetime: "datetime", dt.date: "date", dt.time: "time"}


def default_root() -> Path:
    """`$GALLERIA_TENANTS_DIR` if set, else the shipped `galleria.tenants` data package.

    That package is the repository's `tenants/` folder (setup.py maps it), so an editable
    install reads the folder itself and a wheel install the copy the wheel carries.
    """
    configured = os.environ.get("GALLERIA_TENANTS_DIR")
    if configured:
        return Path(configured)
    # A namespace package: its real folder is the one search location that is a directory
    # (an editable install adds a path-hook entry next to it).
    spec = importlib.util.find_spec("galleria.tenants")
    folders = [Path(p) for p in (spec.submodule_search_locations or []) if Path(p).is_dir()]
    if not folders:
        raise RuntimeError("the galleria.tenants data package is not installed")
    return folders[0]


def _parse(path: Path, kind: type) -> Any:
    """The file as `kind` (strict: no coercion); errors become "field.path: Expected …"."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise TemplateError(path, f"not readable as TOML: {exc}") from None
    try:
        return msgspec.convert(data, kind, strict=True)
    except msgspec.ValidationError as exc:
        raise TemplateError(path, _explain(str(exc), data, kind)) from None


def _explain(error: str, data: Any, kind: type) -> str:
    what, _, where = error.partition(" - at `$")
    value, field = data, ""
    for step in re.findall(r"[^.\[\]]+|\[[^\]]*\]", where.rstrip("`")):
        if step == "[...]":  # a dict value: msgspec does not name the key, find it
            got = re.search(r"got `(\w+)`", what)
            step = next((k for k, v in getattr(value, "items", dict)()
                         if got and _KINDS.get(type(v)) == got.group(1)), "...")
            field += f".{step}" if re.fullmatch(r"[\w-]+", step) else f"[{step!r}]"
        else:
            field += step if step[0] == "[" else f".{step}"
            step = int(step[1:-1]) if step[0] == "[" else step
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            value = None
    field = field.lstrip(".")
    value = "(hidden)" if "password" in field else value
    if m := re.match(r"Object (contains unknown|missing required) field `(.+)`", what):
        at = f"{field}.{m.group(2)}" if field else m.group(2)
        if m.group(1) == "missing required":
            return f"{at}: required field missing"
        shape = _SHAPES[kind].get(re.sub(r"\[\d+\]", "", field))
        allowed = list(shape.__struct_fields__ if shape else ())
        close = difflib.get_close_matches(m.group(2), allowed, n=1)
        hint = f"did you mean {close[0]}?" if close else "allowed: " + ", ".join(allowed)
        return f"{at}: unknown field ({hint})"
    what = what.replace("`", "").replace("Invalid enum value", "Expected zh_CN or en, got")
    if m := re.match(r"Expected str matching regex '(.+)'$", what):
        what = f"Expected {_SAYS.get(m.group(1), 'a string matching ' + m.group(1))}"
    if "got" not in what:
        what += f", got {value!r}"
    elif not isinstance(value, dict | list | None):
        what += f" {value!r}"
    if what.startswith("Expected int, got float") and field.endswith("price") and abs(value) < 1e12:
        what += f": prices are whole minor units (fen), e.g. {round(value * 100)} for {value}"
    return f"{field}: {what}"


def load_template(path: Path | str, root: Path | None = None) -> ShopTemplate:
    """Parse and check one template. Logo and image paths are relative to `root`, the
    tenants/ folder (by default the file's grandparent). Raises `TemplateError`."""
    path = Path(path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", path.stem):
        raise TemplateError(path, "file name: 1–40 of a-z, 0-9, - and _ (it is the name)")
    template = ShopTemplate(**msgspec.structs.asdict(_parse(path, _TemplateFile)),
                            name=path.stem)
    if problem := _problem(template, path.parent.parent if root is None else Path(root)):
        raise TemplateError(path, problem)
    return template


def _problem(t: ShopTemplate, root: Path) -> str | None:
    """The first cross-reference problem of `t`, as "field.path: why"; None if it has none."""
    try:
        ZoneInfo(t.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"timezone: unknown time zone {t.timezone!r} (an IANA name: Asia/Shanghai)"
    for i, name in enumerate(t.plugins):
        if name in t.plugins[:i]:
            return f"plugins[{i}]: {name!r} appears twice"
    for name in t.plugin_settings:
        if name not in t.plugins:
            return f"plugin_settings.{name}: plugin {name!r} is not in plugins"
    if t.logo is not None and (problem := _image_problem(root, t.logo)):
        return f"logo: {problem}"
    slugs: list[str] = []
    for i, c in enumerate(t.categories):
        if c.slug in slugs:
            return f"categories[{i}].slug: {c.slug!r} appears twice"
        if c.parent is not None and c.parent not in slugs:
            return f"categories[{i}].parent: no category {c.parent!r} declared before it"
        slugs.append(c.slug)
    names: set[str] = set()
    skus: dict[str, str] = {}  # SKU -> where first used; the same for barcodes
    codes: dict[str, str] = {}
    for i, product in enumerate(t.products):
        at, variants = f"products[{i}]", product.variants
        if product.name in names:
            return f"{at}.name: {product.name!r} appears twice"
        names.add(product.name)
        if product.category not in slugs:
            return f"{at}.category: no category {product.category!r} (have: {', '.join(slugs)})"
        for j, image in enumerate(product.images):
            if problem := _image_problem(root, image):
                return f"{at}.images[{j}]: {problem}"
        if not variants:
            return f"{at}.variants: at least one variant is needed"
        for j, v in enumerate(variants):
            vat = f"{at}.variants[{j}]"
            same_names = v.options and v.options.keys() == variants[0].options.keys()
            if len(variants) > 1 and not same_names:
                return (f"{vat}.options: variants of one product need the same, non-empty option"
                        f" names (variants[0] has {sorted(variants[0].options)})")
            if v.options in [w.options for w in variants[:j]]:
                return f"{vat}.options: {v.options} is taken by another variant"
            if v.sku in skus:
                return f"{vat}.sku: {v.sku!r} is already used by {skus[v.sku]}"
            skus[v.sku] = vat
            for k, b in enumerate(v.barcodes):
                bat = f"{vat}.barcodes[{k}]"
                if b.code in codes:
                    return f"{bat}.code: {b.code!r} is already used by {codes[b.code]}"
                codes[b.code] = bat
                if (digit := gtin_check_digit(b.code)) not in (None, b.code[-1]):
                    return f"{bat}.code: {b.code!r} should end in the check digit {digit}"
    return None


def _image_problem(root: Path, image: str) -> str | None:
    if Path(image).is_absolute() or ".." in Path(image).parts:
        return f"{image!r} must be a path inside {root.name}/"
    if not (root / image).is_file():
        return f"no file {image} (looked in {root})"
    with (root / image).open("rb") as handle:
        head = handle.read(12)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or head[8:] == b"WEBP":
        return None
    return f"{image} is not a PNG, JPEG or WebP image"


def load_templates(root: Path | None = None) -> dict[str, ShopTemplate]:
    """Every `root/templates/*.toml` by name; `root` defaults to `default_root()`."""
    root = default_root() if root is None else Path(root)
    return {p.stem: load_template(p, root) for p in sorted((root / "templates").glob("*.toml"))}


def load_demo_shops(root: Path | None, templates: dict[str, ShopTemplate]) -> list[DemoShop]:
    """Every `root/demo/*.toml` in file-name order. Each names one of `templates`, has its
    own slug and owner email, and a password of 10+ characters of two kinds or more."""
    root = default_root() if root is None else Path(root)
    shops: list[DemoShop] = []
    for path in sorted((root / "demo").glob("*.toml")):
        shop = DemoShop(**msgspec.structs.asdict(_parse(path, _DemoFile)), path=path)
        if shop.template not in templates:
            raise TemplateError(path, f"template: no template {shop.template!r} "
                                      f"(have: {', '.join(sorted(templates))})")
        kinds = {c.islower() + 2 * c.isupper() + 4 * c.isdigit() for c in shop.owner_password}
        if len(kinds) < 2:
            raise TemplateError(path, "owner_password: mix two or more of lowercase, uppercase,"
                                      " digits and symbols")
        for other in shops:
            if field := next((f for f in ("slug", "owner_email")
                              if getattr(other, f) == getattr(shop, f)), None):
                raise TemplateError(path, f"{field}: already used by {other.path.name}")
        shops.append(shop)
    return shops

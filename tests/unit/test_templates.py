"""Shop templates and demo shops under tenants/: the shipped files load, broken files are
refused with a TemplateError that names the file and the exact field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from galleria.kernel.tenancy.templates import (
    ShopTemplate,
    TemplateError,
    default_root,
    load_demo_shops,
    load_template,
    load_templates,
)

ROOT = default_root()


# -- what ships ------------------------------------------------------------------------------
def test_default_root_is_the_repository_tenants_folder(monkeypatch):
    monkeypatch.delenv("GALLERIA_TENANTS_DIR", raising=False)
    assert default_root() == Path(__file__).resolve().parents[2] / "tenants"
    monkeypatch.setenv("GALLERIA_TENANTS_DIR", "/srv/galleria/tenants")
    assert default_root() == Path("/srv/galleria/tenants")


def test_shipped_templates_load():
    templates = load_templates(ROOT)
    assert {"blank", "grocery", "appliances"} <= set(templates)
    for name, template in templates.items():
        assert template.name == name
        assert template.title and template.title_en
        assert template.logo is None or (ROOT / template.logo).is_file()
    blank = templates["blank"]
    assert blank.products == [] and blank.categories == []
    # A new merchant's shop that sells goods sees buyers' reviews working from day one.
    for name in ("grocery", "appliances", "teahouse"):
        assert "reviews" in templates[name].plugins, name


@pytest.mark.parametrize("name", ["grocery", "appliances"])
def test_rich_templates_have_products_with_images(name):
    template = load_templates(ROOT)[name]
    assert len(template.categories) >= 5
    assert any(c.parent for c in template.categories), "one category nested under another"
    assert len(template.products) >= 12
    assert sum(len(p.variants) > 1 for p in template.products) >= 3
    for product in template.products:
        assert product.name_en and product.description and product.attributes
        assert product.images
        for image in product.images:
            path = ROOT / image
            assert path.is_file(), image
            assert path.stat().st_size <= 40 * 1024, f"{image} is larger than 40 KB"
            with Image.open(path) as picture:
                assert (picture.format, picture.size) == ("PNG", (800, 800))
        for variant in product.variants:
            assert isinstance(variant.price, int) and variant.price > 0
            assert any(b.units == 1 and re.fullmatch(r"\d{13}", b.code) for b in variant.barcodes)


def test_grocery_has_what_search_and_receiving_need():
    grocery = load_templates(ROOT)["grocery"]
    names = [p.name for p in grocery.products]
    assert any("牛奶" in n for n in names)  # a two-character Chinese term
    assert any("250ml" in n for n in names)  # mixed text
    assert {b.units for p in grocery.products for v in p.variants for b in v.barcodes} >= {
        1, 12, 24}
    specs = {key for p in grocery.products for key in p.attributes}
    assert {"品牌", "产地", "规格", "保质期"} <= specs
    milk = next(p for p in grocery.products if "牛奶" in p.name)
    assert [v.options["规格"] for v in milk.variants] == ["250ml", "1L"]


def test_appliances_have_tv_sizes_and_specs():
    appliances = load_templates(ROOT)["appliances"]
    tv = next(p for p in appliances.products if "电视" in p.name)
    assert [v.options["尺寸"] for v in tv.variants] == ["55英寸", "65英寸", "75英寸"]
    for product in appliances.products:
        assert "保修" in product.attributes and "型号" in product.attributes


def test_shipped_demo_shops_load():
    templates = load_templates(ROOT)
    shops = {shop.slug: shop for shop in load_demo_shops(ROOT, templates)}
    assert {"corner-grocery", "city-appliances", "tea-house"} <= set(shops)
    assert shops["corner-grocery"].template == "grocery"
    assert shops["city-appliances"].template == "appliances"
    assert shops["tea-house"].locale == "en"
    for slug, shop in shops.items():
        assert shop.owner_email == f"owner@{slug}.example"
        assert shop.path.parent == ROOT / "demo"
        password = shop.owner_password
        assert len(password) >= 10 and not password.isalnum() and not password.islower()
        assert password in shop.path.read_text(encoding="utf-8")  # documented in the file


# -- broken files ----------------------------------------------------------------------------
BASE = """\
title = "测试小店"
theme_color = "#16a34a"

[[categories]]
slug = "dairy"
name = "乳品"

[[categories]]
slug = "milk"
name = "牛奶"
parent = "dairy"

[[products]]
name = "纯牛奶"
category = "milk"
images = ["images/milk.png"]
attributes = { "品牌" = "晨光牧场" }

[[products.variants]]
sku = "MILK-250"
price = 350
stock = 24
options = { "规格" = "250ml" }
barcodes = [{ code = "2100001010003" }, { code = "12100001010000", units = 24 }]

[[products.variants]]
sku = "MILK-1L"
price = 1290
stock = 6
options = { "规格" = "1L" }
barcodes = [{ code = "2100001020002" }]

[[products]]
name = "酸奶"
category = "dairy"

[[products.variants]]
sku = "YOGURT-200"
price = 590
barcodes = [{ code = "2100002010002" }]
"""


def write_template(root: Path, text: str, name: str = "shop") -> Path:
    (root / "images").mkdir(exist_ok=True)
    Image.new("RGB", (8, 8), "#16a34a").save(root / "images" / "milk.png")
    path = root / "templates" / f"{name}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    """The message of the TemplateError loading `path` raises, after checking it names the file."""
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ") or str(caught.value).startswith(
        f"{path.name}: ")
    return caught.value.message


def test_the_base_of_the_broken_files_loads(tmp_path):
    template = load_template(write_template(tmp_path, BASE))
    assert isinstance(template, ShopTemplate) and template.name == "shop"
    assert [p.name for p in template.products] == ["纯牛奶", "酸奶"]
    assert template.products[0].variants[0].barcodes[1].units == 24
    assert template.products[1].variants[0].barcodes[0].units == 1  # the default


BROKEN = {
    "unknown field": (
        BASE.replace("stock = 24", 'stock = 24\ncolour = "white"'),
        "products[0].variants[0].colour: unknown field"),
    "unknown top-level field, with a suggestion": (
        BASE.replace("theme_color =", "theme_colour ="),
        "theme_colour: unknown field (did you mean theme_color?)"),
    "float price": (
        BASE.replace("price = 1290", "price = 12.9"),
        "products[0].variants[1].price: Expected int, got float 12.9: prices are whole minor "
        "units (fen), e.g. 1290 for 12.9"),
    "price as text": (
        BASE.replace("price = 590", 'price = "5.90"'),
        "products[1].variants[0].price: Expected int, got str '5.90'"),
    "negative stock": (
        BASE.replace("stock = 6", "stock = -5"),
        "products[0].variants[1].stock: Expected int >= 0, got -5"),
    "missing category": (
        BASE.replace('category = "dairy"', 'category = "drinks"'),
        "products[1].category: no category 'drinks' (have: dairy, milk)"),
    "parent category missing": (
        BASE.replace('parent = "dairy"', 'parent = "fresh"'),
        "categories[1].parent: no category 'fresh' declared before it"),
    "duplicate SKU": (
        BASE.replace('sku = "YOGURT-200"', 'sku = "MILK-250"'),
        "products[1].variants[0].sku: 'MILK-250' is already used by products[0].variants[0]"),
    "duplicate barcode": (
        BASE.replace('code = "2100002010002"', 'code = "2100001020002"'),
        "products[1].variants[0].barcodes[0].code: '2100001020002' is already used by "
        "products[0].variants[1].barcodes[0]"),
    "wrong check digit": (
        BASE.replace('code = "2100002010002"', 'code = "2100002010001"'),
        "products[1].variants[0].barcodes[0].code: '2100002010001' should end in the check "
        "digit 2"),
    "case of zero units": (
        BASE.replace("units = 24", "units = 0"),
        "products[0].variants[0].barcodes[1].units: Expected int >= 1, got 0"),
    "missing image": (
        BASE.replace("images/milk.png", "images/nope.png"),
        "products[0].images[0]: no file images/nope.png"),
    "image outside the root": (
        BASE.replace("images/milk.png", "../milk.png"),
        "products[0].images[0]: '../milk.png' must be a path inside"),
    "no variant": (
        BASE.split("[[products.variants]]\nsku = \"YOGURT-200\"")[0] + "variants = []\n",
        "products[1].variants: at least one variant is needed"),
    "variant without its options": (
        BASE.replace('options = { "规格" = "1L" }\n', ""),
        "products[0].variants[1].options: variants of one product need the same, non-empty "
        "option names (variants[0] has ['规格'])"),
    "missing required field": (
        BASE.replace('sku = "MILK-1L"\n', ""),
        "products[0].variants[1].sku: required field missing"),
    "attribute that is not text": (
        BASE.replace('"品牌" = "晨光牧场"', '"品牌" = "晨光牧场", "保质期" = 6'),
        "products[0].attributes.保质期: Expected str, got int 6"),
    "bad timezone": (
        'timezone = "Asia/Beijing"\n' + BASE,
        "timezone: unknown time zone 'Asia/Beijing'"),
    "bad theme colour": (
        BASE.replace('theme_color = "#16a34a"', 'theme_color = "green"'),
        "theme_color: Expected a colour \"#rrggbb\", got 'green'"),
    "bad locale": (
        'locale = "zh"\n' + BASE, "locale: Expected zh_CN or en, got 'zh'"),
    "settings of a plugin not enabled": (
        BASE.replace('theme_color = "#16a34a"',
                     'theme_color = "#16a34a"\nplugins = ["shipping"]\n'
                     'plugin_settings = { marketing = { points = true } }'),
        "plugin_settings.marketing: plugin 'marketing' is not in plugins"),
    "not TOML": (BASE + "\n[[products\n", "not readable as TOML: "),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_template_is_refused_naming_file_and_field(tmp_path, case):
    text, expected = BROKEN[case]
    message = refusal(write_template(tmp_path, text))
    assert message.startswith(expected), message


def test_load_templates_stops_at_the_broken_file(tmp_path):
    write_template(tmp_path, BASE, "good")
    bad = write_template(tmp_path, BASE.replace("stock = 6", "stock = -1"), "bad")
    with pytest.raises(TemplateError) as caught:
        load_templates(tmp_path)
    assert caught.value.path == bad
    assert "bad.toml: products[0].variants[1].stock: Expected int >= 0, got -1" in str(
        caught.value)


DEMO = """\
slug = "milk-bar"
name = "牛奶吧"
template = "shop"
owner_email = "owner@milk-bar.example"
owner_password = "MilkBar-2024!"
"""


def write_demo(root: Path, text: str, name: str = "milk-bar") -> Path:
    path = root / "demo" / f"{name}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_shop_loads_from_a_tmp_root(tmp_path):
    write_template(tmp_path, BASE)
    path = write_demo(tmp_path, DEMO + 'locale = "en"\n')
    [shop] = load_demo_shops(tmp_path, load_templates(tmp_path))
    assert (shop.slug, shop.template, shop.locale, shop.path) == ("milk-bar", "shop", "en", path)


@pytest.mark.parametrize(("text", "expected"), [
    (DEMO.replace('template = "shop"', 'template = "bakery"'),
     "template: no template 'bakery' (have: shop)"),
    (DEMO.replace('owner_password = "MilkBar-2024!"', 'owner_password = "milkbarmilk"'),
     "owner_password: mix two or more of lowercase, uppercase, digits and symbols"),
    (DEMO.replace('owner_password = "MilkBar-2024!"', 'owner_password = "Short-1"'),
     "owner_password: Expected str of length >= 10"),
    (DEMO.replace('slug = "milk-bar"', 'slug = "Milk Bar"'),
     "slug: Expected 3–40 of a-z, 0-9 and inner hyphens, got 'Milk Bar'"),
    (DEMO + 'theme = "dark"\n', "theme: unknown field (did you mean theme_color?)"),
], ids=["unknown template", "weak password", "short password", "bad slug", "unknown field"])
def test_broken_demo_shop_is_refused_naming_file_and_field(tmp_path, text, expected):
    write_template(tmp_path, BASE)
    path = write_demo(tmp_path, text)
    with pytest.raises(TemplateError) as caught:
        load_demo_shops(tmp_path, load_templates(tmp_path))
    assert caught.value.path == path
    assert f"milk-bar.toml: {expected}" in str(caught.value)


def test_two_demo_shops_cannot_share_a_slug(tmp_path):
    write_template(tmp_path, BASE)
    write_demo(tmp_path, DEMO, "a")
    second = write_demo(tmp_path, DEMO.replace("owner@", "boss@"), "b")
    with pytest.raises(TemplateError) as caught:
        load_demo_shops(tmp_path, load_templates(tmp_path))
    assert caught.value.path == second
    assert caught.value.message == "slug: already used by a.toml"

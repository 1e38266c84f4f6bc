"""Synthetic grocery catalogs for the benchmarks: shops, categories, products, variants,
stock, barcodes, pictures and the search index, generated row by row as the app would store
them (`catalog.search.searchable_text` / `index_terms`, `price_min` as `refresh_product`
computes it) and handed to a bulk loader (PostgreSQL COPY or SQLite executemany).

Everything is deterministic for a given seed: shop `k` always gets the same products.
Row ids are given, not drawn from sequences, so that shops can be generated in parallel:
variant, stock and barcode ids are `2 * product_id + n` (n = 0, 1); a product's search terms
take `256 * product_id + k`. The loaders move the sequences past the largest ids afterwards.

Ordinary shops come in groups of 20 whose products take turns (ids interleaved) and are
stored in id order, as in a live database where shops add products at the same time: a
shop's rows are spread over the table's pages, and ids do not follow shops. (Shops that each
own a contiguous block of ids would let the planner and the page cache look better than
they will in production.) The big and the small shop each have a block of their own, like
a shop that imported its catalog in one go.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

from galleria.kernel.catalog.search import index_terms, searchable_text

# The grocery template's categories: (slug, name, parent slug).
CATEGORIES = [
    ("dairy", "乳品烘焙", None), ("drinks", "酒水饮料", None), ("staples", "米面粮油", None),
    ("condiments", "调味品", "staples"), ("fresh", "生鲜果蔬", None), ("fruit", "水果", "fresh"),
    ("snacks", "休闲零食", None), ("household", "日用百货", None),
    ("personal-care", "个人护理", "household"),
]
CATEGORY_SLOTS = 16  # category ids: shop_index * 16 + position

# (category slug, product, one-line description, specs to choose from)
PRODUCT_TYPES = [
    ("dairy", "纯牛奶", "生牛乳含量百分百，常温保存", ["250ml×12盒", "1L", "200ml×24盒"]),
    ("dairy", "鲜牛奶", "当日鲜奶冷链配送", ["950ml", "450ml"]),
    ("dairy", "酸奶", "活性乳酸菌发酵，口感浓稠", ["200g×6杯", "1kg"]),
    ("dairy", "奶酪", "高钙儿童奶酪棒", ["500g", "90g"]),
    ("dairy", "黄油", "烘焙用动物黄油", ["227g", "454g"]),
    ("dairy", "全麦面包", "每日现烤，早餐佳选", ["400g", "800g"]),
    ("dairy", "鸡蛋", "散养土鸡蛋，蛋黄饱满", ["30枚", "10枚"]),
    ("drinks", "矿泉水", "天然水源，适合日常饮用", ["550ml×24瓶", "5L"]),
    ("drinks", "橙汁", "百分百鲜榨果汁", ["1L", "300ml×6瓶"]),
    ("drinks", "苹果汁", "浓缩还原果汁", ["1L", "250ml×12盒"]),
    ("drinks", "绿茶", "明前嫩芽，清香回甘", ["250g", "100g"]),
    ("drinks", "红茶", "祁门工夫红茶", ["250g", "100g"]),
    ("drinks", "乌龙茶", "高山乌龙，香气持久", ["250g", "500g"]),
    ("drinks", "咖啡", "中度烘焙咖啡豆", ["500g", "250g"]),
    ("drinks", "啤酒", "精酿小麦啤酒", ["500ml×12罐", "330ml×24罐"]),
    ("drinks", "可乐", "碳酸饮料冰镇更佳", ["330ml×24罐", "2L"]),
    ("drinks", "椰子水", "泰国进口椰子水", ["1L", "330ml×12瓶"]),
    ("staples", "大米", "东北五常稻花香米", ["5kg", "10kg"]),
    ("staples", "面粉", "高筋小麦粉，适合做面包", ["5kg", "2.5kg"]),
    ("staples", "挂面", "鸡蛋挂面，久煮不烂", ["1kg", "500g"]),
    ("staples", "花生油", "物理压榨一级花生油", ["5L", "1.8L"]),
    ("staples", "菜籽油", "非转基因压榨菜籽油", ["5L"]),
    ("staples", "小米", "黄小米，熬粥香浓", ["2.5kg", "1kg"]),
    ("staples", "燕麦片", "即食燕麦，营养早餐", ["1kg", "500g"]),
    ("condiments", "生抽酱油", "酿造酱油，炒菜凉拌", ["500ml", "1.9L"]),
    ("condiments", "老陈醋", "山西传统酿造", ["500ml"]),
    ("condiments", "蚝油", "鲜蚝熬制，提鲜增味", ["700g"]),
    ("condiments", "食盐", "加碘精制盐", ["400g"]),
    ("condiments", "白砂糖", "一级白砂糖", ["1kg"]),
    ("condiments", "辣椒酱", "香辣下饭酱", ["280g"]),
    ("fresh", "西红柿", "沙瓤番茄，酸甜多汁", ["500g", "2.5kg"]),
    ("fresh", "黄瓜", "水果黄瓜，清脆爽口", ["500g"]),
    ("fresh", "土豆", "黄心土豆，软糯可口", ["2.5kg"]),
    ("fresh", "胡萝卜", "新鲜胡萝卜", ["1kg"]),
    ("fresh", "菠菜", "当季嫩菠菜", ["300g"]),
    ("fresh", "鸡胸肉", "冷鲜鸡胸肉，健身优选", ["1kg"]),
    ("fresh", "猪里脊", "冷鲜猪里脊肉", ["500g"]),
    ("fruit", "苹果", "红富士苹果，脆甜多汁", ["5kg", "2.5kg"]),
    ("fruit", "香蕉", "海南香蕉，香甜软糯", ["2.5kg"]),
    ("fruit", "橙子", "赣南脐橙，果肉细嫩", ["5kg"]),
    ("fruit", "葡萄", "阳光玫瑰葡萄", ["1kg"]),
    ("fruit", "草莓", "丹东草莓，现摘现发", ["500g"]),
    ("fruit", "猕猴桃", "徐香猕猴桃", ["12个"]),
    ("snacks", "薯片", "原切薯片，酥脆可口", ["70g×6包", "104g"]),
    ("snacks", "饼干", "苏打饼干，早餐代餐", ["400g", "1kg"]),
    ("snacks", "巧克力", "黑巧克力，可可含量高", ["100g", "250g"]),
    ("snacks", "坚果", "每日坚果混合装", ["25g×30袋", "750g"]),
    ("snacks", "牛肉干", "内蒙古风干牛肉干", ["250g", "500g"]),
    ("snacks", "瓜子", "五香葵花籽", ["500g"]),
    ("snacks", "果冻", "果汁果冻，儿童零食", ["1kg"]),
    ("household", "洗衣液", "深层洁净，持久留香", ["3kg", "1kg"]),
    ("household", "抽纸", "原生木浆，柔韧不掉屑", ["3层×120抽×24包"]),
    ("household", "垃圾袋", "加厚手提式垃圾袋", ["100只"]),
    ("household", "洗洁精", "食品级洗洁精，不伤手", ["1.5kg"]),
    ("household", "保鲜膜", "食品级保鲜膜", ["30cm×100m"]),
    ("personal-care", "牙膏", "薄荷清新，防蛀护龈", ["120g×3支"]),
    ("personal-care", "洗发水", "控油去屑洗发水", ["750ml", "400ml"]),
    ("personal-care", "沐浴露", "温和保湿沐浴露", ["750ml"]),
    ("personal-care", "香皂", "植物精华香皂", ["125g×4块"]),
    ("personal-care", "洗面奶", "氨基酸洁面乳", ["100g"]),
]
BRANDS = ["晨光牧场", "金禾", "山水", "绿野", "田园", "福满", "鲜丰", "百味", "青山", "云岭",
          "海韵", "甘泉", "丰收", "乐家", "优选", "天露", "禾香", "北纬", "南国", "春风"]
MODIFIERS = ["", "有机", "精选", "特级", "家庭装", "低脂", "无糖", "原味", "经典", "进口",
             "新鲜", "加量"]
REGIONS = ["内蒙古", "黑龙江", "山东烟台", "云南", "新疆", "浙江杭州", "四川成都", "广东",
           "福建", "河南"]
SHELF_LIVES = ["6个月", "12个月", "18个月", "7天", "30天"]

# Two-character Chinese search terms a shopper would type; each matches a few percent of a
# shop's products (product names) or more (descriptions and specs).
SEARCH_TERMS = ["牛奶", "酸奶", "鸡蛋", "面包", "果汁", "绿茶", "红茶", "咖啡", "啤酒", "大米",
                "面粉", "挂面", "酱油", "苹果", "香蕉", "草莓", "薯片", "饼干", "坚果", "牙膏",
                "有机", "进口", "冷鲜", "早餐", "香甜", "清香"]

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class ShopPlan:
    """One shop to generate: its row ids come from its position in the plan."""

    index: int  # 0-based position in the plan; also the tenant id - 1
    slug: str
    name: str
    products: int
    product_base: int  # the group's first product id - 1
    stride: int = 1  # shops in the group, taking turns
    slot: int = 0  # this shop's turn

    @property
    def tenant_id(self) -> int:
        return self.index + 1

    def product_id(self, i: int) -> int:
        """The id of the shop's `i`-th product (0-based)."""
        return self.product_base + i * self.stride + self.slot + 1

    @property
    def category_base(self) -> int:
        return self.index * CATEGORY_SLOTS


GROUP = 20  # ordinary shops whose products are interleaved


def plan_shops(shops: int, products: int, big: int, small: int) -> list[ShopPlan]:
    """`shops` ordinary shops of `products` products, then `shop-big` and `shop-small`."""
    plans: list[ShopPlan] = []
    base = 0
    for start in range(0, shops, GROUP):
        stride = min(GROUP, shops - start)
        for slot in range(stride):
            index = start + slot
            slug = f"shop-{index + 1:04d}"
            plans.append(ShopPlan(index, slug, f"基准店铺 {slug}", products, base, stride, slot))
        base += stride * products
    for slug, count in (("shop-big", big), ("shop-small", small)):
        plans.append(ShopPlan(len(plans), slug, f"基准店铺 {slug}", count, base))
        base += count
    return plans


def groups(plans: list[ShopPlan]) -> list[list[ShopPlan]]:
    """Shops whose products are interleaved: generate and store them together."""
    by_base: dict[int, list[ShopPlan]] = {}
    for plan in plans:
        by_base.setdefault(plan.product_base, []).append(plan)
    return list(by_base.values())


def group_rows(group: list[ShopPlan], seed: int = 1) -> dict[str, list[tuple]]:
    """Every row of a group of shops, by table, each table in id order."""
    rows: dict[str, list[tuple]] = {}
    for plan in group:
        for table, part in shop_rows(plan, seed).items():
            rows.setdefault(table, []).extend(part)
    if len(group) > 1:
        for part in rows.values():
            part.sort(key=lambda row: row[0])
    return rows


# Column lists, in the order the generator yields each table's rows.
COLUMNS = {
    "tenant": ("id", "slug", "name", "template", "created_at"),
    "category": ("id", "tenant", "slug", "name", "parent", "position"),
    "product": ("id", "tenant", "name", "description", "category", "attributes", "status",
                "sales", "price_min", "search_text", "created_at", "deleted_at"),
    "variant": ("id", "tenant", "product", "sku", "price", "options", "weight_grams",
                "status", "position"),
    "stock_level": ("id", "tenant", "variant", "location", "on_hand", "reserved",
                    "safety_stock"),
    "barcode": ("id", "tenant", "variant", "code", "units"),
    "product_image": ("id", "tenant", "product", "key", "large_key", "thumb_key", "width",
                      "height", "position"),
    "search_term": ("id", "tenant", "product", "term"),
}
# Load order: parents first.
TABLES = list(COLUMNS)
BULK_TABLES = ["product", "variant", "stock_level", "barcode", "product_image", "search_term"]


def tenant_rows(plans: list[ShopPlan]) -> list[tuple]:
    return [(p.tenant_id, p.slug, p.name, "grocery", EPOCH) for p in plans]


def category_rows(plan: ShopPlan) -> list[tuple]:
    ids = {slug: plan.category_base + i + 1 for i, (slug, _, _) in enumerate(CATEGORIES)}
    return [(ids[slug], plan.tenant_id, slug, name, ids[parent] if parent else None, i)
            for i, (slug, name, parent) in enumerate(CATEGORIES)]


@functools.lru_cache(maxsize=200_000)
def _part_terms(part: str) -> frozenset[str]:
    return frozenset(index_terms(part))


@functools.lru_cache(maxsize=100_000)
def _json(items: tuple) -> str:
    return json.dumps(dict(items), ensure_ascii=False)


def product_terms(text: str, parts: list[str], check: bool) -> list[str]:
    """`index_terms(text)` for `text = searchable_text(*parts)`, from cached per-part terms
    (the parts are joined by spaces, which no term spans). `check` compares it with
    `index_terms(text)` itself and fails loudly if the two ever differ."""
    terms = set().union(*(_part_terms(p) for p in parts if p))
    if check and terms != index_terms(text):
        raise AssertionError(f"per-part terms differ from index_terms for {text!r}")
    return sorted(terms)


def shop_rows(plan: ShopPlan, seed: int = 1) -> dict[str, list[tuple]]:
    """Every catalog row of one shop, by table (categories included)."""
    rng = random.Random(seed * 1_000_003 + plan.index)
    tid = plan.tenant_id
    category_ids = {slug: plan.category_base + i + 1 for i, (slug, _, _) in enumerate(CATEGORIES)}
    category_names = {slug: name for slug, name, _ in CATEGORIES}
    rows: dict[str, list[tuple]] = {t: [] for t in BULK_TABLES}
    rows["category"] = category_rows(plan)
    product_rows, variant_rows = rows["product"], rows["variant"]
    stock_rows, barcode_rows = rows["stock_level"], rows["barcode"]
    image_rows, term_rows = rows["product_image"], rows["search_term"]
    def enc(value: dict) -> str:  # JSON columns take text
        return _json(tuple(value.items()))

    for i in range(plan.products):
        pid = plan.product_id(i)
        cat, noun, blurb, specs = PRODUCT_TYPES[rng.randrange(len(PRODUCT_TYPES))]
        brand, modifier = rng.choice(BRANDS), rng.choice(MODIFIERS)
        spec, region = rng.choice(specs), rng.choice(REGIONS)
        name = f"{brand} {modifier}{noun} {spec}"
        attributes = {"品牌": brand, "产地": region, "规格": spec,
                      "保质期": rng.choice(SHELF_LIVES)}
        roll = rng.random()
        deleted = roll < 0.01
        status = "draft" if 0.01 <= roll < 0.04 else "published"
        price = rng.randrange(150, 20000, 10)
        two = rng.random() < 0.5
        variants = ([("单件", price), ("整箱", price * 6 - 100)] if two else [(None, price)])
        skus, option_values, codes = [], [], []
        for n, (option, vprice) in enumerate(variants):
            vid = 2 * pid + n
            sku = f"SP{i + 1:06d}-{n + 1}"
            skus.append(sku)
            options = {"规格": option} if option else {}
            option_values += list(options.values())
            vstatus = "deleted" if deleted else "active"
            variant_rows.append((vid, tid, pid, sku, vprice, enc(options),
                                 rng.randrange(100, 5000), vstatus, n))
            on_hand = 0 if rng.random() < 0.1 else rng.randrange(1, 500)
            reserved = rng.randrange(0, 3) if on_hand > 5 else 0
            stock_rows.append((vid, tid, vid, "default", on_hand, reserved, 0))
            if not deleted:  # delete_product removes a product's barcodes
                code = f"2{tid % 10000:04d}{i + 1:06d}{n + 1}{pid % 10}"
                codes.append(code)
                barcode_rows.append((vid, tid, vid, code, 1))
        # refresh_product: codes are SKUs, option values, then barcodes.
        codes = skus + option_values + codes
        text = searchable_text(name, blurb, attributes, codes, category_names[cat])
        price_min = min(p for _, p in variants)
        created = EPOCH + dt.timedelta(minutes=i)
        product_rows.append((
            pid, tid, name, blurb, category_ids[cat], enc(attributes), status,
            int(rng.paretovariate(1.5)) - 1, price_min, text, created,
            created + dt.timedelta(days=1) if deleted else None))
        if rng.random() < 0.9:
            folder = f"shops/{tid}/products/{pid}"
            token = f"{rng.getrandbits(48):012x}"
            image_rows.append((pid, tid, pid, f"{folder}/{token}.jpg",
                               f"{folder}/{token}-large.jpg", f"{folder}/{token}-thumb.jpg",
                               1600, 1600, 0))
        if not deleted:  # delete_product removes a product's search terms
            terms = product_terms(text, [name, blurb, category_names[cat], *attributes,
                                         *attributes.values(), *codes], check=i % 53 == 0)
            if len(terms) >= 256:
                raise ValueError(f"product {pid} has {len(terms)} terms; ids allow 255")
            base = 256 * pid
            term_rows.extend((base + k, tid, pid, term) for k, term in enumerate(terms))
    return rows


def iter_shop_rows(plans: list[ShopPlan], seed: int = 1) -> Iterator[tuple[ShopPlan, dict]]:
    for plan in plans:
        yield plan, shop_rows(plan, seed)

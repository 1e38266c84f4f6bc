"""The words of the plugin's console fragments, in the shop's language (a ConsolePage is
rendered from the shop alone, so it speaks the shop's language, not the request's)."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "problems": "设置有误，相关配送方式暂不提供：",
        "new_template": "新建运费模板", "edit_local": "编辑同城配送与自提点",
        "quote_tester": "运费试算",
        "carriers_note": '承运商账号（顺丰、快递100）在 <a href="/console/plugins">插件</a> '
                         "页面设置。地区使用国家标准 GB/T 2260 行政区划代码，见本页底部。",
        "templates": "运费模板", "no_templates": "尚无运费模板：快递不会出现在结算页。",
        "region": "配送地区", "fee": "运费", "everywhere_else": "默认（其他地区）",
        "default": "默认模板", "edit": "编辑", "free": "包邮", "none": "无",
        "excluded": "不配送", "products": "使用此模板的商品", "everywhere": "全国",
        "min_amount": "满 {amount}", "min_pieces": "满 {n} 件", "and": "且", "sep": "；",
        "piece": "件", "gram": "克",
        "rate": "首{first}{unit} {first_fee}，续{additional}{unit} {additional_fee}",
        "days": " · {low}–{high} 天",
        "same_city": "同城配送", "not_offered": "未开通。",
        "same_city_line": "<strong>{name}</strong>：门店坐标 {lat}, {lng}，配送半径 {radius} km，"
                          "时段开始前 {lead} 分钟截单。",
        "bands": "按距离收费：{bands}", "band": "{km} km 内 {fee}",
        "slot": "配送时段", "capacity": "容量", "booked_today": "今日已约",
        "pickup": "自提点", "not_set": "未设置。", "name": "名称", "address": "地址",
        "hours": "营业时间", "phone": "电话", "region_codes": "地区代码",
        "tester_intro": "输入收货地区和商品，查看每种配送方式的运费、时效，或不提供的原因。",
        "province": "省份", "city": "城市", "district": "区县",
        "lines": "商品（每行：商品ID 数量 单价(分) 单件重量(克)）", "try": "试算",
        "method": "配送方式", "eta": "时效（天）", "why": "说明",
    },
    "en": {
        "problems": "Some settings have problems; the methods they concern are not offered:",
        "new_template": "New shipping template",
        "edit_local": "Edit same-city delivery and pickup points",
        "quote_tester": "Quote tester",
        "carriers_note": 'Carrier accounts (SF Express, Kuaidi100) are set on the '
                         '<a href="/console/plugins">Plugins</a> page. Regions use the '
                         "GB/T 2260 division codes listed at the bottom of this page.",
        "templates": "Shipping templates",
        "no_templates": "No shipping templates yet: express delivery is not offered.",
        "region": "Region", "fee": "Fee", "everywhere_else": "Everywhere else",
        "default": "Default", "edit": "Edit", "free": "Free shipping", "none": "none",
        "excluded": "Not delivered to", "products": "Products using it",
        "everywhere": "everywhere", "min_amount": "from {amount}",
        "min_pieces": "from {n} pieces", "and": " and ", "sep": "; ", "piece": " pc",
        "gram": " g", "rate": "first {first}{unit} {first_fee}, then {additional_fee} per "
                              "{additional}{unit}",
        "days": " · {low}–{high} days",
        "same_city": "Same-city delivery", "not_offered": "Not offered.",
        "same_city_line": "<strong>{name}</strong>: shop at {lat}, {lng}, delivers within "
                          "{radius} km, orders close {lead} minutes before a slot.",
        "bands": "Fee by distance: {bands}", "band": "up to {km} km {fee}",
        "slot": "Slot", "capacity": "Capacity", "booked_today": "Booked today",
        "pickup": "Pickup points", "not_set": "None yet.", "name": "Name",
        "address": "Address", "hours": "Opening hours", "phone": "Phone",
        "region_codes": "Region codes",
        "tester_intro": "Type a delivery region and some lines to see every method's fee, "
                        "delivery days, or why it is not offered.",
        "province": "Province", "city": "City", "district": "District",
        "lines": "Lines (one per row: product id, quantity, unit price in fen, grams each)",
        "try": "Quote", "method": "Method", "eta": "Days", "why": "Details",
    },
}


def say(locale: str, key: str, **values: Any) -> str:
    """The text `key` in `locale` (Chinese when the shop speaks neither)."""
    texts = TEXTS.get(locale) or TEXTS["zh_CN"]
    return texts[key].format(**values) if values else texts[key]


__all__ = ["TEXTS", "say"]

"""Chinese postal codes (邮政编码): the first two of the six digits name the province.

The ONE table of it in Galleria (China Post's allocation; a province may own several
prefixes). Hong Kong, Macau and Taiwan are outside the six-digit scheme and not listed.
Each province has the names it is written with: the Chinese short name (matched inside
"浙江省", "广西壮族自治区") and its pinyin or English names (matched case-insensitively).
"""

from __future__ import annotations

PROVINCES: dict[str, tuple[str, ...]] = {
    "北京": ("beijing",), "天津": ("tianjin",), "上海": ("shanghai",),
    "重庆": ("chongqing",), "河北": ("hebei",), "山西": ("shanxi",),
    "内蒙古": ("inner mongolia", "nei mongol", "neimenggu"), "辽宁": ("liaoning",),
    "吉林": ("jilin",), "黑龙江": ("heilongjiang",), "江苏": ("jiangsu",),
    "浙江": ("zhejiang",), "安徽": ("anhui",), "福建": ("fujian",), "江西": ("jiangxi",),
    "山东": ("shandong",), "河南": ("henan",), "湖北": ("hubei",), "湖南": ("hunan",),
    "广东": ("guangdong",), "广西": ("guangxi",), "海南": ("hainan",),
    "四川": ("sichuan",), "贵州": ("guizhou",), "云南": ("yunnan",), "西藏": ("tibet", "xizang"),
    "陕西": ("shaanxi",), "甘肃": ("gansu",), "青海": ("qinghai",), "宁夏": ("ningxia",),
    "新疆": ("xinjiang",),
}

PREFIXES: dict[str, str] = {
    "01": "内蒙古", "02": "内蒙古", "03": "山西", "04": "山西", "05": "河北", "06": "河北",
    "07": "河北", "10": "北京", "11": "辽宁", "12": "辽宁", "13": "吉林", "15": "黑龙江",
    "16": "黑龙江", "20": "上海", "21": "江苏", "22": "江苏", "23": "安徽", "24": "安徽",
    "25": "山东", "26": "山东", "27": "山东", "30": "天津", "31": "浙江", "32": "浙江",
    "33": "江西", "34": "江西", "35": "福建", "36": "福建", "40": "重庆", "41": "湖南",
    "42": "湖南", "43": "湖北", "44": "湖北", "45": "河南", "46": "河南", "47": "河南",
    "51": "广东", "52": "广东", "53": "广西", "54": "广西", "55": "贵州", "56": "贵州",
    "57": "海南", "61": "四川", "62": "四川", "63": "四川", "64": "四川", "65": "云南",
    "66": "云南", "67": "云南", "71": "陕西", "72": "陕西", "73": "甘肃", "74": "甘肃",
    "75": "宁夏", "81": "青海", "83": "新疆", "84": "新疆", "85": "西藏", "86": "西藏",
}


def province_of_postal_code(code: str) -> str | None:
    """The province a six-digit postal code belongs to, or None (not six digits, or a
    prefix no province uses)."""
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        return None
    return PREFIXES.get(code[:2])


def province_named(text: str) -> str | None:
    """The province that `text` ("浙江省", "Zhejiang Province") names, or None."""
    lowered = text.strip().lower()
    if not lowered:
        return None
    for province, aliases in PROVINCES.items():
        if province in text or any(alias in lowered for alias in aliases):
            return province
    return None


__all__ = ["PREFIXES", "PROVINCES", "province_named", "province_of_postal_code"]

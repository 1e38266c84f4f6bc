"""Is a delivery address plausible? Checks that need no outside service:

- a province and a city are given;
- the street address (line1 + line2) has at least `minimum` characters, spaces not counted;
- it is not gibberish: no character repeated four times in a row (digits excepted: house
  numbers), no run of five or more Latin letters without a vowel or along one keyboard row
  ("sdfgh", "qwert"), and at least one CJK character or Latin word at all;
- for China, the postal code's first two digits belong to the address's province
  (postal_cn.py).

`problems(address, minimum)` returns (key, values) pairs for `texts.ADDRESS_PROBLEMS`; empty when
the address looks fine.
"""

from __future__ import annotations

import re
from typing import Any

from galleria_plugins.order_review.postal_cn import province_named, province_of_postal_code

REPEATED = re.compile(r"(\D)\1{3,}")  # a non-digit four times or more in a row
LATIN_RUN = re.compile(r"[A-Za-z]{5,}")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[A-Za-z]*[AEIOUYaeiouy][A-Za-z]*")
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_walk(word: str) -> bool:
    """Five or more letters typed along one keyboard row, either way ("asdfg", "lkjhg")."""
    lowered = word.lower()
    for row in KEYBOARD_ROWS:
        for backwards in (row, row[::-1]):
            for start in range(len(backwards) - 4):
                if backwards[start:start + 5] in lowered:
                    return True
    return False


def gibberish(street: str) -> tuple[str, dict[str, Any]] | None:
    if match := REPEATED.search(street):
        return "repeated", {"run": match.group(0)}
    for run in LATIN_RUN.findall(street):
        if not re.search(r"[AEIOUYaeiouy]", run) or _keyboard_walk(run):
            return "mashing", {"word": run}
    if not CJK.search(street) and not WORD.search(street):
        return "no_words", {}
    return None


def problems(address: dict[str, Any], minimum: int) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    province = str(address.get("province") or "").strip()
    if not province:
        found.append(("no_province", {}))
    if not str(address.get("city") or "").strip():
        found.append(("no_city", {}))
    street = " ".join(str(address.get(k) or "") for k in ("line1", "line2")).strip()
    length = len(re.sub(r"\s", "", street))
    if length < minimum:
        found.append(("too_short", {"length": length, "minimum": minimum}))
    if street and (nonsense := gibberish(street)):
        found.append(nonsense)
    country = str(address.get("country") or "CN").upper()
    code = str(address.get("postal_code") or "")
    if country == "CN" and province and code:
        expected, named = province_of_postal_code(code), province_named(province)
        if expected and named and expected != named:
            found.append(("postal", {"code": code, "expected": expected,
                                     "province": province}))
    return found


__all__ = ["gibberish", "problems"]

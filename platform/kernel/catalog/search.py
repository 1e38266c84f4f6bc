"""Product search that works for Chinese: one- and two-character terms included.

Indexing: text is normalised (NFKC, lower case); runs of CJK characters give every single
character and every bigram as terms, other runs give whole words (and the letter and digit
parts of mixed words such as `250ml`). Searching: each query term must match — a CJK run of
one character by that character, a longer one by all its bigrams, a word by prefix (a
B-tree range on the term) — and the candidates are confirmed by a substring test on the
product's normalised text, so the index only narrows and never decides alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from galleria.kernel.catalog.tables import Product, SearchTerm

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN_RE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_PARTS_RE = re.compile(r"\d+|[^\W\d_]+")
MAX_TERM = 64


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_cjk(run: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", run))


def index_terms(text: str) -> set[str]:
    """The terms stored for a product's text."""
    terms: set[str] = set()
    for run in _RUN_RE.findall(normalise(text)):
        if _is_cjk(run):
            terms.update(run)
            terms.update(run[i:i + 2] for i in range(len(run) - 1))
        else:
            terms.add(run[:MAX_TERM])
            parts = _PARTS_RE.findall(run)
            if len(parts) > 1:
                terms.update(part[:MAX_TERM] for part in parts)
    return terms


def query_terms(query: str) -> tuple[set[str], set[str]]:
    """(exact terms, word prefixes) that every matching product must have."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for run in _RUN_RE.findall(normalise(query)):
        if _is_cjk(run):
            if len(run) == 1:
                exact.add(run)
            else:
                exact.update(run[i:i + 2] for i in range(len(run) - 1))
        else:
            prefixes.add(run[:MAX_TERM])
    return exact, prefixes


def searchable_text(name: str, description: str, attributes: dict[str, str],
                    codes: Iterable[str], category: str = "") -> str:
    parts = [name, description, category, *attributes.keys(), *attributes.values(), *codes]
    return normalise(" ".join(p for p in parts if p))


async def reindex(tenant_id: int, product_id: int, text: str) -> None:
    """Replace a product's terms and stored text (inside the shop scope)."""
    await Product.update({Product.search_text: text}).where(
        (Product.tenant == tenant_id) & (Product.id == product_id))
    await SearchTerm.delete().where(
        (SearchTerm.tenant == tenant_id) & (SearchTerm.product == product_id))
    terms = sorted(index_terms(text))
    if terms:
        await SearchTerm.insert(*[SearchTerm(tenant=tenant_id, product=product_id, term=t)
                                  for t in terms])


def _prefix_end(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def matching_product_ids(tenant_id: int, query: str, limit: int = 5000) -> list[int] | None:
    """Ids of the shop's products matching every term of `query`; None for an empty query."""
    exact, prefixes = query_terms(query)
    if not exact and not prefixes:
        return None
    candidates: set[int] | None = None
    for term in sorted(exact):
        rows = await SearchTerm.select(SearchTerm.product).where(
            (SearchTerm.tenant == tenant_id) & (SearchTerm.term == term)).limit(limit)
        found = {r["product"] for r in rows}
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return []
    for prefix in sorted(prefixes):
        rows = await SearchTerm.select(SearchTerm.product).where(
            (SearchTerm.tenant == tenant_id) & (SearchTerm.term >= prefix)
            & (SearchTerm.term < _prefix_end(prefix))).limit(limit)
        found = {r["product"] for r in rows}
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return []
    rows = await Product.select(Product.id, Product.search_text).where(
        (Product.tenant == tenant_id) & Product.id.is_in(sorted(candidates or [])))
    needles = [run for run in _RUN_RE.findall(normalise(query))]
    return sorted((r["id"] for r in rows if all(n in r["search_text"] for n in needles)),
                  reverse=True)

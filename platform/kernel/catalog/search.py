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

from piccolo.columns.combination import WhereRaw

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


def match_clause(tenant_id: int, query: str) -> WhereRaw | None:
    """`match_sql` as a piccolo condition."""
    found = match_sql(tenant_id, query)
    return None if found is None else WhereRaw(found[0], *found[1])


def match_sql(tenant_id: int, query: str) -> tuple[str, list[object]] | None:
    """A condition on `product.id` admitting the shop's products that match every term of
    `query` (None for a query with no terms), for the database to sort and page: SQL with
    `{}` placeholders and their values.

    The subquery starts from one term's index entries (the most selective-looking: a
    bigram or the longest word) and checks the others with EXISTS, then confirms with a
    substring test on the normalised text, so that 奶牛 does not find 牛奶.
    """
    exact, prefixes = query_terms(query)
    if not exact and not prefixes:
        return None
    conditions: list[tuple[str, str | None]] = [(t, None) for t in exact]
    conditions += [(p, _prefix_end(p)) for p in prefixes]
    conditions.sort(key=lambda c: (c[1] is not None, -len(c[0])))
    (first, first_end), rest = conditions[0], conditions[1:]
    # Only constant fragments are joined here; every value is a {} parameter.
    sql = ["id IN (SELECT t0.product FROM search_term t0 "  # noqa: S608
           "JOIN product p ON p.id = t0.product AND p.tenant = t0.tenant "
           "WHERE t0.tenant = {} AND " + ("t0.term = {}" if first_end is None
                                          else "t0.term >= {} AND t0.term < {}")]
    args: list[object] = [tenant_id, first] + ([first_end] if first_end else [])
    for term, end in rest:
        sql.append("AND EXISTS (SELECT 1 FROM search_term t WHERE t.tenant = {} "  # noqa: S608
                   "AND t.product = t0.product AND "
                   + ("t.term = {})" if end is None else "t.term >= {} AND t.term < {})"))
        args += [tenant_id, term] + ([end] if end else [])
    for needle in _RUN_RE.findall(normalise(query)):
        sql.append("AND p.search_text LIKE {}")
        args.append(f"%{needle}%")
    return " ".join(sql) + ")", args

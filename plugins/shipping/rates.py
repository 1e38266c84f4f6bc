"""Shipping templates (运费模板) and the rule that combines them for one cart. Pure: no I/O.

A template charges by piece or by weight (grams): the first units cost `first_fee`, every
started block of `additional_units` after them costs `additional_fee`. Region rules replace
those prices (and the delivery days) for the provinces, cities or districts they name; the
most specific rule wins (district over city over province), else the template's own rate.
Free-shipping rules waive the fee where they apply; excluded regions are not delivered to.

**Combining templates** (the rule Taobao and most Chinese shops use): lines are grouped by
their product's template. Groups whose free-shipping rule applies cost nothing. Of the
others, the one with the highest first-unit fee pays its full rate (first units plus
additional ones); every other group pays only additional units, for *all* of its units.
When several groups tie on the highest first fee, the one that gives the lowest total leads,
so the result never depends on the order of the lines. The fee is therefore never below the
largest single group's own fee. The delivery days are the slowest group's. One excluded
group makes the cart undeliverable to that address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from galleria.kernel import NotOffered
from galleria_plugins.shipping.texts import N_, refusal

PIECE, WEIGHT = "piece", "weight"


@dataclass(frozen=True)
class Rate:
    first_units: int
    first_fee: int
    additional_units: int
    additional_fee: int
    eta_days: tuple[int, int] | None = None

    def fee(self, units: int) -> int:
        """First units plus every started block of additional units (0 units: no fee)."""
        if units <= 0:
            return 0
        extra = max(0, units - self.first_units)
        return self.first_fee + -(-extra // self.additional_units) * self.additional_fee

    def additional_only(self, units: int) -> int:
        """What a group that does not lead pays: additional blocks for all its units."""
        return -(-max(0, units) // self.additional_units) * self.additional_fee


@dataclass(frozen=True)
class RegionRate:
    codes: tuple[str, ...]
    rate: Rate


@dataclass(frozen=True)
class FreeRule:
    """Free shipping where `codes` apply (empty: everywhere) when every condition given
    holds: the group's amount reaches `min_amount`, its pieces reach `min_pieces`."""

    codes: tuple[str, ...] = ()
    min_amount: int | None = None
    min_pieces: int | None = None

    def applies(self, codes: Sequence[str], amount: int, pieces: int) -> bool:
        if self.codes and not set(self.codes) & set(codes):
            return False
        if self.min_amount is None and self.min_pieces is None:
            return True
        return ((self.min_amount is None or amount >= self.min_amount)
                and (self.min_pieces is None or pieces >= self.min_pieces))


@dataclass(frozen=True)
class Template:
    name: str
    rate: Rate
    charge_by: str = PIECE
    regions: tuple[RegionRate, ...] = ()
    free: tuple[FreeRule, ...] = ()
    excluded: tuple[str, ...] = ()
    products: tuple[int, ...] = ()

    def rate_for(self, codes: Sequence[str]) -> Rate:
        """`codes` most specific first (district, city, province)."""
        for code in codes:
            for rule in self.regions:
                if code in rule.codes:
                    return rule.rate
        return self.rate

    def excludes(self, codes: Sequence[str]) -> bool:
        return bool(set(self.excluded) & set(codes))


@dataclass(frozen=True)
class Group:
    """The cart lines of one template: their amount (minor units), pieces and grams."""

    template: Template
    amount: int
    pieces: int
    grams: int

    @property
    def units(self) -> int:
        if self.template.charge_by == WEIGHT:
            return max(self.grams, 1) if self.pieces else 0  # unweighed goods: first units
        return self.pieces


@dataclass(frozen=True)
class Outcome:
    """A quote (`fee`, `eta_days`) or, when `refused`, the reason why not: `refused` in
    English, `why` the refusal the shopper reads in their language (texts.py)."""

    fee: int = 0
    eta_days: tuple[int, int] | None = None
    refused: str = ""
    parts: tuple[dict, ...] = field(default_factory=tuple)  # per group, for the quote tester
    location: str = ""  # the store (门店) it ships from, when tied to one (Quote.location)
    why: NotOffered | None = None

    @classmethod
    def refuse(cls, why: NotOffered) -> Outcome:
        return cls(refused=why.reason, why=why)


def group_lines(lines: Iterable[tuple[Template, int, int, int]]) -> list[Group]:
    """(template, amount, pieces, grams) per line → one Group per template name."""
    by_name: dict[str, list] = {}
    for template, amount, pieces, grams in lines:
        entry = by_name.setdefault(template.name, [template, 0, 0, 0])
        entry[1] += amount
        entry[2] += pieces
        entry[3] += grams
    return [Group(*entry) for entry in by_name.values()]


def combine(groups: Sequence[Group], codes: Sequence[str]) -> Outcome:
    """The fee and delivery days for these groups at an address with region `codes`."""
    for group in groups:
        if group.template.excludes(codes):
            return Outcome.refuse(refusal(
                "region_excluded", N_("%(template)s: not delivered to this region"),
                template=group.template.name))
    rated = [(g, g.template.rate_for(codes)) for g in groups]
    free = [any(rule.applies(codes, g.amount, g.pieces) for rule in g.template.free)
            for g, _ in rated]
    paying = [(g, r) for (g, r), is_free in zip(rated, free, strict=True) if not is_free]
    fee = _combined_fee(paying)
    etas = [r.eta_days for _, r in rated if r.eta_days]
    eta = (max(e[0] for e in etas), max(e[1] for e in etas)) if etas else None
    parts = tuple({"template": g.template.name, "units": g.units, "free": is_free,
                   "own_fee": 0 if is_free else r.fee(g.units)}
                  for (g, r), is_free in zip(rated, free, strict=True))
    return Outcome(fee=fee, eta_days=eta, parts=parts)


def _combined_fee(paying: Sequence[tuple[Group, Rate]]) -> int:
    if not paying:
        return 0
    top = max(r.first_fee for _, r in paying)
    totals = []
    for i, (lead, lead_rate) in enumerate(paying):
        if lead_rate.first_fee != top:
            continue
        others = sum(r.additional_only(g.units) for j, (g, r) in enumerate(paying) if j != i)
        totals.append(lead_rate.fee(lead.units) + others)
    return min(totals)


__all__ = ["PIECE", "WEIGHT", "FreeRule", "Group", "Outcome", "Rate", "RegionRate",
           "Template", "combine", "group_lines"]

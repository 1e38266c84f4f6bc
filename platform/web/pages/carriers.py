"""Carriers a merchant ships with, by the codes the shipping plugin and Kuaidi100 know, and
the names people read. `sf` books waybills through SF's own API; the others are tracked
through Kuaidi100 (its company codes)."""

from __future__ import annotations

from collections.abc import Callable

from galleria.web.i18n import N_

CARRIERS: tuple[tuple[str, str], ...] = (
    ("sf", N_("SF Express")), ("zhongtong", N_("ZTO Express")),
    ("yuantong", N_("YTO Express")), ("yunda", N_("Yunda Express")),
    ("shentong", N_("STO Express")), ("jtexpress", N_("J&T Express")),
    ("ems", N_("EMS")), ("jd", N_("JD Logistics")), ("debangkuaidi", N_("Deppon Express")),
    ("youzhengguonei", N_("China Post parcel")),
)
# What the kernel and the shipping plugin write for parcels they handle themselves.
OWN = {"local": N_("Same-city delivery"), "pickup": N_("Store pickup")}
_NAMES = {**dict(CARRIERS), **OWN}


def carrier_name(code: str | None, translate: Callable[[str], str]) -> str:
    """`sf`, `kuaidi100:yuantong`, `pickup` → 顺丰速运, 圆通速递, 到店自提; an unknown code
    (a merchant's own carrier) as it is."""
    key = (code or "").removeprefix("kuaidi100:")
    return translate(_NAMES[key]) if key in _NAMES else (code or "")


def carrier_choices(translate: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"code": code, "name": translate(name)} for code, name in CARRIERS]

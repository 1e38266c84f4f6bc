"""Plans as data: `tenants/plans/*.toml`, validated when loaded.

Pure (tomllib + msgspec; no database). A plan has a title in zh-CN and en, prices per month
and per year in minor units, trial days, Stripe price ids, and limits. A limit left out is
no limit. Exactly one plan is the `default` a new shop starts on (with its trial).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from galleria.kernel.tenancy.templates import default_root

LimitName = Literal["products", "staff", "orders_per_month", "custom_domains"]
LIMITS: tuple[LimitName, ...] = ("products", "staff", "orders_per_month", "custom_domains")
Interval = Literal["month", "year"]


class PlanError(ValueError):
    """A plan file is not valid; the message names the file and the field."""


class Title(msgspec.Struct, forbid_unknown_fields=True):
    zh_CN: Annotated[str, msgspec.Meta(min_length=1)]
    en: Annotated[str, msgspec.Meta(min_length=1)]


Count = Annotated[int, msgspec.Meta(ge=0)]


class Limits(msgspec.Struct, forbid_unknown_fields=True):
    products: Count | None = None
    staff: Count | None = None
    orders_per_month: Count | None = None
    custom_domains: Count | None = None
    # The plugins this plan may enable ("*": every installed one, third-party included),
    # minus those kept for higher plans.
    plugins: list[str] = msgspec.field(default_factory=lambda: ["*"])
    plugins_excluded: list[str] = msgspec.field(default_factory=list)

    def of(self, name: str) -> int | None:
        return getattr(self, name)

    def allows_plugin(self, plugin: str) -> bool:
        return ("*" in self.plugins or plugin in self.plugins) \
            and plugin not in self.plugins_excluded


class Plan(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
    title: Title
    price_month: Count
    price_year: Count
    stripe_price_month: Annotated[str, msgspec.Meta(min_length=1)]
    stripe_price_year: Annotated[str, msgspec.Meta(min_length=1)]
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "CNY"
    trial_days: Count = 0
    rank: int = 0  # higher is a bigger plan (upgrade / downgrade)
    default: bool = False
    limits: Limits = msgspec.field(default_factory=Limits)

    def title_in(self, locale: str) -> str:
        return self.title.en if locale.startswith("en") else self.title.zh_CN

    def price(self, interval: Interval) -> int:
        return self.price_month if interval == "month" else self.price_year

    def stripe_price(self, interval: Interval) -> str:
        return self.stripe_price_month if interval == "month" else self.stripe_price_year


class Catalogue:
    """Every plan, by name and by Stripe price id."""

    def __init__(self, plans: list[Plan]) -> None:
        self.plans = sorted(plans, key=lambda p: (p.rank, p.name))
        self.by_name = {p.name: p for p in self.plans}
        self.by_price = {price: (p, interval) for p in self.plans
                         for interval, price in (("month", p.stripe_price_month),
                                                 ("year", p.stripe_price_year))}
        self.default = next(p for p in self.plans if p.default)

    def get(self, name: str) -> Plan | None:
        return self.by_name.get(name)


def load_plans(folder: Path) -> Catalogue:
    """Read and check every `*.toml` in `folder`; raises PlanError naming what is wrong."""
    plans: list[Plan] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            plan = msgspec.convert(data, Plan, strict=True)
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            raise PlanError(f"{path.name}: not readable as TOML: {exc}") from None
        except msgspec.ValidationError as exc:
            raise PlanError(f"{path.name}: {exc}") from None
        if plan.name != path.stem:
            raise PlanError(f"{path.name}: name {plan.name!r} must match the file name")
        plans.append(plan)
    if not plans:
        raise PlanError(f"{folder}: no plans (*.toml)")
    defaults = [p.name for p in plans if p.default]
    if len(defaults) != 1:
        raise PlanError(f"{folder}: exactly one plan must have `default = true`, "
                        f"found {defaults or 'none'}")
    prices = [price for p in plans for price in (p.stripe_price_month, p.stripe_price_year)]
    if len(prices) != len(set(prices)):
        raise PlanError(f"{folder}: two plans share a Stripe price id")
    return Catalogue(plans)


@cache
def plans() -> Catalogue:
    """The platform's plans (`tenants/plans/`), loaded once."""
    return load_plans(default_root() / "plans")


__all__ = ["LIMITS", "Catalogue", "Interval", "Limits", "Plan", "PlanError", "load_plans",
           "plans"]

"""The shop's points and level rules, read from the plugin's settings (validated when the
merchant saves them; a rule that still cannot be read counts as absent, logged, so that a
bad setting never stops the shop from selling)."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from typing import Any

from galleria.kernel import SettingField, parse_major, plugin_settings

PLUGIN = "marketing_points"
EXPIRY_RULES = ("end_of_next_year", "one_year", "never")
BASES = ("spend", "points")
log = logging.getLogger("galleria.plugins.marketing_points")


@dataclass(frozen=True)
class Level:
    name: str
    threshold: int  # minor units of spend, or points, by the shop's basis
    discount_percent: int  # 95 = pay 95 % (9.5 折); 100 = no discount
    free_shipping: bool
    birthday_points: int = 0  # given on the member's birthday, once a year
    birthday_coupon: str = ""  # the name of the level's own birthday coupon; "" the shop's


@dataclass(frozen=True)
class Rules:
    earn_rate: int = 1  # points per yuan paid
    category_rates: tuple[tuple[int, int], ...] = ()  # (category id, points per yuan)
    redeem_rate: int = 100  # points worth one yuan
    redeem_cap_percent: int = 50  # of the items' price left to pay
    expiry: str = "end_of_next_year"
    level_basis: str = "spend"
    levels: tuple[Level, ...] = ()  # lowest threshold first
    birthday_coupon: int = 0  # the coupon (its id) members get on their birthday; 0 none

    def rate_for(self, category_id: int | None) -> int:
        return dict(self.category_rates).get(category_id or 0, self.earn_rate)

    def points_value(self, points: int) -> int:
        """What `points` take off, in minor units (fen)."""
        return points * 100 // self.redeem_rate

    def points_for_value(self, amount: int) -> int:
        """The most points that take off no more than `amount` minor units."""
        return amount * self.redeem_rate // 100

    def expires_at(self, now: dt.datetime, timezone: str) -> dt.datetime | None:
        if self.expiry == "never":
            return None
        if self.expiry == "one_year":
            return now + dt.timedelta(days=365)
        try:
            zone = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("Asia/Shanghai")
        local = now.astimezone(zone)
        return dt.datetime(local.year + 2, 1, 1, tzinfo=zone)  # the end of next year

    def level_for(self, spend: int, earned: int) -> Level | None:
        metric = spend if self.level_basis == "spend" else earned
        reached = [level for level in self.levels if metric >= level.threshold]
        return reached[-1] if reached else None

    def level_named(self, name: str) -> Level | None:
        return next((level for level in self.levels if level.name == name), None)


def parse_category_rates(text: str) -> tuple[tuple[int, int], ...]:
    """`"12:2, 15:0"` (category id: points per yuan) → pairs. ValueError names a bad entry."""
    pairs = []
    for entry in (text or "").replace("\n", ",").split(","):
        if not entry.strip():
            continue
        category, sep, rate = entry.partition(":")
        if not sep or not category.strip().isdigit() or not rate.strip().isdigit():
            raise ValueError(f"write each category as id:points per yuan, such as 12:2 "
                             f"(not {entry.strip()!r})")
        pairs.append((int(category), int(rate)))
    return tuple(pairs)


def parse_levels(text: str, basis: str, currency: str) -> tuple[Level, ...]:
    """One level a line: `name:threshold:discount percent:free shipping (yes/no)[:birthday
    points[:birthday coupon]]`, such as `金卡:2000:95:yes:500:金卡生日券` (threshold in yuan
    of spend, or in points; the coupon by its name, as the coupon list shows it).
    ValueError names a bad line."""
    levels = []
    for entry in (text or "").splitlines():
        if not entry.strip():
            continue
        parts = [part.strip() for part in entry.replace("：", ":").split(":")]
        if len(parts) == 7:  # a coupon name may hold a colon of its own
            parts[5:] = [":".join(parts[5:])]
        if len(parts) not in (4, 5, 6) or not parts[0] or not parts[2].isdigit() or (
                len(parts) >= 5 and not parts[4].isdigit()):
            raise ValueError(f"write each level as name:threshold:discount %:free shipping"
                             f"[:birthday points[:birthday coupon]], such as "
                             f"金卡:2000:95:yes:500:金卡生日券 (not {entry.strip()!r})")
        name, threshold, percent, free = parts[:4]
        birthday = int(parts[4]) if len(parts) >= 5 else 0
        coupon = parts[5][:60] if len(parts) == 6 else ""
        amount = (parse_major(threshold, currency) if basis == "spend"
                  else int(threshold) if threshold.isdigit() else -1)
        if amount < 0 or not 1 <= int(percent) <= 100 or free.lower() not in (
                "yes", "no", "是", "否"):
            raise ValueError(f"a level needs a threshold of 0 or more, a discount of 1–100 % "
                             f"and yes or no for free shipping ({entry.strip()!r})")
        levels.append(Level(name[:40], amount, int(percent), free.lower() in ("yes", "是"),
                            birthday, coupon))
    return tuple(sorted(levels, key=lambda level: level.threshold))


def settings_schema() -> list[SettingField]:
    return [
        SettingField("earn_rate", "Points per yuan paid", "integer", label_zh="每消费 1 元得积分",
                     default=1, minimum=0, maximum=1000),
        SettingField("category_rates", "Points per yuan by category (id:points)", "text",
                     label_zh="按分类的积分比例（分类编号:每元积分）", default="",
                     help="One per line or comma, such as 12:2. Other categories earn the "
                          "shop's rate."),
        SettingField("redeem_rate", "Points worth ¥1 at checkout", "integer",
                     label_zh="多少积分抵 1 元", default=100, minimum=1, maximum=100000),
        SettingField("redeem_cap_percent", "Points pay at most (% of the items)", "integer",
                     label_zh="积分最多抵扣商品金额的百分比", default=50, minimum=0, maximum=100),
        SettingField("expiry", "Points expire", "choice", label_zh="积分有效期",
                     default="end_of_next_year", choices=EXPIRY_RULES),
        SettingField("level_basis", "Member levels by", "choice", label_zh="会员等级依据",
                     default="spend", choices=BASES),
        SettingField("levels", "Member levels (name:threshold:discount %:free shipping"
                     "[:birthday points[:birthday coupon]])", "text",
                     label_zh="会员等级（名称:门槛:折扣%:是否包邮[:生日积分[:生日券名称]]）",
                     default="",
                     help="One level a line, such as 金卡:2000:95:yes:500:金卡生日券 (threshold "
                          "in yuan of spend, or in points; 500 points and the coupon named "
                          "金卡生日券 on the member's birthday; without a coupon of its own a "
                          "level gets the birthday coupon below)."),
        SettingField("birthday_coupon", "Birthday coupon for members", "integer",
                     label_zh="会员生日券", default=0, minimum=0, maximum=2**31 - 1,
                     choices_from="coupons",
                     help="On their birthday a member of a level without a coupon of its own "
                          "gets this coupon in their wallet, once a year (with the coupon "
                          "plugin enabled)."),
    ]


def _int(settings: dict[str, Any], name: str, default: int) -> int:
    value = settings.get(name)
    return value if type(value) is int else default


async def shop_rules(tenant_id: int, currency: str = "CNY") -> Rules:
    """The shop's rules (inside its scope)."""
    settings = await plugin_settings(tenant_id, PLUGIN)
    basis = settings.get("level_basis") if settings.get("level_basis") in BASES else "spend"
    try:
        category_rates = parse_category_rates(settings.get("category_rates") or "")
    except ValueError as exc:
        log.warning("shop %s: category_rates ignored: %s", tenant_id, exc)
        category_rates = ()
    try:
        levels = parse_levels(settings.get("levels") or "", basis, currency)
    except ValueError as exc:
        log.warning("shop %s: levels ignored: %s", tenant_id, exc)
        levels = ()
    return Rules(
        earn_rate=max(0, _int(settings, "earn_rate", 1)), category_rates=category_rates,
        redeem_rate=max(1, _int(settings, "redeem_rate", 100)),
        redeem_cap_percent=min(100, max(0, _int(settings, "redeem_cap_percent", 50))),
        expiry=settings.get("expiry") if settings.get("expiry") in EXPIRY_RULES
        else "end_of_next_year",
        level_basis=basis, levels=levels,
        birthday_coupon=max(0, _int(settings, "birthday_coupon", 0)))


__all__ = ["Level", "Rules", "parse_category_rates", "parse_levels", "settings_schema",
           "shop_rules"]

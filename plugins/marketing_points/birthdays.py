"""Birthday points (and the shop's birthday coupon), a member level's benefit: the shopper
gives their birthday once (month and day, on 我的积分); on that day, in the shop's time
zone, a member of a level with birthday points gets them, once a year
(`birthday:<customer>:<year>`), and a member of any level the level's own birthday coupon
(named in its line) or else the shop's (a `reward.granted` event the coupon plugin pays,
once per year's ref). The job that gives
them is scheduled for the next birthday when it is set, and again after each one."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from galleria.kernel import FieldError, ValidationFailed, emit, enqueue, shop_scope
from galleria_plugins.marketing_points import ledger
from galleria_plugins.marketing_points.rules import shop_rules
from galleria_plugins.marketing_points.tables import PointsAccount

BIRTHDAY_JOB = "marketing_points.birthday"


def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Shanghai")


def next_birthday(birthday: str, now: dt.datetime, timezone: str) -> dt.datetime:
    """The next start of `birthday` ("MM-DD") in the shop's time zone, today's included
    (29 February falls on 1 March in other years)."""
    month, day = (int(part) for part in birthday.split("-"))
    local = now.astimezone(_zone(timezone))
    for year in (local.year, local.year + 1, local.year + 2):
        try:
            start = dt.datetime(year, month, day, tzinfo=_zone(timezone))
        except ValueError:
            start = dt.datetime(year, 3, 1, tzinfo=_zone(timezone))
        if start.date() >= local.date():
            return start
    raise ValueError(birthday)


def check(month: int, day: int) -> str:
    try:
        dt.date(2000, month, day)  # a leap year: 02-29 is a birthday
    except ValueError:
        raise ValidationFailed("Not a date", errors=[FieldError("birthday", "not a date")]
                               ) from None
    return f"{month:02d}-{day:02d}"


async def set_birthday(tenant_id: int, customer: int, birthday: str, timezone: str) -> bool:
    """Set the shopper's birthday once (inside the shop's scope); False if it was set."""
    await ledger.ensure_account(tenant_id, customer)
    won = await PointsAccount.update({PointsAccount.birthday: birthday}).where(
        (PointsAccount.tenant == tenant_id) & (PointsAccount.customer == customer)
        & (PointsAccount.birthday == "")).returning(PointsAccount.id)
    if won:
        now = dt.datetime.now(dt.UTC)
        await enqueue(tenant_id, BIRTHDAY_JOB, delay=max(
            next_birthday(birthday, now, timezone) - now, dt.timedelta(0)),
            shop_id=tenant_id, customer=customer, timezone=timezone)
    return bool(won)


async def give_birthday_points(shop_id: int, customer: int, timezone: str = "Asia/Shanghai",
                               now: dt.datetime | None = None) -> int:
    """The birthday job: on the birthday, the level's birthday points, once a year; then
    the job for the next one. Returns the points given now."""
    now = now or dt.datetime.now(dt.UTC)
    async with shop_scope(shop_id):
        account = await ledger.get_account(shop_id, customer)
        if not account["birthday"]:
            return 0
        start = next_birthday(account["birthday"], now, timezone)
        local_today = now.astimezone(_zone(timezone)).date()
        given = 0
        if start.date() == local_today:
            rules = await shop_rules(shop_id)
            level = rules.level_named(account["level"])
            points = level.birthday_points if level else 0
            # The year's entry is the run's key: a second run on the day writes nothing
            # and schedules nothing, so one job a year stays one.
            if points and not await ledger.credit(
                    shop_id, customer, points, "reward",
                    f"birthday:{customer}:{local_today.year}", note="birthday",
                    expires_at=rules.expires_at(now, timezone)):
                return 0
            given = points
            if level is not None and (level.birthday_coupon or rules.birthday_coupon):
                # paid by the coupon plugin into the wallet, once per ref (a year's): the
                # level's own coupon (by its name), else (none of that name) the shop's
                chosen: dict[str, Any] = {"coupon_id": rules.birthday_coupon}
                if level.birthday_coupon:
                    chosen["coupon_name"] = level.birthday_coupon
                await emit(shop_id, "reward.granted", {
                    "customer_id": customer, "kind": "coupon", "amount": 0, **chosen,
                    "reason": "birthday", "ref": f"birthday:{customer}:{local_today.year}",
                    "note": None, "timezone": timezone})
            start = next_birthday(account["birthday"], now + dt.timedelta(days=1), timezone)
        await enqueue(shop_id, BIRTHDAY_JOB, delay=max(start - now, dt.timedelta(0)),
                      shop_id=shop_id, customer=customer, timezone=timezone)
        return given


__all__ = ["BIRTHDAY_JOB", "check", "give_birthday_points", "next_birthday", "set_birthday"]

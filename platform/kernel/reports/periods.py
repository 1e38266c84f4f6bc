"""Date ranges of reports, in the shop's time zone.

A report covers whole local days, `first` to `last` inclusive; it is compared with the
period of the same length that ends the day before it starts. Moments are turned into local
days with the shop's zone, so an order at 00:30 in Shanghai counts on that Shanghai day even
though it is still the day before in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from galleria.kernel.errors import FieldError, ValidationFailed

RANGES = ("today", "yesterday", "7d", "30d")  # named ranges; "custom" takes from/to
GROUPINGS = ("day", "week", "month")
MAX_DAYS = 366 * 3  # a longer range is a mistake, not a report


def zone_of(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).date()


def day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The UTC moment the local `day` begins."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        last = self.first - dt.timedelta(days=1)
        return Period(last - dt.timedelta(days=self.days - 1), last)

    def each_day(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.days)]

    def utc_bounds(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in UTC."""
        return day_start(self.first, zone), day_start(self.last + dt.timedelta(days=1), zone)


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{field} is a date like 2026-12-05",
            errors=[FieldError(field, "expected a date like 2026-12-05")]) from None


def period_for(range_name: str | None, first: str | None, last: str | None,
               today: dt.date) -> Period:
    """The period a request names: a named range ending today, or `first`..`last`."""
    if first or last:
        start = _date(first or "", "from")
        end = _date(last or "", "to") if last else today
        if end < start:
            raise ValidationFailed("to is before from",
                                   errors=[FieldError("to", "is before from")])
        if (end - start).days >= MAX_DAYS:
            raise ValidationFailed(f"a report covers at most {MAX_DAYS} days",
                                   errors=[FieldError("from", "range too long")])
        return Period(start, end)
    name = range_name or "30d"
    if name == "today":
        return Period(today, today)
    if name == "yesterday":
        day = today - dt.timedelta(days=1)
        return Period(day, day)
    if name in ("7d", "30d"):
        return Period(today - dt.timedelta(days=int(name[:-1]) - 1), today)
    raise ValidationFailed(f"range is one of {', '.join(RANGES)}",
                           errors=[FieldError("range", "unknown range")])


def bucket(day: dt.date, group_by: str) -> dt.date:
    """The first day of the day/week (Monday)/month `day` falls in."""
    if group_by == "week":
        return day - dt.timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    return day


def check_grouping(group_by: str | None) -> str:
    group_by = group_by or "day"
    if group_by not in GROUPINGS:
        raise ValidationFailed(f"group_by is one of {', '.join(GROUPINGS)}",
                               errors=[FieldError("group_by", "unknown grouping")])
    return group_by

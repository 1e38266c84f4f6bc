"""Report periods: named ranges, the previous period, local days and groupings."""

import datetime as dt

import pytest

from galleria.kernel.errors import ValidationFailed
from galleria.kernel.reports.periods import (
    Period,
    bucket,
    check_grouping,
    local_day,
    period_for,
    zone_of,
)

TODAY = dt.date(2026, 12, 5)


def test_named_ranges_end_today_and_compare_with_the_days_before():
    assert period_for("today", None, None, TODAY) == Period(TODAY, TODAY)
    assert period_for("yesterday", None, None, TODAY).previous() == Period(
        dt.date(2026, 12, 3), dt.date(2026, 12, 3))
    thirty = period_for(None, None, None, TODAY)
    assert (thirty.first, thirty.days) == (dt.date(2026, 11, 6), 30)
    assert thirty.previous() == Period(dt.date(2026, 10, 7), dt.date(2026, 11, 5))
    assert period_for("7d", None, None, TODAY).first == dt.date(2026, 11, 29)


def test_a_custom_range_and_its_mistakes():
    assert period_for(None, "2026-11-01", "2026-11-30", TODAY).days == 30
    assert period_for(None, "2026-12-01", None, TODAY) == Period(dt.date(2026, 12, 1), TODAY)
    for first, last, field in (("2026-02-30", None, "from"), ("2026-12-02", "2026-12-01", "to"),
                               ("2020-01-01", "2026-01-01", "from")):
        with pytest.raises(ValidationFailed) as caught:
            period_for(None, first, last, TODAY)
        assert caught.value.errors[0].field == field
    with pytest.raises(ValidationFailed):
        period_for("fortnight", None, None, TODAY)


def test_local_days_in_the_shops_time_zone():
    zone = zone_of("Asia/Shanghai")
    assert local_day(dt.datetime(2026, 11, 10, 16, 30, tzinfo=dt.UTC), zone) == \
        dt.date(2026, 11, 11)  # 00:30 the next morning in Shanghai
    assert local_day(dt.datetime(2026, 11, 10, 15, 59), zone) == dt.date(2026, 11, 10)
    start, end = Period(dt.date(2026, 11, 11), dt.date(2026, 11, 11)).utc_bounds(zone)
    assert (start, end) == (dt.datetime(2026, 11, 10, 16, tzinfo=dt.UTC),
                            dt.datetime(2026, 11, 11, 16, tzinfo=dt.UTC))
    assert zone_of("Mars/Olympus").key == "UTC"


def test_groupings_start_on_monday_and_the_first_of_the_month():
    day = dt.date(2026, 12, 5)  # a Saturday
    assert bucket(day, "day") == day
    assert bucket(day, "week") == dt.date(2026, 11, 30)
    assert bucket(day, "month") == dt.date(2026, 12, 1)
    assert check_grouping(None) == "day"
    with pytest.raises(ValidationFailed):
        check_grouping("hour")

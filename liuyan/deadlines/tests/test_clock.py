"""The working-day clock: holidays, 调休 make-up workdays, weekends, fractions, pausing, years without data."""

import datetime as dt
import logging
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from liuyan.deadlines import clock
from liuyan.deadlines.clock import (
    Span,
    add_working_days,
    add_working_time,
    calendar_coverage,
    is_working_day,
    missing_years,
    working_time_between,
)
from liuyan.deadlines.models import CalendarDay, CalendarSource, CalendarYear, DayKind

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("calendar")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.mark.django_db
def test_friday_afternoon_plus_one_working_day_is_monday_afternoon():
    assert add_working_days(at(2025, 3, 7, 15), 1) == at(2025, 3, 10, 15)


@pytest.mark.django_db
def test_a_weekend_start_counts_from_monday_midnight_and_ends_at_the_end_of_monday():
    assert add_working_days(at(2025, 3, 8, 10), 1) == at(2025, 3, 11, 0)
    assert add_working_days(at(2025, 3, 9, 23, 59), 2) == at(2025, 3, 12, 0)


@pytest.mark.django_db
def test_the_result_is_in_shanghai_time_whatever_zone_the_start_is_in():
    start = dt.datetime(2025, 3, 7, 7, 0, tzinfo=dt.UTC)  # Friday 15:00 in Shanghai
    due = add_working_days(start, 1)
    assert due == at(2025, 3, 10, 15)
    assert due.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.django_db
def test_fractional_days_count_hours_of_working_time():
    assert add_working_days(at(2025, 3, 3, 18), 0.5) == at(2025, 3, 4, 6)
    assert add_working_days(at(2025, 3, 7, 20), 0.25) == at(2025, 3, 10, 2)  # 4 h on Friday, 2 h on Monday
    assert add_working_time(at(2025, 3, 7, 20), dt.timedelta(hours=30)) == at(2025, 3, 11, 2)


@pytest.mark.django_db
def test_zero_days_is_the_start_itself():
    assert add_working_days(at(2025, 3, 8, 10), 0) == at(2025, 3, 8, 10)


@pytest.mark.django_db
def test_it_skips_spring_festival_and_counts_the_tiaoxiu_saturday():
    # 2025: 春节 holidays Tue 01-28 .. Tue 02-04; Sat 02-08 is a make-up workday.
    # Mon 01-27 12:00: 12 h, then Wed 02-05, Thu, Fri, Sat 02-08 (调休), then 12 h of Mon 02-10.
    assert add_working_days(at(2025, 1, 27, 12), 5) == at(2025, 2, 10, 12)


@pytest.mark.django_db
def test_it_counts_the_tiaoxiu_sunday_before_spring_festival():
    # Fri 01-24 10:00: 14 h, Sun 01-26 (调休) 24 h, Mon 01-27 24 h, then 10 h of Wed 02-05.
    assert add_working_days(at(2025, 1, 24, 10), 3) == at(2025, 2, 5, 10)
    # A deadline falling on the make-up Saturday itself.
    assert add_working_days(at(2025, 2, 7, 9), 1) == at(2025, 2, 8, 9)


@pytest.mark.django_db
def test_a_fifteen_day_complaint_spans_national_day_2025_and_both_tiaoxiu_days():
    # 2025: 国庆/中秋 holidays Wed 10-01 .. Wed 10-08; make-up workdays Sun 09-28 and Sat 10-11.
    # Fri 09-26 16:00: 8 h; Sun 28, Mon 29, Tue 30; Thu 10-09, Fri 10, Sat 11; Mon 13 .. Fri 17; Mon 20 .. Wed 22;
    # 16 h of Thu 10-23.
    assert add_working_days(at(2025, 9, 26, 16), 15) == at(2025, 10, 23, 16)


@pytest.mark.django_db
def test_2026_spring_festival_and_national_day_follow_the_package():
    # 2026 春节: Sun 02-15 .. Mon 02-23 off, Sat 02-14 and Sat 02-28 worked.
    assert add_working_days(at(2026, 2, 13, 9), 2) == at(2026, 2, 24, 9)
    assert is_working_day(dt.date(2026, 2, 28))
    # 2026 国庆: Thu 10-01 .. Wed 10-07 off, Sun 09-20 and Sat 10-10 worked.
    assert add_working_days(at(2026, 9, 29, 12), 2) == at(2026, 10, 8, 12)
    assert is_working_day(dt.date(2026, 9, 20))
    assert is_working_day(dt.date(2026, 10, 10))
    assert not is_working_day(dt.date(2026, 10, 7))


@pytest.mark.django_db
def test_is_working_day_knows_weekdays_weekends_holidays_and_tiaoxiu_days():
    assert is_working_day(dt.date(2025, 3, 7))  # Friday
    assert not is_working_day(dt.date(2025, 3, 8))  # Saturday
    assert not is_working_day(dt.date(2025, 1, 28))  # 春节 (Tuesday)
    assert is_working_day(dt.date(2025, 1, 26))  # 调休 Sunday
    assert is_working_day(dt.date(2025, 10, 11))  # 调休 Saturday
    assert not is_working_day(dt.date(2025, 10, 8))  # 国庆 (Wednesday)


@pytest.mark.django_db
def test_working_time_between_counts_only_working_days():
    assert working_time_between(at(2025, 3, 7, 15), at(2025, 3, 10, 15)) == dt.timedelta(hours=24)
    assert working_time_between(at(2025, 3, 8, 1), at(2025, 3, 9, 23)) == dt.timedelta(0)
    # Across 春节 2025: Mon 01-27 and Wed 02-05 only.
    assert working_time_between(at(2025, 1, 27), at(2025, 2, 6)) == dt.timedelta(days=2)
    assert working_time_between(at(2025, 3, 10), at(2025, 3, 7)) == dt.timedelta(0)


@pytest.mark.django_db
def test_pausing_and_resuming_keeps_the_remaining_working_time():
    due = add_working_days(at(2025, 3, 3, 10), 5)
    assert due == at(2025, 3, 10, 10)
    remaining = working_time_between(at(2025, 3, 5, 10), due)  # paused on Wednesday 10:00
    assert remaining == dt.timedelta(days=3)
    assert add_working_time(at(2025, 3, 17, 9), remaining) == at(2025, 3, 20, 9)  # resumed a week later


@pytest.mark.django_db
def test_a_pause_over_national_day_does_not_consume_the_holiday():
    due = at(2025, 10, 10, 12)
    remaining = working_time_between(at(2025, 9, 30, 12), due)  # Tue 12 h + Thu 10-09 + Fri 12 h
    assert remaining == dt.timedelta(days=2)
    assert add_working_time(at(2025, 10, 13, 8), remaining) == at(2025, 10, 15, 8)


@pytest.mark.django_db
def test_a_year_without_data_falls_back_to_weekends_and_reports_itself_missing(caplog):
    caplog.set_level(logging.WARNING, logger="liuyan.deadlines.clock")
    assert not calendar_coverage(2031)
    assert calendar_coverage(2025)
    assert missing_years(2025, 2031) == [2027, 2028, 2029, 2030, 2031]
    assert missing_years(dt.date(2024, 5, 1), dt.date(2026, 1, 1)) == []
    assert is_working_day(dt.date(2031, 1, 1))  # 元旦 unknown: a plain Wednesday
    assert add_working_days(at(2031, 1, 3, 15), 1) == at(2031, 1, 6, 15)  # Friday → Monday
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1  # once per process per year


@pytest.mark.django_db
def test_an_admin_holiday_for_a_missing_year_changes_the_result_immediately():
    start = at(2030, 12, 31, 12)
    assert add_working_days(start, 1) == at(2031, 1, 1, 12)
    CalendarDay.objects.create(date=dt.date(2031, 1, 1), kind=DayKind.HOLIDAY, name="元旦", source=CalendarSource.ADMIN)
    assert add_working_days(start, 1) == at(2031, 1, 2, 12)
    assert not calendar_coverage(2031)
    CalendarYear.objects.create(year=2031, is_complete=True)
    assert calendar_coverage(2031)
    CalendarDay.objects.filter(date=dt.date(2031, 1, 1)).delete()
    assert add_working_days(start, 1) == at(2031, 1, 1, 12)


@pytest.mark.django_db
def test_another_process_notices_a_change_through_the_shared_cache(monkeypatch):
    start = at(2025, 1, 24, 10)
    assert add_working_days(start, 1) == at(2025, 1, 26, 10)  # Sun 01-26 is 调休
    # A write that sends no signal (as seen from this process, like another process's write) ...
    CalendarDay.objects.filter(date=dt.date(2025, 1, 26)).update(kind=DayKind.HOLIDAY)
    assert add_working_days(start, 1) == at(2025, 1, 26, 10)  # ... is not seen until the check interval passes
    cache.set(clock.calendar_cache.key, "token-from-another-process")
    later = time.monotonic() + 60
    monkeypatch.setattr("liuyan.deadlines.caching.monotonic", lambda: later)
    assert add_working_days(start, 1) == at(2025, 1, 27, 10)


@pytest.mark.django_db
def test_the_calendar_is_read_once_not_per_day(django_assert_num_queries):
    add_working_days(at(2025, 1, 1), 1)
    with django_assert_num_queries(0):
        for day in range(1, 28):
            add_working_days(at(2025, 2, day, 9), 15)


@pytest.mark.django_db
def test_it_refuses_naive_datetimes_and_negative_spans():
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2025, 3, 7, 15), 1)
    with pytest.raises(ValueError):
        add_working_days(at(2025, 3, 7, 15), -1)


@pytest.mark.django_db
def test_a_span_is_either_working_days_or_wall_clock_hours():
    assert Span(hours=2).due_after(at(2025, 3, 8, 10)) == at(2025, 3, 8, 12)  # Saturday: hours still run
    assert Span(hours=24).due_after(at(2025, 1, 28, 9)) == at(2025, 1, 29, 9)  # and on holidays
    assert Span(working_days=1).due_after(at(2025, 3, 7, 15)) == at(2025, 3, 10, 15)
    with pytest.raises(ValueError):
        Span()
    with pytest.raises(ValueError):
        Span(working_days=1, hours=2)


@pytest.mark.django_db
def test_a_calendar_change_is_announced_again_when_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        CalendarDay.objects.create(date=dt.date(2031, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    cache.set(clock.calendar_cache.key, "stale-token")
    assert len(callbacks) == 1
    callbacks[0]()
    assert cache.get(clock.calendar_cache.key) != "stale-token"

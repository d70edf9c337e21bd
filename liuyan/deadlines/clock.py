"""The working-day clock: deadline arithmetic over China's official holiday and 调休 calendar.

Model: working time elapses only during working days, each a whole day 00:00–24:00 in `settings.TIME_ZONE`.
A working day is a Monday–Friday that is not a holiday (放假), or any day marked as a make-up workday (调休上班).
A year with no complete `CalendarYear` row "has no data": the clock still honours whatever `CalendarDay` rows it
has, otherwise counts plain weekends, and logs a warning once per process for that year (`calendar_coverage`,
`missing_years` let callers tell users).

The calendar is read once into this process (two small queries) and kept until a `CalendarDay`/`CalendarYear`
row changes; see `liuyan.deadlines.caching.SharedVersionCache` for how other processes notice.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from liuyan.deadlines.caching import SharedVersionCache

logger = logging.getLogger(__name__)

ONE_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)
# A run of this many consecutive non-working days means the calendar data is broken: stop instead of looping.
_MAX_IDLE_DAYS = 366


@dataclass(frozen=True)
class Calendar:
    """A snapshot of the calendar table: the exceptions to the Mon–Fri week, and the years fully loaded."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    complete_years: frozenset[int]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def _load_calendar() -> Calendar:
    from liuyan.deadlines.models import CalendarDay, CalendarYear, DayKind

    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (workdays if kind == DayKind.WORKDAY else holidays).add(day)
    years = CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True)
    return Calendar(frozenset(holidays), frozenset(workdays), frozenset(years))


calendar_cache: SharedVersionCache[Calendar] = SharedVersionCache("liuyan:deadlines:calendar", _load_calendar)
_warned_years: set[int] = set()


def get_calendar() -> Calendar:
    return calendar_cache.get()


def invalidate_calendar() -> None:
    """Forget the cached calendar here and tell other processes. Call it after writes that send no signals."""
    calendar_cache.invalidate()


def calendar_coverage(year: int) -> bool:
    """True if the official calendar for `year` is loaded completely."""
    return year in get_calendar().complete_years


def missing_years(start: int | dt.date, end: int | dt.date) -> list[int]:
    """The years from `start` to `end` (inclusive; years or dates) whose official calendar is not loaded."""
    first = start if isinstance(start, int) else start.year
    last = end if isinstance(end, int) else end.year
    complete = get_calendar().complete_years
    return [year for year in range(first, last + 1) if year not in complete]


def _note_year(calendar: Calendar, year: int) -> None:
    if year not in calendar.complete_years and year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "%s年节假日数据缺失，仅按周末计算工作日 / no holiday calendar for %s: counting weekends only "
            "(load it with `liuyan calendar seed` or `liuyan calendar import`)",
            year,
            year,
        )


def is_working_day(day: dt.date) -> bool:
    calendar = get_calendar()
    _note_year(calendar, day.year)
    return calendar.is_working_day(day)


def _to_local_naive(moment: dt.datetime) -> dt.datetime:
    """Wall time in settings.TIME_ZONE (not the request's activated time zone: the calendar is China's)."""
    if timezone.is_naive(moment):
        raise ValueError("the working-day clock needs aware datetimes")
    return timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None)


def _to_aware(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=timezone.get_default_timezone())


def add_working_time(start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """The earliest moment at which `delta` of working time has elapsed since `start`."""
    if delta < _ZERO:
        raise ValueError("cannot add negative working time")
    if not delta:
        return timezone.localtime(start, timezone.get_default_timezone())
    calendar = get_calendar()
    cursor = _to_local_naive(start)
    day = cursor.date()
    year = day.year
    _note_year(calendar, year)
    remaining = delta
    idle = 0
    while True:
        next_midnight = dt.datetime.combine(day + ONE_DAY, dt.time())
        if calendar.is_working_day(day):
            idle = 0
            available = next_midnight - cursor
            if remaining <= available:
                return _to_aware(cursor + remaining)
            remaining -= available
        else:
            idle += 1
            if idle > _MAX_IDLE_DAYS:
                raise RuntimeError(f"no working day in the year after {day - ONE_DAY * idle}: check the calendar")
        day += ONE_DAY
        cursor = next_midnight
        if day.year != year:
            year = day.year
            _note_year(calendar, year)


def add_working_days(start: dt.datetime, days: float) -> dt.datetime:
    """The moment when `days` × 24 h of working time have elapsed after `start` (fractions allowed).

    Friday 15:00 + 1 → Monday 15:00; Saturday 10:00 + 1 → Tuesday 00:00 (the end of Monday).
    """
    return add_working_time(start, dt.timedelta(days=days))


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The working time that elapses from `start` to `end`; zero if `end` is not after `start`.

    Pausing a deadline: `remaining = working_time_between(paused_at, due_at)`, and on resuming
    `due_at = add_working_time(resumed_at, remaining)`.
    """
    if end <= start:
        return _ZERO
    calendar = get_calendar()
    cursor = _to_local_naive(start)
    stop = _to_local_naive(end)
    day = cursor.date()
    year = day.year
    _note_year(calendar, year)
    total = _ZERO
    while cursor < stop:
        next_midnight = dt.datetime.combine(day + ONE_DAY, dt.time())
        if calendar.is_working_day(day):
            total += min(next_midnight, stop) - cursor
        day += ONE_DAY
        cursor = next_midnight
        if day.year != year and cursor < stop:
            year = day.year
            _note_year(calendar, year)
    return total


@dataclass(frozen=True)
class Span:
    """A deadline span: either working days on the working-day clock, or wall-clock hours."""

    working_days: float | None = None
    hours: float | None = None

    def __post_init__(self) -> None:
        if (self.working_days is None) == (self.hours is None):
            raise ValueError("a Span has either working_days or hours")
        value = self.working_days if self.working_days is not None else self.hours
        if value is not None and value < 0:
            raise ValueError("a Span cannot be negative")

    def due_after(self, start: dt.datetime) -> dt.datetime:
        if self.hours is not None:
            if timezone.is_naive(start):
                raise ValueError("due_after needs an aware datetime")
            elapsed = start.astimezone(dt.UTC) + dt.timedelta(hours=self.hours)  # real elapsed time
            return timezone.localtime(elapsed, timezone.get_default_timezone())
        assert self.working_days is not None
        return add_working_days(start, self.working_days)

    def __str__(self) -> str:
        if self.hours is not None:
            return f"{self.hours:g} 小时 hours"
        return f"{self.working_days:g} 个工作日 working days"

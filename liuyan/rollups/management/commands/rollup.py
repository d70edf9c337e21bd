"""`liuyan rollup rebuild [--workers N]|check [--no-progress]` and `liuyan rollup fold`: recompute, compare, or fold the log."""

import sys
import time
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import CommandError
from tqdm import tqdm

from liuyan.common.commands import LiuyanCommand, count_int
from liuyan.messages.models import Message
from liuyan.rollups.rebuild import check, rebuild
from liuyan.rollups.upkeep import fold

SHOWN = 50


class Command(LiuyanCommand):
    help = "统计汇总 / Rollups: `rollup rebuild` recomputes them from the messages, `rollup check` compares"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, text in (
            ("rebuild", "从留言重新计算全部汇总（一个事务内替换） / recompute every rollup row, replacing the table"),
            ("check", "比较汇总表与重新计算的结果，有差异时返回非零 / compare with a recomputation, exit 1 on any"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")
            if name == "rebuild":
                p.add_argument(
                    "--workers",
                    type=count_int,
                    default=None,
                    help="逐月计算的进程数（默认：留言多时每个 CPU 一个）/ processes summing the months (default: one "
                    "per CPU for a large table, 0 = in this process)",
                )
        sub.add_parser(
            "fold",
            help="把待汇总的增量并入月度和年度汇总（幂等，可由 cron 每分钟运行） / fold pending deltas into the "
            "monthly and yearly summaries (idempotent: run it from cron every minute)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "fold":
            folded = fold()
            self.stdout.write(f"已并入 {folded} 条增量 / folded {folded} pending delta(s)")
            return
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        disable = options["no_progress"] or not stream.isatty()
        started = time.monotonic()
        with tqdm(
            total=Message.objects.count(), desc="rollup", unit="条", file=stream, disable=disable, leave=False
        ) as bar:
            if options["subcommand"] == "rebuild":
                rows = rebuild(on_batch=bar.update, workers=options["workers"])
                self.stdout.write(
                    f"已重建 {rows} 行汇总（{time.monotonic() - started:.1f} 秒） / "
                    f"rebuilt {rows} rollup row(s) ({time.monotonic() - started:.1f} s)"
                )
                return
            diffs = check(on_batch=bar.update)
        if not diffs:
            self.stdout.write("汇总与重新计算一致 / the rollups agree with a recomputation")
            return
        for diff in diffs[:SHOWN]:
            self.stdout.write(str(diff))
        if len(diffs) > SHOWN:
            self.stdout.write(f"… {len(diffs) - SHOWN} more")
        raise CommandError(f"汇总有 {len(diffs)} 处差异 / {len(diffs)} difference(s) in the rollups")

"""`liuyan import messages FILE [FILE ...] --board CODE …`: load historical messages from CSV/XLSX files."""

import csv
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError
from tqdm import tqdm

from liuyan.common.commands import LiuyanCommand
from liuyan.common.errors import LiuyanError
from liuyan.common.tables import open_table
from liuyan.dataio.importer import (
    ImportOptions,
    MessageImportReport,
    all_problems,
    check_file,
    import_table,
    resolve_board,
    resolve_region,
)
from liuyan.messages.models import MessageType

PROGRESS_DELAY_SECONDS = 1.0  # short imports finish before a bar would appear


class Command(LiuyanCommand):
    help = "导入数据 / Import data: `import messages FILE …` loads historical messages (留言) from CSV/XLSX"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        messages = sub.add_parser(
            "messages",
            help="导入历史留言（留言编号, 留言用户, 留言主题, 留言时间, 留言详情 …） / import historical messages",
            description=(
                "Columns: 留言编号, 留言用户, 留言主题, 留言时间, 留言详情 (required); 一级标签, 答复意见, 答复时间, "
                "点赞数, 反对数 (optional); others are ignored. Rows with a reply are imported as replied (or "
                "closed with --closed), the others enter review. Re-importing a file is a no-op: each row's "
                "external id is NAMESPACE:留言编号."
            ),
        )
        messages.add_argument("files", nargs="+", metavar="FILE", help="CSV（UTF-8/GB18030）或 XLSX / CSV or XLSX")
        messages.add_argument("--board", required=True, help="留言对象编码（必须已存在） / board code (must exist)")
        messages.add_argument(
            "--region", help="文中未识别出地区时使用的地区编码 / region code used when none is found in the text"
        )
        messages.add_argument(
            "--type",
            choices=list(MessageType.values),
            default=MessageType.COMPLAINT,
            help="标题未标明类型时的留言类型（默认 complaint；标题含 建议/咨询/请问/求助/投诉 时按标题） / "
            "type of rows whose title marks none (default complaint)",
        )
        messages.add_argument(
            "--namespace", help="外部编号前缀（默认：文件名主干） / external id prefix (default: the file's stem)"
        )
        messages.add_argument(
            "--closed", action="store_true", help="有答复的留言导入为已办结 / rows with a reply are imported closed"
        )
        messages.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only, write nothing")
        messages.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")
        messages.add_argument(
            "--report", metavar="FILE", help="把所有错误行和警告写入 CSV / write every bad row and warning to a CSV"
        )
        messages.add_argument(
            "--show", type=int, default=20, metavar="N", help="显示前 N 个错误行（默认 20） / show the first N bad rows"
        )
        messages.add_argument(
            "--strict", action="store_true", help="有错误行时以失败退出 / exit with an error when any row is bad"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._import_messages(options)
        except LiuyanError as exc:
            raise CommandError(str(exc)) from exc

    def _import_messages(self, options: dict[str, Any]) -> None:
        paths = [Path(f) for f in options["files"]]
        board = resolve_board(options["board"])
        region = resolve_region(options["region"]) if options["region"] else None
        settings = ImportOptions(
            board=board,
            default_region=region,
            default_type=options["type"],
            namespace=options["namespace"],
            closed=options["closed"],
            dry_run=options["dry_run"],
        )
        for path in paths:
            check_file(path, settings)  # a malformed file stops the run before any row of any file is written
        started = time.monotonic()
        reports: list[MessageImportReport] = []
        for path in paths:
            reports.append(self._import_one(path, settings, no_progress=options["no_progress"]))
        elapsed = time.monotonic() - started
        for report in reports:
            self.stdout.write(report.summary())
        self._print_totals(reports, elapsed, settings.dry_run)
        self._print_bad_rows(reports, options["show"])
        if options["report"]:
            written = write_problem_report(Path(options["report"]), reports)
            self.stdout.write(
                f"已写出 {written} 条问题到 {options['report']} / wrote {written} problem(s) to {options['report']}"
            )
        if options["strict"] and any(r.bad_rows for r in reports):
            raise CommandError("存在错误行 / some rows are bad")

    def _import_one(self, path: Path, settings: ImportOptions, *, no_progress: bool) -> MessageImportReport:
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        disable = no_progress or not stream.isatty()
        with (
            open_table(path) as table,
            tqdm(
                desc=path.name,
                unit="行",
                file=stream,
                disable=disable,
                total=table.total,
                delay=PROGRESS_DELAY_SECONDS,
                leave=False,
            ) as bar,
        ):
            return import_table(table, settings, on_row=bar.update)

    def _print_totals(self, reports: list[MessageImportReport], elapsed: float, dry_run: bool) -> None:
        if len(reports) > 1 or dry_run:
            created = sum(r.created for r in reports)
            skipped = sum(r.skipped for r in reports)
            bad = sum(r.bad_rows for r in reports)
            warnings = sum(len(r.warnings) for r in reports)
            verb_zh, verb_en = ("将新建", "would create") if dry_run else ("新建", "created")
            self.stdout.write(
                f"合计：{verb_zh} {created}，已存在（跳过）{skipped}，错误行 {bad}，警告 {warnings} / "
                f"total: {verb_en} {created}, already present (skipped) {skipped}, bad rows {bad}, warnings {warnings}"
            )
        if dry_run:
            self.stdout.write("试运行，未写入任何数据 / dry run: nothing was written")
        self.stdout.write(f"用时 {elapsed:.1f} 秒 / took {elapsed:.1f} s")

    def _print_bad_rows(self, reports: list[MessageImportReport], show: int) -> None:
        shown = 0
        total = sum(r.bad_rows for r in reports)
        for report in reports:
            for error in report.errors:
                if shown >= show:
                    break
                self.stdout.write(f"  {report.file} {error}")
                shown += 1
        if total > shown:
            self.stdout.write(
                f"  ……另有 {total - shown} 个错误行未显示（用 --report FILE 导出全部） / "
                f"… {total - shown} more bad row(s) not shown (use --report FILE for all)"
            )


def write_problem_report(path: Path, reports: list[MessageImportReport]) -> int:
    """All bad rows and warnings as CSV: file, row, kind (error/warning), message (中文), message_en."""
    problems = all_problems(reports)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "kind", "message", "message_en"])
        for file, kind, problem in problems:
            writer.writerow([file, problem.row, kind, problem.zh, problem.en])
    return len(problems)

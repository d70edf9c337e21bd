"""`liuyan search rebuild [--batch N]` and `liuyan search status`: the full-text index of the public message text."""

import sys
import time
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import CommandError
from tqdm import tqdm

from liuyan.common.commands import LiuyanCommand, positive_int
from liuyan.messages.models import Message
from liuyan.search import index


class Command(LiuyanCommand):
    help = (
        "全文检索索引 / the full-text search index. rebuild: reindex every message's public text (idempotent); "
        "status: messages indexed and missing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{rebuild,status}")
        rebuild = sub.add_parser(
            "rebuild", help="从留言表重建索引（可重复执行） / rebuild from the messages table (idempotent)"
        )
        rebuild.add_argument(
            "--batch",
            type=positive_int,
            default=index.DEFAULT_BATCH,
            help=f"每批留言数（每批一个事务） / messages per batch and transaction ({index.DEFAULT_BATCH})",
        )
        rebuild.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")
        sub.add_parser("status", help="已索引与缺失的留言数 / messages indexed and missing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "rebuild":
                self._rebuild(options["batch"], options["no_progress"])
            else:
                self._status()
        except index.UnsupportedDatabase as exc:
            raise CommandError(f"全文检索只支持 SQLite 和 PostgreSQL / {exc}") from exc

    def _rebuild(self, batch: int, no_progress: bool) -> None:
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        started = time.monotonic()
        total = Message.objects.count()
        with tqdm(
            total=total, desc="索引 indexing", unit="条", file=stream, disable=no_progress or not stream.isatty()
        ) as bar:
            count = index.rebuild(batch=batch, on_batch=bar.update)
        seconds = time.monotonic() - started
        self.stdout.write(f"已索引 {count} 条留言（{seconds:.1f} 秒） / indexed {count} message(s) in {seconds:.1f} s")

    def _status(self) -> None:
        s = index.status()
        follows = "是 yes" if s.follows_deletes else "否 no — 请运行 rebuild / run rebuild"
        self.stdout.write(
            "\n".join(
                [
                    f"后端 backend: {s.backend}",
                    f"留言 messages: {s.messages}",
                    f"已索引 indexed: {s.indexed}",
                    f"缺失 missing: {s.missing}",
                    f"多余 orphans: {s.orphans}",
                    f"删除同步 follows deletes: {follows}",
                ]
            )
        )
        if s.missing or s.orphans or not s.follows_deletes:
            self.stdout.write(
                "索引不完整，请运行 `liuyan search rebuild` / the index is incomplete: run `liuyan search rebuild`"
            )

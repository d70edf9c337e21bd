"""`liuyan intake rerun|status`: read stored messages again after a model update, and what intake has decided."""

import sys
import time
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from tqdm import tqdm

from liuyan.common.commands import LiuyanCommand
from liuyan.intake.hooks import OPEN_FOR_DISPATCH, reread
from liuyan.intake.models import Decision, IntakeResult, LabeledExample
from liuyan.messages.models import Message
from liuyan.messages.states import State

BATCH = 200


class Command(LiuyanCommand):
    help = (
        "智能录入 / intake. rerun: read messages again with the active models (by default those still waiting for "
        "review or dispatch; idempotent); status: decisions, auto-dispatch share and people's corrections."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{rerun,status}")
        rerun = sub.add_parser("rerun", help="用当前模型重新识别 / read messages again with the active models")
        rerun.add_argument(
            "--state",
            action="append",
            choices=list(State.values),
            help="只处理这些状态（可重复；默认待审核、待交办） / only these states (repeatable; default: waiting "
            "for review or dispatch)",
        )
        rerun.add_argument("--all", action="store_true", help="全部留言 / every message")
        rerun.add_argument("--limit", type=int, default=0, help="最多处理条数 / at most this many (0: no limit)")
        rerun.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")
        sub.add_parser("status", help="识别与交办情况 / what intake decided")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rerun":
            self._rerun(options)
        else:
            self._status()

    def _rerun(self, options: dict[str, Any]) -> None:
        if options["limit"] < 0:
            raise CommandError("--limit 不能为负数 / --limit must not be negative")
        messages = Message.objects.order_by("pk")
        if not options["all"]:
            messages = messages.filter(state__in=options["state"] or OPEN_FOR_DISPATCH)
        total = messages.count()
        if options["limit"]:
            total = min(total, options["limit"])
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        started = time.monotonic()
        done, last = 0, 0
        with tqdm(total=total, unit="条", disable=options["no_progress"], file=stream) as bar:
            while done < total:
                batch = list(
                    messages.filter(pk__gt=last)
                    .select_related("board")
                    .only(
                        "pk",
                        "title",
                        "body",
                        "region_id",
                        "category_id",
                        "submitted_at",
                        "author_id",
                        "contact_phone",
                        "board__auto_dispatch",
                        "board__auto_dispatch_threshold",
                    )[: min(BATCH, total - done)]
                )
                if not batch:
                    break
                done += reread(batch)
                last = batch[-1].pk
                bar.update(len(batch))
        seconds = time.monotonic() - started
        self.stdout.write(
            f"重新识别 {done} 条留言，用时 {seconds:.1f} 秒 / read {done} messages again in {seconds:.1f} s"
        )

    def _status(self) -> None:
        decided = IntakeResult.objects.aggregate(
            total=Count("pk"),
            auto=Count("pk", filter=Q(decision=Decision.AUTO)),
            flagged=Count("pk", filter=~Q(flags=[])),
            troubled=Count("pk", filter=~Q(problems=[])),
        )
        total = decided["total"] or 0
        share = f"{decided['auto'] / total:.1%}" if total else "—"
        self.stdout.write(f"已识别 read: {total}")
        self.stdout.write(f"可自动交办 auto-dispatch: {decided['auto']} ({share})")
        self.stdout.write(f"重点留言 key-message flags: {decided['flagged']}")
        self.stdout.write(f"需人工阅读 with problems: {decided['troubled']}")
        examples = LabeledExample.objects.values("task").annotate(
            n=Count("pk"), corrected=Count("pk", filter=~Q(predicted="") & ~Q(predicted=F("label")))
        )
        for row in examples.order_by("task"):
            self.stdout.write(
                f"人工决定 people's decisions ({row['task']}): {row['n']}, 纠正 corrections: {row['corrected']}"
            )

"""`liuyan notify send`: e-mail queued notifications (idempotent; safe from cron on several machines at once)."""

import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import CommandError

from liuyan.common.commands import LiuyanCommand
from liuyan.notify.deliver import Report, run_loop, send_pending


class Command(LiuyanCommand):
    help = "Notifications: e-mail the queued ones (each exactly once, failures retried with back-off)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        send = sub.add_parser("send", help="e-mail every due notification")
        send.add_argument("--limit", type=int, help="at most this many notifications (per pass with --loop)")
        send.add_argument("--loop", action="store_true", help="keep going until stopped (Ctrl-C, SIGTERM)")
        send.add_argument("--interval", type=float, default=5.0, help="seconds between passes with --loop (5)")

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int | None = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit 应为正整数 / --limit must be a positive number")
        if options["interval"] < 0:
            raise CommandError("--interval 不能为负 / --interval must not be negative")
        if not options["loop"]:
            self._print(send_pending(limit=limit))
            return
        stop: list[bool] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.append(True)  # finish the notification in hand, then leave

        previous = signal.signal(signal.SIGTERM, on_signal)
        try:
            total = run_loop(
                interval=options["interval"],
                limit=limit,
                on_pass=lambda report: self._print(report) if report.processed else None,
                should_stop=lambda: bool(stop),
            )
        except KeyboardInterrupt:
            return
        finally:
            signal.signal(signal.SIGTERM, previous)
        self._print(total, prefix="total ")

    def _print(self, report: Report, prefix: str = "") -> None:
        self.stdout.write(prefix + " ".join(f"{k}={v}" for k, v in report.as_dict().items()))
        for error in report.errors:
            self.stderr.write(error)

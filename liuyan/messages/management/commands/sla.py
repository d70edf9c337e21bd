"""`liuyan sla tick`: run the deadline ladder once (idempotent; safe from cron on several machines at once)."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.dateparse import parse_datetime

from liuyan.common.commands import LiuyanCommand
from liuyan.messages.sla import tick


class Command(LiuyanCommand):
    help = "Deadline ladder: warning lights, 催办, 通报, auto-close and auto-archive."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("tick", help="run the ladder once")
        run.add_argument("--at", help="pretend the time is this ISO datetime (for replays and tests)")
        run.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options.get("at"):
            at = parse_datetime(options["at"])
            if at is None or at.tzinfo is None:
                raise CommandError("时间格式应为带时区的 ISO 格式 / --at must be an ISO datetime with a time zone")
        report = tick(at)
        if options["json"]:
            self.stdout.write(json.dumps({**report.as_dict(), "errors": report.errors}))
        else:
            self.stdout.write(" ".join(f"{k}={v}" for k, v in report.as_dict().items()))
        for error in report.errors:
            self.stderr.write(error)

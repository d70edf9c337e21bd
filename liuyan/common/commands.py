"""Base class of Liuyan's management commands: bad input ends with the bilingual message, not a traceback."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyan.common.errors import LiuyanError


class LiuyanCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except LiuyanError as exc:
            raise CommandError(str(exc)) from exc

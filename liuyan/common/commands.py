"""Base class of Liuyan's management commands: bad input ends with the bilingual message, not a traceback."""

from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyan.common.errors import LiuyanError


class LiuyanCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except LiuyanError as exc:
            raise CommandError(str(exc)) from exc


def positive_int(value: str) -> int:
    """An argparse type: a whole number ≥ 1 (argparse reports a bad one as `argument --batch: …`)."""
    return _whole(value, 1, "应为正整数 / must be a positive whole number")


def count_int(value: str) -> int:
    """An argparse type: a whole number ≥ 0."""
    return _whole(value, 0, "应为非负整数 / must be a whole number ≥ 0")


def _whole(value: str, least: int, text: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = least - 1
    if number < least:
        raise ArgumentTypeError(f"{text}, not {value!r}")
    return number

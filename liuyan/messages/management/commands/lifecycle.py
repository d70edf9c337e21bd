"""`liuyan lifecycle`: print the states and the transition table as Markdown (the README embeds it)."""

from typing import Any

from django.core.management.base import BaseCommand

from liuyan.messages.docs import lifecycle_markdown


class Command(BaseCommand):
    help = "Print the lifecycle states and transition table as Markdown."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(lifecycle_markdown())

"""App config for deadlines."""

from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "liuyan.deadlines"
    label = "deadlines"
    verbose_name = "时限 Deadlines"

    def ready(self) -> None:
        from liuyan.deadlines import signals

        signals.connect()

"""App config for shared pieces."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "liuyan.common"
    label = "common"

    def ready(self) -> None:
        from liuyan.common import checks  # noqa: F401  (registers the deploy checks)

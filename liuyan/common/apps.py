"""App config for shared pieces."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "liuyan.common"
    label = "common"

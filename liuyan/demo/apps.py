"""App config for demo."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "liuyan.demo"
    label = "demo"
    verbose_name = "演示 Demo"

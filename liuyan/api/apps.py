"""App config for api."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "liuyan.api"
    label = "api"
    verbose_name = "API"

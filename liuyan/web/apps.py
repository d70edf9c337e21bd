"""App config for the web portal: server-rendered pages for citizens and staff."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "liuyan.web"
    label = "web"

"""App config for notify."""

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "liuyan.notify"
    label = "notify"
    verbose_name = "通知 Notifications"

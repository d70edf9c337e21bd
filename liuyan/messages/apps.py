"""App config for messages."""

from django.apps import AppConfig


class MessagesConfig(AppConfig):
    name = "liuyan.messages"
    label = "msgs"
    verbose_name = "留言 Messages"

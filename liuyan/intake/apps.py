"""The intelligent intake app (智能录入 · 智能判处 · 自动交办): reads every new message and routes it."""

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "liuyan.intake"
    label = "intake"
    verbose_name = "智能录入与交办 Intelligent intake"
    default_auto_field = "django.db.models.BigAutoField"

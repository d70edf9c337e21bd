"""Rollups: per-day aggregates of the metrics of DOMAIN §5, kept current by the lifecycle actions."""

from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "liuyan.rollups"
    label = "rollups"
    verbose_name = "统计汇总 Rollups"
    default_auto_field = "django.db.models.BigAutoField"

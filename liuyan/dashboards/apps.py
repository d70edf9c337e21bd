"""App config for the governance dashboards (数据分析) shown to analysts, leaders, supervisors and admins."""

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "liuyan.dashboards"
    label = "dashboards"
    verbose_name = "数据分析 Dashboards"

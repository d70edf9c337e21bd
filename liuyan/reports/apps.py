"""Reports app: period reports and the charts shared with the dashboards."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "liuyan.reports"
    label = "reports"
    verbose_name = "数据分析报告 Reports"
    default_auto_field = "django.db.models.BigAutoField"

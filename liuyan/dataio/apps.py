"""App config for dataio."""

from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "liuyan.dataio"
    label = "dataio"
    verbose_name = "导入导出 Import/export"

"""App config for taxonomy."""

from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "liuyan.taxonomy"
    label = "taxonomy"
    verbose_name = "分类 Categories"

"""App config for geo."""

from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "liuyan.geo"
    label = "geo"
    verbose_name = "地区 Regions"

"""App config for geo."""

from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "liuyan.geo"
    label = "geo"
    verbose_name = "地区 Regions"

    def ready(self) -> None:
        from . import region_lookup  # noqa: F401  (connects the signals that clear the name cache)

"""Rollups: per-day aggregates of the metrics of DOMAIN §5, kept current by the lifecycle actions."""

from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "liuyan.rollups"
    label = "rollups"
    verbose_name = "统计汇总 Rollups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from liuyan.geo.models import Region
        from liuyan.rollups import dimensions
        from liuyan.taxonomy.models import Category

        def forget(**_kwargs: object) -> None:
            dimensions.forget_cache()

        for model in (Region, Category):
            post_save.connect(forget, sender=model, dispatch_uid=f"rollups-dimensions-{model.__name__}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"rollups-dimensions-{model.__name__}-delete")

"""App configuration of liuyan.search; after every migrate it puts back the SQLite delete trigger if needed."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "liuyan.search"
    label = "search"
    verbose_name = "全文检索 Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_schema, sender=self, dispatch_uid="liuyan.search.ensure_schema")


def _ensure_schema(sender: Any, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from liuyan.search.index import ensure_schema

    ensure_schema(connections[using])

"""Signal receivers that drop the cached calendar and policies whenever their rows change."""

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from liuyan.deadlines.clock import invalidate_calendar
from liuyan.deadlines.models import CalendarDay, CalendarYear, DeadlinePolicy
from liuyan.deadlines.policy import invalidate_policies


def _calendar_changed(sender: Any, **kwargs: Any) -> None:
    invalidate_calendar()


def _policies_changed(sender: Any, **kwargs: Any) -> None:
    invalidate_policies()


def connect() -> None:
    from liuyan.taxonomy.models import Category

    model: type[Model]
    for model in (CalendarDay, CalendarYear):
        post_save.connect(_calendar_changed, sender=model, dispatch_uid=f"deadlines-calendar-save-{model.__name__}")
        post_delete.connect(_calendar_changed, sender=model, dispatch_uid=f"deadlines-calendar-delete-{model.__name__}")
    # Category changes matter because category-scoped policies match descendants through the parent chain.
    for model in (DeadlinePolicy, Category):
        post_save.connect(_policies_changed, sender=model, dispatch_uid=f"deadlines-policy-save-{model.__name__}")
        post_delete.connect(_policies_changed, sender=model, dispatch_uid=f"deadlines-policy-delete-{model.__name__}")

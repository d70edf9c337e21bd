"""Admin screens for the intake readings (read-only) and people's labelled decisions (training data)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import IntakeResult, LabeledExample


class _ReadOnly:
    """The pipeline and the actions write these rows; the admin only looks."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IntakeResult)
class IntakeResultAdmin(_ReadOnly, admin.ModelAdmin[IntakeResult]):
    list_display = ("message", "decision", "confidence", "threshold", "category", "region", "processed_at")
    list_filter = ("decision",)
    search_fields = ("message__number",)
    raw_id_fields = ("message",)
    list_select_related = ("message", "category", "region")


@admin.register(LabeledExample)
class LabeledExampleAdmin(admin.ModelAdmin[LabeledExample]):
    """Deleting a wrong example is allowed (a person's slip should not train the models); editing is not."""

    list_display = ("task", "label", "predicted", "source", "created_at", "created_by")
    list_filter = ("task", "source")
    search_fields = ("label", "predicted", "text")
    raw_id_fields = ("message",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

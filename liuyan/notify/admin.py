"""Read-only admin view of queued notifications."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liuyan.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = (
        "title",
        "kind",
        "recipient",
        "unit",
        "role",
        "contact",
        "created_at",
        "read_at",
        "delivered_at",
        "delivery",
        "attempts",
    )
    list_filter = ("kind", "role")
    search_fields = ("title", "message__number")
    list_select_related = ("recipient", "unit")
    raw_id_fields = ("message", "recipient", "unit")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

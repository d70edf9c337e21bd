"""Read-only admin views of messages and their audit trail: state changes go through the lifecycle actions only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liuyan.messages.models import Event, HandlingRequest, Message, Rating, Reply


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = Event
    fields = ("at", "action", "actor", "actor_role", "from_state", "to_state", "reason")
    ordering = ("at", "id")


class ReplyInline(ReadOnlyInline):
    model = Reply
    fields = ("kind", "status", "unit", "author", "created_at", "published_at", "body")


class RatingInline(ReadOnlyInline):
    model = Rating
    fields = ("satisfaction", "resolved", "reason", "round", "created_at")


class RequestInline(ReadOnlyInline):
    model = HandlingRequest
    fields = ("kind", "status", "unit", "requested_by", "requested_at", "reason", "decided_by", "decision_note")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ("number", "title", "type", "state", "board", "unit", "submitted_at", "due_at", "warning")
    list_filter = ("state", "type", "warning", "is_overdue", "is_key", "supervision_level", "is_public", "source")
    search_fields = ("number", "title", "external_id")
    list_select_related = ("board", "unit")
    date_hierarchy = "submitted_at"
    inlines = (EventInline, ReplyInline, RatingInline, RequestInline)
    show_full_result_count = False  # counting millions of rows on every page load is wasted work

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Admin screens for users (with role, unit and region scope) and API tokens."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from liuyan.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ("username", "display_name", "role", "unit", "region", "phone", "email", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "nickname", "phone", "email", "first_name", "last_name")
    autocomplete_fields = ("unit", "region")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("留言平台 Liuyan", {"fields": ("role", "unit", "region", "phone", "nickname")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("留言平台 Liuyan", {"fields": ("role", "unit", "region", "phone", "nickname")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued with `liuyan token create` (the key is shown once); here they can be read and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return tuple(self.readonly_fields)

"""Admin screen for the category taxonomy, shown as an indented tree ordered by path."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .models import PATH_SEPARATOR, Category
from .tree import expected_path, save_category


class CategoryForm(forms.ModelForm[Category]):
    class Meta:
        model = Category
        fields = ("name", "parent", "is_active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name: str = (data.get("name") or "").strip()
        parent: Category | None = data.get("parent")
        if "/" in name or "／" in name:
            self.add_error("name", "名称不能包含 / / the name cannot contain '/'")
        if (
            parent is not None
            and self.instance.pk is not None
            and (parent.pk == self.instance.pk or parent.path.startswith(self.instance.path + PATH_SEPARATOR))
        ):
            self.add_error("parent", "上级不能是自身或其下级 / the parent cannot be the category or one below it")
        if name:
            path = expected_path(name, parent)
            if Category.objects.filter(path=path).exclude(pk=self.instance.pk).exists():
                self.add_error("name", f"分类“{path}”已存在 / category '{path}' already exists")
        return data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    form = CategoryForm
    list_display = ("tree_name", "level", "is_active", "path")
    list_filter = ("level", "is_active")
    search_fields = ("name", "path")
    autocomplete_fields = ("parent",)
    readonly_fields = ("level", "path")
    ordering = ("path",)
    list_per_page = 200
    actions = ("activate", "deactivate")

    @admin.display(description="分类 category", ordering="path")
    def tree_name(self, obj: Category) -> SafeString:
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            1.5 * (obj.level - 1),
            "└ " if obj.level > 1 else "",
            obj.name,
        )

    def save_model(self, request: HttpRequest, obj: Category, form: forms.ModelForm[Any], change: bool) -> None:
        save_category(obj)

    @admin.action(description="启用所选分类 / Activate the selected categories")
    def activate(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        queryset.update(is_active=True)

    @admin.action(description="停用所选分类 / Deactivate the selected categories")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        queryset.update(is_active=False)

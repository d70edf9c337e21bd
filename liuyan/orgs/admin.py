"""Admin screens for units, boards and the responsibility catalogue (history read-only; changes add entries)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from liuyan.geo.models import Region
from liuyan.taxonomy.models import Category

from .catalogue import end_responsibility, set_responsible_unit
from .models import Board, CatalogueEntry, ReplyTemplate, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("code", "name", "parent", "region", "is_active")
    list_filter = ("is_active", "region__level")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "region")
    filter_horizontal = ("responsibilities",)
    list_select_related = ("parent", "region")
    ordering = ("code",)


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin[Board]):
    list_display = (
        "code",
        "name",
        "kind",
        "level",
        "region",
        "unit",
        "is_active",
        "auto_dispatch",
        "auto_dispatch_threshold",
        "platform_reviews_replies",
    )
    list_filter = ("kind", "level", "is_active", "auto_dispatch", "platform_reviews_replies")
    search_fields = ("name", "code")
    autocomplete_fields = ("region", "unit")
    list_select_related = ("region", "unit")
    ordering = ("code",)


def _autocomplete(field_name: str) -> AutocompleteSelect:
    return AutocompleteSelect(CatalogueEntry._meta.get_field(field_name), admin.site)


class AssignResponsibilityForm(forms.ModelForm[CatalogueEntry]):
    """Adds a catalogue line through set_responsible_unit, which closes the current one (history is kept).

    The choices are not model fields on purpose: the new entry is not built from the form, and the form must not
    refuse it for clashing with the current entry that set_responsible_unit is about to close.
    """

    category_choice = forms.ModelChoiceField(
        Category.objects.filter(is_active=True), label="分类 category", widget=_autocomplete("category")
    )
    region_choice = forms.ModelChoiceField(Region.objects.all(), label="地区 region", widget=_autocomplete("region"))
    unit_choice = forms.ModelChoiceField(
        Unit.objects.filter(is_active=True), label="办理单位 unit", widget=_autocomplete("unit")
    )

    class Meta:
        model = CatalogueEntry
        fields = ("note",)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category, region, unit = data.get("category_choice"), data.get("region_choice"), data.get("unit_choice")
        if (
            category
            and region
            and unit
            and CatalogueEntry.objects.filter(category=category, region=region, unit=unit, valid_to=None).exists()
        ):
            raise forms.ValidationError("该单位已是当前负责单位 / this unit is already the responsible one")
        return data


class CurrentFilter(admin.SimpleListFilter):
    title = "状态 status"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "现行 current"), ("no", "已结束 ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(valid_to=None)
        if self.value() == "no":
            return queryset.exclude(valid_to=None)
        return queryset


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(admin.ModelAdmin[CatalogueEntry]):
    """Entries are history: they are never edited or deleted. "Add" sets a responsible unit (closing the current
    entry); the action ends responsibilities."""

    list_display = ("category", "region", "unit", "valid_from", "valid_to", "current", "changed_by", "ended_by", "note")
    list_filter = (CurrentFilter, "region__level", "category__level")
    search_fields = ("category__path", "region__name", "region__code", "unit__name", "unit__code")
    list_select_related = ("category", "region", "unit", "changed_by", "ended_by")
    date_hierarchy = "valid_from"
    actions = ("end_selected",)
    _add_fields = ("category_choice", "region_choice", "unit_choice", "note")
    _view_fields = ("category", "region", "unit", "valid_from", "valid_to", "changed_by", "ended_by", "note")

    @admin.display(description="现行 current", boolean=True)
    def current(self, obj: CatalogueEntry) -> bool:
        return obj.is_current

    def get_fields(self, request: HttpRequest, obj: CatalogueEntry | None = None) -> tuple[str, ...]:
        return self._add_fields if obj is None else self._view_fields

    def get_form(
        self, request: HttpRequest, obj: CatalogueEntry | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[CatalogueEntry]]:
        if obj is None:
            kwargs["form"] = AssignResponsibilityForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: CatalogueEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CatalogueEntry | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CatalogueEntry, form: forms.ModelForm[Any], change: bool) -> None:
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        user = request.user if request.user.is_authenticated else None
        entry = set_responsible_unit(
            data["category_choice"], data["region_choice"], data["unit_choice"], by=user, note=data.get("note") or ""
        )
        for name in ("category", "region", "unit", "valid_from", "valid_to", "changed_by", "note"):
            setattr(obj, name, getattr(entry, name))
        obj.pk = entry.pk
        obj._state.adding = False

    @admin.action(description="结束所选条目的职责 / End the selected responsibilities", permissions=["add"])
    def end_selected(self, request: HttpRequest, queryset: QuerySet[CatalogueEntry]) -> None:
        user = request.user if request.user.is_authenticated else None
        ended = 0
        for entry in queryset.filter(valid_to=None).select_related("category", "region"):
            if end_responsibility(entry.category, entry.region, by=user) is not None:
                ended += 1
        self.message_user(request, f"已结束 {ended} 条 / ended {ended} entries", messages.SUCCESS)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin[ReplyTemplate]):
    list_display = ("title", "unit", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "body", "unit__name", "unit__code")
    autocomplete_fields = ("unit",)
    list_select_related = ("unit",)

"""Admin screens for regions (GB/T 2260 divisions and custom gazetteer entries)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .loader import refresh_paths
from .models import Region


class RegionForm(forms.ModelForm[Region]):
    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent", "is_custom", "aliases")

    def clean_parent(self) -> Region | None:
        parent: Region | None = self.cleaned_data.get("parent")
        if (
            parent is not None
            and self.instance.pk is not None
            and self.instance.pk in {r.pk for r in parent.ancestors()}
        ):
            raise forms.ValidationError("上级不能是自身或其下级 / the parent cannot be the region or one below it")
        return parent


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    form = RegionForm
    list_display = ("code", "name", "level", "parent", "is_custom", "alias_list")
    list_filter = ("level", "is_custom")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    list_select_related = ("parent",)
    list_per_page = 100
    ordering = ("code",)

    @admin.display(description="别名 aliases")
    def alias_list(self, obj: Region) -> str:
        return "、".join(obj.aliases or [])

    def save_model(self, request: HttpRequest, obj: Region, form: forms.ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"parent", "code"} & set(form.changed_data):
            refresh_paths()  # the subtree follows its root

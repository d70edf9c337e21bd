"""Django admin for the holiday calendar and the deadline policies; every save refreshes the cached copies."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from liuyan.deadlines.models import CalendarDay, CalendarYear, DeadlinePolicy


class YearFilter(admin.SimpleListFilter):
    title = "年份 year"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: "admin.ModelAdmin[Any]") -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ["date", "weekday", "kind", "name", "source", "updated_at"]
    list_filter = [YearFilter, "kind", "source", "name"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"
    ordering = ["-date"]
    readonly_fields = ["updated_at"]

    @admin.display(description="星期 weekday")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ["year", "is_complete", "source", "note", "updated_at"]
    list_filter = ["is_complete", "source"]
    search_fields = ["year", "note"]
    ordering = ["-year"]
    readonly_fields = ["updated_at"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = [
        "kind",
        "message_type",
        "category",
        "board",
        "urgent_only",
        "working_days",
        "hours",
        "is_active",
        "note",
    ]
    list_filter = ["kind", "message_type", "urgent_only", "is_active"]
    search_fields = ["note", "category__path", "board__name", "board__code"]
    raw_id_fields = ["category", "board"]
    list_select_related = ["category", "board"]
    readonly_fields = ["updated_at"]

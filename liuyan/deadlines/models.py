"""The official holiday calendar (节假日与调休) as data, and the configurable deadline policies (办理时限)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假 Holiday"
    WORKDAY = "workday", "调休上班 Make-up workday"


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "chinese_calendar 软件包 Package"
    ADMIN = "admin", "管理员 Admin"


class CalendarDay(models.Model):
    """One exception to the Mon–Fri week: a holiday (放假), or a weekend day worked in lieu (调休上班).

    A `workday` row on a Monday–Friday is allowed too: an admin uses it to cancel a holiday the package got wrong.
    """

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=DayKind.choices)
    name = models.CharField(max_length=40, blank=True, help_text="e.g. 春节, 国庆节")
    source = models.CharField(max_length=8, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日/调休 calendar day"
        verbose_name_plural = "节假日/调休 calendar days"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DayKind.values), name="calendar_day_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()


class CalendarYear(models.Model):
    """Marks a year whose official calendar is loaded. Without a complete row the clock counts weekends only."""

    year = models.PositiveSmallIntegerField(unique=True)
    source = models.CharField(max_length=8, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    is_complete = models.BooleanField(default=False, help_text="The whole year's 放假/调休 schedule is loaded")
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "日历年度 calendar year"
        verbose_name_plural = "日历年度 calendar years"

    def __str__(self) -> str:
        return f"{self.year} ({'complete' if self.is_complete else 'incomplete'})"


class DeadlineKind(models.TextChoices):
    SIGN = "sign", "签收 Sign"
    CONTACT = "contact", "首次联系 First contact"
    HANDLE = "handle", "办理 Handle"


def message_type_choices() -> list[tuple[str, str]]:
    """The message types, imported lazily so that this app never imports `liuyan.messages` at load time."""
    from liuyan.messages.models import MessageType

    return list(MessageType.choices)


class DeadlinePolicy(models.Model):
    """A configurable deadline span for one kind of deadline, optionally scoped.

    The most specific active row that matches a message wins: a board-scoped row beats a category-scoped one,
    a deeper category beats a shallower one, then a type-scoped row, then an urgent-only row. When no row matches,
    `liuyan.deadlines.policy.default_span` gives the built-in defaults. See `liuyan.deadlines.policy`.
    """

    kind = models.CharField(max_length=8, choices=DeadlineKind.choices)
    message_type = models.CharField(
        max_length=12, choices=message_type_choices, blank=True, help_text="Empty: every type"
    )
    category = models.ForeignKey(
        "taxonomy.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadline_policies",
        help_text="Matches this category and every category below it",
    )
    board = models.ForeignKey(
        "orgs.Board", null=True, blank=True, on_delete=models.PROTECT, related_name="deadline_policies"
    )
    urgent_only = models.BooleanField(default=False, help_text="Applies only to urgent messages")
    working_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Span in working days, or …"
    )
    hours = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.01)], help_text="… span in wall-clock hours"
    )
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = "时限规则 deadline policy"
        verbose_name_plural = "时限规则 deadline policies"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(working_days__isnull=False, hours__isnull=True)
                    | Q(working_days__isnull=True, hours__isnull=False)
                ),
                name="deadline_policy_working_days_xor_hours",
            ),
            models.CheckConstraint(
                condition=Q(working_days__isnull=True) | Q(working_days__gt=0),
                name="deadline_policy_working_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0),
                name="deadline_policy_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        scope = [
            s
            for s in (
                self.message_type,
                self.category_id and f"category {self.category_id}",
                self.board_id and f"board {self.board_id}",
                self.urgent_only and "urgent",
            )
            if s
        ]
        span = f"{self.working_days} wd" if self.working_days is not None else f"{self.hours} h"
        return f"{self.kind} [{', '.join(str(s) for s in scope) or 'all'}] {span}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (self.working_days is None) == (self.hours is None):
            errors["hours"] = "请填写工作日或小时数之一 / give either working days or hours, not both"
        if self.is_active:
            scope: dict[str, Any] = {
                "kind": self.kind,
                "message_type": self.message_type,
                "category_id": self.category_id,
                "board_id": self.board_id,
                "urgent_only": self.urgent_only,
            }  # `=None` means IS NULL here
            same_scope = DeadlinePolicy.objects.filter(is_active=True, **scope).exclude(pk=self.pk)
            if same_scope.exists():
                errors["kind"] = "已有相同范围的有效规则 / an active policy with the same scope exists"
        if errors:
            raise ValidationError(errors)

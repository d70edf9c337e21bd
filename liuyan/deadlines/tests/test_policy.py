"""Deadline policies: built-in defaults, the specificity order of configured rows, and cache invalidation."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from liuyan.deadlines.clock import Span
from liuyan.deadlines.models import DeadlinePolicy
from liuyan.deadlines.policy import default_span, due_for, set_policy, span_for
from liuyan.geo.models import Region
from liuyan.messages.models import Message
from liuyan.orgs.models import Board
from liuyan.taxonomy.models import Category

SH = ZoneInfo("Asia/Shanghai")


def category(name: str, parent: Category | None = None) -> Category:
    path = f"{parent.path} / {name}" if parent else name
    return Category.objects.create(name=name, parent=parent, level=parent.level + 1 if parent else 1, path=path)


def board(code: str) -> Board:
    region, _ = Region.objects.get_or_create(code="440000", defaults={"name": "广东省", "level": 1})
    return Board.objects.create(name=f"board {code}", code=code, level="province", region=region)


def handle(**kwargs: Any) -> Span:
    args: dict[str, Any] = {"message_type": "complaint", "category": None, "board": None, "urgent": False, **kwargs}
    return span_for("handle", **args)


@pytest.mark.django_db
def test_without_rows_the_domain_defaults_apply():
    assert span_for("sign", message_type="help", category=None, board=None, urgent=False) == Span(working_days=1)
    assert span_for("sign", message_type="help", category=None, board=None, urgent=True) == Span(hours=2)
    assert span_for("contact", message_type="help", category=None, board=None, urgent=False) == Span(working_days=1)
    expected = {"inquiry": 3, "help": 5, "complaint": 15, "suggestion": 15, "thanks": 15}
    for message_type, days in expected.items():
        assert handle(message_type=message_type) == Span(working_days=days)
    assert handle(message_type="inquiry", urgent=True) == Span(hours=2)


def test_unknown_kinds_and_types_are_refused():
    with pytest.raises(ValueError):
        default_span("reply", message_type="help", urgent=False)
    with pytest.raises(ValueError):
        default_span("handle", message_type="gossip", urgent=False)


@pytest.mark.django_db
def test_urgency_comes_first_then_board_category_and_type_with_deeper_categories_winning():
    city = category("城乡建设")
    water = category("供水", city)
    outage = category("停水", water)
    other = category("教育")
    b = board("B1")
    elsewhere = board("B2")
    DeadlinePolicy.objects.create(kind="handle", urgent_only=True, hours=4)
    DeadlinePolicy.objects.create(kind="handle", message_type="complaint", working_days=10)
    DeadlinePolicy.objects.create(kind="handle", category=city, working_days=8)
    DeadlinePolicy.objects.create(kind="handle", category=water, hours=24)
    DeadlinePolicy.objects.create(kind="handle", category=water, message_type="complaint", working_days=12)
    DeadlinePolicy.objects.create(kind="handle", board=b, working_days=20)
    DeadlinePolicy.objects.create(kind="handle", board=elsewhere, working_days=30, is_active=False)

    assert handle(message_type="inquiry", urgent=True) == Span(hours=4)  # urgent-only row
    assert handle(urgent=True) == Span(hours=4)  # urgency beats an ordinary type row
    assert handle() == Span(working_days=10)  # not urgent: the type row
    assert handle(category=city) == Span(working_days=8)  # category beats type
    assert handle(category=other) == Span(working_days=10)  # an unrelated category does not match
    assert handle(message_type="inquiry", category=outage) == Span(hours=24)  # deeper category, via descendant
    assert handle(category=outage) == Span(working_days=12)  # same depth: the type-scoped row wins
    assert handle(category=outage, board=b) == Span(working_days=20)  # board beats category and type
    assert handle(category=outage, board=b, urgent=True) == Span(hours=4)  # … but not urgency
    assert handle(message_type="inquiry", board=elsewhere) == Span(working_days=3)  # inactive: default
    # Other kinds are not affected by handle rows.
    assert span_for("sign", message_type="complaint", category=outage, board=b, urgent=False) == Span(working_days=1)


@pytest.mark.django_db
def test_a_new_or_deleted_policy_takes_effect_immediately():
    water = category("供水")
    assert handle(category=water) == Span(working_days=15)
    row = set_policy("handle", category=water, hours=24, note="水电气暖 24 小时")
    assert handle(category=water) == Span(hours=24)
    row.delete()
    assert handle(category=water) == Span(working_days=15)


@pytest.mark.django_db
def test_moving_a_category_under_a_scoped_parent_changes_its_span():
    utilities = category("水电气暖")
    gas = category("燃气")
    set_policy("handle", category=utilities, hours=24)
    assert handle(category=gas) == Span(working_days=15)
    gas.parent = utilities
    gas.save()
    assert handle(category=gas) == Span(hours=24)


@pytest.mark.django_db
def test_set_policy_is_idempotent():
    water = category("供水")
    first = set_policy("handle", category=water, hours=24)
    second = set_policy("handle", category=water, hours=12)
    assert first.pk == second.pk
    assert DeadlinePolicy.objects.count() == 1
    assert handle(category=water) == Span(hours=12)


@pytest.mark.django_db
def test_due_for_uses_the_messages_type_category_board_and_urgency(calendar):
    water = category("供水")
    b = board("B1")
    start = dt.datetime(2025, 3, 7, 15, tzinfo=SH)  # Friday
    message = Message(type="inquiry", board=b, category=None, is_urgent=False)
    assert due_for("handle", message, start) == dt.datetime(2025, 3, 12, 15, tzinfo=SH)  # 3 working days
    assert due_for("sign", message, start) == dt.datetime(2025, 3, 10, 15, tzinfo=SH)
    set_policy("handle", category=water, hours=24)
    message.category = water
    assert due_for("handle", message, start) == dt.datetime(2025, 3, 8, 15, tzinfo=SH)  # wall clock
    message.is_urgent = True
    assert due_for("sign", message, start) == dt.datetime(2025, 3, 7, 17, tzinfo=SH)


@pytest.mark.django_db
def test_a_policy_has_exactly_one_of_working_days_and_hours():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlinePolicy.objects.create(kind="handle")
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlinePolicy.objects.create(kind="handle", working_days=3, hours=5)
    with pytest.raises(ValidationError):
        DeadlinePolicy(kind="handle").clean()


@pytest.mark.django_db
def test_the_admin_form_refuses_a_second_active_row_with_the_same_scope():
    DeadlinePolicy.objects.create(kind="handle", message_type="help", working_days=4)
    with pytest.raises(ValidationError):
        DeadlinePolicy(kind="handle", message_type="help", working_days=6).clean()
    DeadlinePolicy(kind="handle", message_type="help", working_days=6, is_active=False).clean()


@pytest.mark.django_db
def test_an_urgent_message_keeps_the_two_hour_default_despite_ordinary_rows():
    water = category("供水")
    DeadlinePolicy.objects.create(kind="handle", category=water, hours=24)
    DeadlinePolicy.objects.create(kind="handle", message_type="complaint", working_days=10)
    assert handle(category=water, urgent=True) == Span(hours=2)
    assert handle(urgent=True) == Span(hours=2)
    assert handle(category=water) == Span(hours=24)

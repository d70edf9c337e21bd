"""Counting long lists: beyond a cap a list says "10,000+" instead of counting a million rows on every request."""

from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 10_000


def capped_count(queryset: "QuerySet[Any]", cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): the number of rows up to `cap` (COUNT_CAP), and whether that is all of them (a LIMIT
    inside the COUNT, so the database stops reading at cap + 1)."""
    cap = COUNT_CAP if cap is None else cap
    found = queryset.order_by()[: cap + 1].count()
    return min(found, cap), found <= cap

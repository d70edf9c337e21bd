"""Counting long lists: beyond a cap a list says "10,000+" instead of counting a million rows on every request."""

from typing import Any

from django.db.models import Field, ForeignObject, QuerySet
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

COUNT_CAP = 10_000


def capped_count(queryset: "QuerySet[Any]", cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): the number of rows up to `cap` (COUNT_CAP), and whether that is all of them (a LIMIT
    inside the COUNT, so the database stops reading at cap + 1)."""
    cap = COUNT_CAP if cap is None else cap
    found = queryset.order_by()[: cap + 1].count()
    return min(found, cap), found <= cap


class WalkIn(In):
    """`state__walk_in=[…]`: `IN`, spelled on SQLite so that its planner does not use an index for it (`+col`).

    For a filter that matches a large share of the rows (the public list's 已办结: nine messages in ten), walking
    the newest-first index and testing each row stops after a page; SQLite, which keeps no histogram of skewed
    values, instead reads every match through the column's index and sorts them all (6.7 s at a million rows).
    Only an ordered query walks: a count (capped_count drops the ordering) still reads the column's index. Other
    databases plan by their statistics and get a plain IN."""

    lookup_name = "walk_in"

    def as_sqlite(self, compiler: Any, connection: Any) -> Any:
        return _walk(super().as_sql(compiler, connection), compiler)


class RelatedWalkIn(RelatedIn):
    """WalkIn for a foreign key's column (`region_id__walk_in=[ids]`)."""

    lookup_name = "walk_in"

    def as_sqlite(self, compiler: Any, connection: Any) -> Any:
        return _walk(super().as_sql(compiler, connection), compiler)


def _walk(compiled: tuple[str, Any], compiler: Any) -> tuple[str, Any]:
    sql, params = compiled
    return (f"+{sql}" if compiler.query.order_by else sql), params


Field.register_lookup(WalkIn)
ForeignObject.register_lookup(RelatedWalkIn)


def is_broad(queryset: "QuerySet[Any]") -> bool:
    """Whether a filter matches more than COUNT_CAP rows (one capped count: the database stops at cap + 1)."""
    return not capped_count(queryset)[1]


def filter_in(queryset: "QuerySet[Any]", field: str, values: list[Any]) -> "QuerySet[Any]":
    """`field IN values`, as a walk down the newest-first order where it matches more than COUNT_CAP rows (see
    WalkIn) and through the field's own index where it matches fewer (a small sort)."""
    narrowed = queryset.filter(**{f"{field}__in": values})
    return queryset.filter(**{f"{field}__walk_in": values}) if is_broad(narrowed) else narrowed

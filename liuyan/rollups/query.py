"""Reading the rollups: counters summed over a scope (period, region, category, board) and grouped by dimensions.

Every figure of the dashboards and reports comes through `sums`, which never reads the messages table. It picks
the cheapest table that can answer: the smallest `Summary` grain holding every dimension asked for (grouping and
filters) when the period is whole months — summed to years when it is whole years and not grouped by month — plus
the `PendingDelta` log not folded into it yet; otherwise the daily `Rollup` rows. Either way SQL groups
by the table's raw id columns and Python maps them to what was asked (a region's ancestor at a level, a
category's at a level: one map lookup each, see `dimensions`) and adds up the groups that map together.

Dimensions: `year`, `month` (the month's first day), `province`, `region` (the ancestor at `region_level`),
`domain` (一级 category), `category` (the ancestor at `category_level`; the leaf when it is None), `board`,
`unit`, `type`. Unknown or absent values come back as NONE (0), or "" for type.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractYear, TruncMonth

from liuyan.geo.models import Region, RegionLevel
from liuyan.rollups import dimensions, upkeep
from liuyan.rollups.metrics import COUNTERS
from liuyan.rollups.models import GRAIN_DIMENSIONS, SUMMARY_KEY_FIELDS, Rollup, Summary, yearly
from liuyan.taxonomy.models import Category

DIMENSIONS = ("year", "month", "province", "region", "domain", "category", "board", "unit", "type")
Group = tuple[Any, ...]


class UnknownDimension(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    """What to count: messages submitted in [start, end) (local dates), within a region's and a category's
    subtree, on a board."""

    start: dt.date
    end: dt.date
    region: Region | None = None
    board_id: int | None = None
    category: Category | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty scope: {self.start} .. {self.end}")

    @property
    def region_filter(self) -> Region | None:
        """The region to filter by: None for the whole country."""
        return self.region if self.region is not None and self.region.level > RegionLevel.COUNTRY else None


@dataclass(frozen=True)
class _Plan:
    """How one dimension or filter reads a source: the raw column, and the map from its values (None: as is)."""

    column: str
    mapping: Callable[[Any], Any] | None = None


def _region_level_dimension(level: int) -> str | None:
    names: dict[int, str] = {RegionLevel.PROVINCE: "province", RegionLevel.CITY: "city"}
    return names.get(level)


def summary_grain(
    scope: Scope,
    by: Sequence[str],
    region_level: int = RegionLevel.PROVINCE,
    category_level: int | None = None,
) -> int | None:
    """The smallest summary grain that holds every dimension `by` and the scope's filters need, or None."""
    if not (scope.start.day == 1 and scope.end.day == 1):
        return None
    needed: set[str] = set()
    for name in by:
        if name in ("year", "month"):
            continue
        if name == "region":
            level_name = _region_level_dimension(region_level)
            if level_name is None:
                return None
            needed.add(level_name)
        elif name == "category" and category_level == 1:
            needed.add("domain")
        else:
            needed.add(name)
    region = scope.region_filter
    if region is not None:
        level_name = _region_level_dimension(region.level)
        if level_name is None:
            return None
        needed.add(level_name)
    if scope.category is not None:
        needed.add("domain" if scope.category.level == 1 else "category")
    if scope.board_id is not None:
        needed.add("board")
    for grain, kept in GRAIN_DIMENSIONS.items():
        if needed <= set(kept):
            return grain
    return None


def whole_years(scope: Scope) -> bool:
    """Whether the scope is whole calendar years (which the yearly grains answer)."""
    return (scope.start.month, scope.start.day, scope.end.month, scope.end.day) == (1, 1, 1, 1)


def _category_at(level: int | None) -> Callable[[Any], Any] | None:
    return None if level is None else (lambda category_id: dimensions.category_at(category_id, level))


def _subtree(model: type[Region] | type[Category], node: Region | Category) -> list[int]:
    below = node.path + ("" if isinstance(node, Region) else " / ")
    return [node.pk, *model.objects.filter(path__startswith=below).exclude(pk=node.pk).values_list("pk", flat=True)]


def _summed(rows: QuerySet[Any], columns: list[str], counters: Sequence[str]) -> list[dict[str, Any]]:
    sums = {f"sum_{name}": Sum(name) for name in counters}
    if not columns:  # one total: `.values()` with no fields would group by every column, row by row
        return [rows.aggregate(**sums)]
    return list(rows.values(*columns).annotate(**sums).order_by())


def _group(rows: list[dict[str, Any]], plans: Sequence[_Plan], counters: Sequence[str]) -> dict[Group, dict[str, int]]:
    out: dict[Group, dict[str, int]] = {}
    for row in rows:
        group = tuple(p.mapping(row[p.column]) if p.mapping else row[p.column] for p in plans)
        into = out.get(group)
        if into is None:
            out[group] = {name: row[f"sum_{name}"] or 0 for name in counters}
        else:
            for name in counters:
                into[name] += row[f"sum_{name}"] or 0
    return out


def _from_summary(
    scope: Scope,
    by: Sequence[str],
    grain: int,
    region_level: int,
    category_level: int | None,
    counters: Sequence[str] = COUNTERS,
) -> dict[Group, dict[str, int]]:
    if whole_years(scope) and "month" not in by:
        grain = yearly(grain)
    rows = Summary.objects.filter(grain=grain, month__gte=scope.start, month__lt=scope.end)
    region = scope.region_filter
    if region is not None:
        rows = rows.filter(**{"province_id" if region.level == RegionLevel.PROVINCE else "city_id": region.pk})
    if scope.category is not None:
        if scope.category.level == 1:
            rows = rows.filter(domain_id=scope.category.pk)
        else:
            rows = rows.filter(category_id__in=_subtree(Category, scope.category))
    if scope.board_id is not None:
        rows = rows.filter(board_id=scope.board_id)
    if "year" in by:
        rows = rows.annotate(g_year=ExtractYear("month"))
    region_column = "province_id" if region_level == RegionLevel.PROVINCE else "city_id"
    category_plan = _Plan("domain_id") if category_level == 1 else _Plan("category_id", _category_at(category_level))
    plans = {
        "year": _Plan("g_year"),
        "month": _Plan("month"),
        "province": _Plan("province_id"),
        "region": _Plan(region_column),
        "domain": _Plan("domain_id"),
        "category": category_plan,
        "board": _Plan("board_id"),
        "unit": _Plan("unit_id"),
        "type": _Plan("type"),
    }
    chosen = [plans[name] for name in by]
    columns = sorted({p.column for p in chosen})
    found = _summed(rows, columns, counters) + _pending_summary_rows(scope, grain, columns, counters)
    return _group(found, chosen, counters)


def _pending_summary_rows(
    scope: Scope, grain: int, columns: list[str], counters: Sequence[str]
) -> list[dict[str, Any]]:
    """The log not folded into the summaries yet, as rows of `grain` shaped like `_summed`'s, filtered the same."""
    pending = upkeep.pending_rows(scope.start, scope.end)
    if not pending:
        return []
    region = scope.region_filter
    category_ids = (
        set(_subtree(Category, scope.category)) if scope.category is not None and scope.category.level != 1 else None
    )
    out: list[dict[str, Any]] = []
    for key, counts in upkeep.summarize(pending).items():
        if key[0] != grain:
            continue
        row = dict(zip(SUMMARY_KEY_FIELDS, key, strict=True))
        if (
            region is not None
            and row["province_id" if region.level == RegionLevel.PROVINCE else "city_id"] != region.pk
        ):
            continue
        if scope.category is not None:
            if category_ids is None and row["domain_id"] != scope.category.pk:
                continue
            if category_ids is not None and row["category_id"] not in category_ids:
                continue
        if scope.board_id is not None and row["board_id"] != scope.board_id:
            continue
        row["g_year"] = key[1].year
        shaped = {column: row[column] for column in columns}
        shaped.update({f"sum_{name}": counts[name] for name in counters})
        out.append(shaped)
    return out


def _from_daily(
    scope: Scope,
    by: Sequence[str],
    region_level: int,
    category_level: int | None,
    counters: Sequence[str] = COUNTERS,
) -> dict[Group, dict[str, int]]:
    rows = Rollup.objects.filter(day__gte=scope.start, day__lt=scope.end)
    region = scope.region_filter
    if region is not None:
        rows = rows.filter(region_id__in=_subtree(Region, region))
    if scope.category is not None:
        rows = rows.filter(category_id__in=_subtree(Category, scope.category))
    if scope.board_id is not None:
        rows = rows.filter(board_id=scope.board_id)
    if "year" in by:
        rows = rows.annotate(g_year=ExtractYear("day"))
    if "month" in by:
        rows = rows.annotate(g_month=TruncMonth("day"))
    plans = {
        "year": _Plan("g_year"),
        "month": _Plan("g_month"),
        "province": _Plan("region_id", dimensions.province_of),
        "region": _Plan("region_id", lambda region_id: dimensions.region_at(region_id, region_level)),
        "domain": _Plan("category_id", dimensions.domain_of),
        "category": _Plan("category_id", _category_at(category_level)),
        "board": _Plan("board_id"),
        "unit": _Plan("unit_id"),
        "type": _Plan("type"),
    }
    chosen = [plans[name] for name in by]
    return _group(_summed(rows, sorted({p.column for p in chosen}), counters), chosen, counters)


def sums(
    scope: Scope,
    by: Sequence[str] = (),
    *,
    region_level: int = RegionLevel.PROVINCE,
    category_level: int | None = None,
    counters: Sequence[str] = COUNTERS,
) -> dict[Group, dict[str, int]]:
    """The counters of `scope` (all, or only `counters`: each summed column costs), summed per group of the
    dimensions `by` (in that order). Groups whose counters are all zero are left out; `by=()` gives the one group
    `()` (absent too when nothing matched)."""
    unknown = [n for n in by if n not in DIMENSIONS] + [n for n in counters if n not in COUNTERS]
    if unknown:
        raise UnknownDimension(", ".join(unknown))
    grain = summary_grain(scope, by, region_level, category_level)
    if grain is not None:
        out = _from_summary(scope, by, grain, region_level, category_level, counters)
    else:
        out = _from_daily(scope, by, region_level, category_level, counters)
    return {group: counts for group, counts in out.items() if any(counts.values())}


def total(scope: Scope) -> dict[str, int]:
    """The scope's counters summed (zeros when nothing matched)."""
    return sums(scope).get((), dict.fromkeys(COUNTERS, 0))

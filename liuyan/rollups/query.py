"""Reading the rollups: counters summed over a scope (period, region subtree, board) and grouped by dimensions.

Every figure of the dashboards and reports comes through `sums`, which never reads the messages table. It picks
the cheapest table that can answer: the monthly `Summary` grain holding every dimension asked for (grouping and
filters) when the period is whole months, otherwise the daily `Rollup` rows, grouped in SQL by their raw ids and
mapped to provinces, regions at a level, or domains in Python (a region's or category's ancestors are one map
lookup, see `dimensions`).

Dimensions: `year`, `month` (date of the month's first day), `province`, `region` (the ancestor at
`region_level`), `domain` (一级 category), `category` (the leaf), `board`, `unit`, `type`. Unknown or absent
values come back as NONE (0) or "" for type.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractYear, TruncMonth

from liuyan.geo.models import Region, RegionLevel
from liuyan.rollups import dimensions
from liuyan.rollups.metrics import COUNTERS
from liuyan.rollups.models import GRAIN_DIMENSIONS, Rollup, Summary

DIMENSIONS = ("year", "month", "province", "region", "domain", "category", "board", "unit", "type")
Group = tuple[Any, ...]


class UnknownDimension(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    """What to count: messages submitted in [start, end) (local dates), within a region's subtree, on a board."""

    start: dt.date
    end: dt.date
    region: Region | None = None
    board_id: int | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty scope: {self.start} .. {self.end}")

    @property
    def region_filter(self) -> Region | None:
        """The region to filter by: None for the whole country."""
        return self.region if self.region is not None and self.region.level > RegionLevel.COUNTRY else None


def _months_aligned(scope: Scope) -> bool:
    return scope.start.day == 1 and scope.end.day == 1


def summary_grain(scope: Scope, by: Sequence[str], region_level: int = RegionLevel.PROVINCE) -> int | None:
    """The summary grain that holds every dimension `by` and the scope's filters need, or None."""
    if not _months_aligned(scope):
        return None
    needed: set[str] = set()
    for name in by:
        if name in ("year", "month"):
            continue
        if name == "region":
            if region_level != RegionLevel.PROVINCE:
                return None
            name = "province"
        needed.add(name)
    region = scope.region_filter
    if region is not None:
        if region.level != RegionLevel.PROVINCE:
            return None
        needed.add("province")
    if scope.board_id is not None:
        needed.add("board")
    for grain, kept in GRAIN_DIMENSIONS.items():
        if needed <= set(kept):
            return grain
    return None


_SUMS = {name: Sum(name) for name in COUNTERS}


def _summed(rows: QuerySet[Any], columns: list[str]) -> list[dict[str, Any]]:
    return list(rows.values(*columns).annotate(**{f"sum_{n}": s for n, s in _SUMS.items()}).order_by())


def _from_summary(scope: Scope, by: Sequence[str], grain: int) -> dict[Group, dict[str, int]]:
    rows = Summary.objects.filter(grain=grain, month__gte=scope.start, month__lt=scope.end)
    region = scope.region_filter
    if region is not None:
        rows = rows.filter(province_id=region.pk)
    if scope.board_id is not None:
        rows = rows.filter(board_id=scope.board_id)
    column = {
        "year": "g_year",
        "month": "month",
        "province": "province_id",
        "region": "province_id",
        "domain": "domain_id",
        "board": "board_id",
        "unit": "unit_id",
        "type": "type",
    }
    if "year" in by:
        rows = rows.annotate(g_year=ExtractYear("month"))
    columns = sorted({column[name] for name in by})
    out: dict[Group, dict[str, int]] = {}
    for row in _summed(rows, columns):
        group = tuple(row[column[name]] for name in by)
        out[group] = {name: row[f"sum_{name}"] or 0 for name in COUNTERS}
    return out


def _region_ids(region: Region) -> list[int]:
    return list(Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True))


def _from_daily(scope: Scope, by: Sequence[str], region_level: int) -> dict[Group, dict[str, int]]:
    rows = Rollup.objects.filter(day__gte=scope.start, day__lt=scope.end)
    region = scope.region_filter
    if region is not None:
        rows = rows.filter(region_id__in=_region_ids(region))
    if scope.board_id is not None:
        rows = rows.filter(board_id=scope.board_id)
    raw = {
        "year": "g_year",
        "month": "g_month",
        "province": "region_id",
        "region": "region_id",
        "domain": "category_id",
        "category": "category_id",
        "board": "board_id",
        "unit": "unit_id",
        "type": "type",
    }
    if "year" in by:
        rows = rows.annotate(g_year=ExtractYear("day"))
    if "month" in by:
        rows = rows.annotate(g_month=TruncMonth("day"))
    columns = sorted({raw[name] for name in by})
    mapped = {
        "province": dimensions.province_of,
        "region": lambda region_id: dimensions.region_at(region_id, region_level),
        "domain": dimensions.domain_of,
    }
    out: dict[Group, dict[str, int]] = {}
    for row in _summed(rows, columns):
        group = tuple(mapped[name](row[raw[name]]) if name in mapped else row[raw[name]] for name in by)
        into = out.get(group)
        if into is None:
            out[group] = {name: row[f"sum_{name}"] or 0 for name in COUNTERS}
        else:
            for name in COUNTERS:
                into[name] += row[f"sum_{name}"] or 0
    return out


def sums(
    scope: Scope, by: Sequence[str] = (), *, region_level: int = RegionLevel.PROVINCE
) -> dict[Group, dict[str, int]]:
    """The counters of `scope`, summed per group of the dimensions `by` (in that order). Groups with no rows are
    absent; `by=()` gives one group `()` (absent too when nothing matched)."""
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise UnknownDimension(", ".join(unknown))
    grain = summary_grain(scope, by, region_level)
    out = _from_summary(scope, by, grain) if grain is not None else _from_daily(scope, by, region_level)
    return {group: counts for group, counts in out.items() if any(counts.values())}


def total(scope: Scope) -> dict[str, int]:
    """The scope's counters summed (zeros when nothing matched)."""
    return sums(scope).get((), dict.fromkeys(COUNTERS, 0))

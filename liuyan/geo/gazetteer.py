"""Imports a custom gazetteer (CSV/XLSX: code,name,level,parent_code,aliases), e.g. the de-identified 西地省."""

import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from liuyan.common.reports import ImportReport, read_table

from .loader import ensure_country_root, refresh_paths
from .models import Region, RegionLevel
from .region_lookup import clear_region_cache

COLUMNS = ["code", "name", "level", "parent_code", "aliases"]
REQUIRED_COLUMNS = ["code", "name", "level", "parent_code"]
CUSTOM_CODE = re.compile(r"^X[0-9A-Z]{1,11}$")
LEVELS: dict[str, int] = {
    "province": RegionLevel.PROVINCE,
    "省": RegionLevel.PROVINCE,
    "省级": RegionLevel.PROVINCE,
    "city": RegionLevel.CITY,
    "市": RegionLevel.CITY,
    "地级": RegionLevel.CITY,
    "county": RegionLevel.COUNTY,
    "县": RegionLevel.COUNTY,
    "县级": RegionLevel.COUNTY,
    "town": RegionLevel.TOWN,
    "乡": RegionLevel.TOWN,
    "乡级": RegionLevel.TOWN,
}
SAMPLE_GAZETTEER = Path(__file__).resolve().parent / "data" / "xidi_gazetteer.csv"


@dataclass
class _Row:
    number: int
    code: str
    name: str
    level: int
    parent_code: str
    aliases: list[str]


def _parse(path: str | Path, report: ImportReport) -> list[_Row]:
    table = read_table(path)
    if not table.check_columns(REQUIRED_COLUMNS, report):
        return []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        code, name = cells["code"], cells["name"]
        level_text, parent_code = cells["level"].lower(), cells["parent_code"]
        errors_before = len(report.errors)
        if not CUSTOM_CODE.match(code):
            report.add_error(
                number,
                f"编码“{code}”无效：自定义编码须以 X 开头，后接数字或大写字母，最长 12 位",
                f"invalid code '{code}': custom codes start with X, then digits or capital "
                f"letters, 12 characters at most",
            )
        elif code in seen:
            report.add_error(number, f"编码“{code}”与第 {seen[code]} 行重复", f"code '{code}' repeats row {seen[code]}")
        else:
            seen[code] = number
        if not name:
            report.add_error(number, "名称为空", "name is empty")
        elif len(name) > 60:
            report.add_error(number, "名称超过 60 字", "name is longer than 60 characters")
        level = LEVELS.get(level_text)
        if level is None:
            report.add_error(
                number,
                f"级别“{cells['level']}”无效（应为 province/city/county/town）",
                f"invalid level '{cells['level']}' (expected province/city/county/town)",
            )
        if parent_code == code and code:
            report.add_error(number, "上级编码不能是自身", "parent_code is the row's own code")
        aliases: list[str] = []
        for alias in (cells.get("aliases") or "").split("|"):
            alias = alias.strip()
            if len(alias) > 60:
                report.add_error(number, f"别名“{alias[:20]}…”超过 60 字", "an alias is longer than 60 characters")
            elif alias and alias != name and alias not in aliases:
                aliases.append(alias)
        if len(report.errors) == errors_before and level is not None:
            rows.append(_Row(number, code, name, level, parent_code, aliases))
    return rows


def _check_parents(rows: list[_Row], report: ImportReport) -> None:
    in_file = {r.code: r.level for r in rows}
    wanted = {r.parent_code for r in rows if r.parent_code and r.parent_code not in in_file}
    in_db = dict(Region.objects.filter(code__in=wanted).values_list("code", "level"))
    for row in rows:
        if not row.parent_code:
            if row.level != RegionLevel.PROVINCE:
                report.add_error(
                    row.number, "只有省级条目可以不填上级编码", "parent_code may only be empty for a province"
                )
            continue
        parent_level = in_file.get(row.parent_code, in_db.get(row.parent_code))
        if parent_level is None:
            report.add_error(
                row.number,
                f"上级编码“{row.parent_code}”不存在（文件和数据库中均未找到）",
                f"parent_code '{row.parent_code}' is neither in the file nor in the database",
            )
        elif parent_level >= row.level:
            report.add_error(
                row.number,
                f"上级“{row.parent_code}”的级别不高于本行",
                f"parent '{row.parent_code}' is not above this row's level",
            )


def import_gazetteer(path: str | Path) -> ImportReport:
    """Validate every row, then create or update the entries (idempotent by code); write nothing on any bad row.

    Entries without parent_code are provinces under the root 中国. Aliases are separated by `|`; the file is
    authoritative for the aliases of its entries.
    """
    report = ImportReport()
    rows = _parse(path, report)
    if report.ok:
        _check_parents(rows, report)
    if not report.ok:
        return report
    with transaction.atomic():
        root = ensure_country_root()
        codes = {r.code for r in rows} | {r.parent_code for r in rows if r.parent_code}
        regions = {r.code: r for r in Region.objects.filter(code__in=codes).select_related("parent")}
        moved = False
        for row in sorted(rows, key=lambda r: (r.level, r.number)):
            parent = regions[row.parent_code] if row.parent_code else root
            region = regions.get(row.code)
            if region is None:
                region = Region(code=row.code)
                report.created += 1
            elif (region.name, region.level, region.parent_id, list(region.aliases or []), region.is_custom) == (
                row.name,
                row.level,
                parent.pk,
                row.aliases,
                True,
            ):
                report.skipped += 1
                continue
            else:
                moved = moved or region.parent_id != parent.pk
                report.updated += 1
            region.name, region.level, region.parent = row.name, row.level, parent
            region.aliases, region.is_custom = row.aliases, True
            region.save()
            regions[row.code] = region
        if moved:
            refresh_paths()
    clear_region_cache()
    return report

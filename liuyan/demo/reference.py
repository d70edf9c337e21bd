"""Demo reference data: calendar, taxonomy, divisions and the 西地省 gazetteer, units, boards, catalogue, deadlines."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from liuyan.common.clock import frozen_at
from liuyan.deadlines.calendar_data import seed_calendar_from_package
from liuyan.deadlines.models import DeadlineKind
from liuyan.deadlines.policy import set_policy
from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
from liuyan.geo.loader import COUNTRY_CODE, load_divisions
from liuyan.geo.models import Region, RegionLevel
from liuyan.orgs.catalogue import set_responsible_unit
from liuyan.orgs.models import Board, BoardKind, BoardLevel, Unit
from liuyan.taxonomy.importer import load_default_taxonomy
from liuyan.taxonomy.models import Category

PROVINCE_CODE = "X01"
PROVINCE_NAME = "西地省"
# Counties with their own bureaus (区县部门) and their own 书记 board; elsewhere the city bureau handles the county.
COUNTIES_WITH_BUREAUS = ("X010101", "X010108", "X010204")  # A1区, A8县, B4县
COUNTY_DEPARTMENTS = ("ZJ", "HB", "JY", "RS", "SJ")
CATALOGUE_NOTE = "演示数据 demo"


@dataclass(frozen=True)
class Department:
    """One line of government: its provincial department, city bureau and county bureau, and what it handles."""

    key: str
    province: str  # "" when the line has no provincial department of its own
    city: str
    county: str
    domains: tuple[str, ...] = ()  # first-level categories (领域) it is responsible for
    overrides: tuple[str, ...] = ()  # deeper categories it takes over from another line
    parent_key: str = ""  # for lines without a provincial department: whose tree the city bureau hangs in


DEPARTMENTS: tuple[Department, ...] = (
    Department("ZJ", "住房和城乡建设厅", "住房和城乡建设局", "住房和城乡建设局", ("住房和城乡建设",)),
    Department(
        "CG",
        "",
        "城市管理局",
        "城市管理局",
        overrides=("住房和城乡建设 / 城市管理", "住房和城乡建设 / 市政公用事业"),
        parent_key="ZJ",
    ),
    Department("HB", "生态环境厅", "生态环境局", "生态环境分局", ("生态环境",)),
    Department("JT", "交通运输厅", "交通运输局", "交通运输局", ("交通运输",)),
    Department("JY", "教育厅", "教育局", "教育局", ("教育",)),
    Department("RS", "人力资源和社会保障厅", "人力资源和社会保障局", "人力资源和社会保障局", ("人力资源和社会保障",)),
    Department("SJ", "市场监督管理局", "市场监督管理局", "市场监督管理局", ("市场监管",)),
    Department("WJ", "卫生健康委员会", "卫生健康委员会", "卫生健康局", ("卫生健康",)),
    Department("YB", "医疗保障局", "医疗保障局", "医疗保障局", overrides=("卫生健康 / 医疗保障",)),
    Department("GA", "公安厅", "公安局", "公安分局", ("公安政法",)),
    Department("SF", "司法厅", "司法局", "司法局", overrides=("公安政法 / 法律服务",)),
    Department("MZ", "民政厅", "民政局", "民政局", ("民政",)),
    Department("NY", "农业农村厅", "农业农村局", "农业农村局", ("农业农村",)),
    Department("SL", "水利厅", "水利局", "水利局", ("水利",)),
    Department("ZR", "自然资源厅", "自然资源和规划局", "自然资源局", ("自然资源",)),
    Department("WL", "文化和旅游厅", "文化广电和旅游局", "文化和旅游局", ("文化旅游",)),
    Department("SW", "商务厅", "商务局", "商务局", ("商务",)),
    Department("FG", "发展和改革委员会", "发展和改革委员会", "发展和改革局", ("发展改革",)),
    Department("CZ", "财政厅", "财政局", "财政局", ("财政税务",)),
    Department("GX", "工业和信息化厅", "工业和信息化局", "工业和信息化局", ("科技工业信息化",)),
    Department("YJ", "应急管理厅", "应急管理局", "应急管理局", ("应急管理安全生产",)),
    Department("ZW", "人民政府办公厅", "人民政府办公室", "人民政府办公室", ("党务政务", "其他")),
)
DEPARTMENT_BY_KEY = {d.key: d for d in DEPARTMENTS}

# Utilities answer within 24 hours (DOMAIN.md §4).
UTILITY_CATEGORIES = (
    "住房和城乡建设 / 市政公用事业 / 供水",
    "住房和城乡建设 / 市政公用事业 / 供电",
    "住房和城乡建设 / 市政公用事业 / 供气",
    "住房和城乡建设 / 市政公用事业 / 供暖",
)
HANDLE_WORKING_DAYS = {"inquiry": 3, "help": 5, "complaint": 15, "suggestion": 15, "thanks": 15}


@dataclass
class Province:
    """The demo province as the simulation needs it, with look-ups by code."""

    province: Region
    cities: list[Region]
    counties: dict[int, list[Region]]  # city pk → its counties
    regions: dict[str, Region]  # by code
    categories: dict[str, Category]  # by path
    units: dict[str, Unit]  # by code
    boards: dict[str, Board]  # by code
    province_boards: list[Board] = field(default_factory=list)
    city_boards: dict[int, list[Board]] = field(default_factory=dict)  # city pk → boards
    county_boards: dict[int, Board] = field(default_factory=dict)  # county pk → board

    def city_of(self, region: Region) -> Region:
        return region if region.level <= RegionLevel.CITY else self.regions[region.code[:5]]

    def unit(self, key: str, region: Region) -> Unit:
        """The unit of line `key` for `region`: the county bureau if there is one, else the city bureau."""
        code = f"{region.code}-{key}"
        if code in self.units:
            return self.units[code]
        return self.units[f"{self.city_of(region).code}-{key}"]

    def city_unit(self, key: str, region: Region) -> Unit:
        return self.units[f"{self.city_of(region).code}-{key}"]


@dataclass
class ReferenceReport:
    calendar_rows: int = 0
    categories: int = 0
    divisions: int = 0
    gazetteer: int = 0
    units_created: int = 0
    boards_created: int = 0
    catalogue_entries: int = 0
    policies: int = 0


def load_reference_data(report: ReferenceReport) -> None:
    """Calendar, taxonomy, GB/T 2260 divisions and the 西地省 gazetteer (each loader is idempotent)."""
    report.calendar_rows = seed_calendar_from_package()
    taxonomy = load_default_taxonomy()
    if not taxonomy.ok:
        raise RuntimeError(
            "默认分类加载失败 / the default taxonomy failed to load: " + "; ".join(taxonomy.error_lines())
        )
    report.categories = taxonomy.created
    report.divisions = load_divisions()
    gazetteer = import_gazetteer(SAMPLE_GAZETTEER)
    if not gazetteer.ok:
        raise RuntimeError("西地省地名导入失败 / the gazetteer failed to import: " + "; ".join(gazetteer.error_lines()))
    report.gazetteer = gazetteer.created


def _unit(code: str, name: str, region: Region, parent: Unit | None, report: ReferenceReport) -> Unit:
    unit, created = Unit.objects.get_or_create(code=code, defaults={"name": name, "region": region, "parent": parent})
    report.units_created += int(created)
    return unit


def _board(
    code: str, name: str, level: str, region: Region, report: ReferenceReport, *, platform_review: bool = False
) -> Board:
    board, created = Board.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "region": region,
            "platform_reviews_replies": platform_review,
            "auto_dispatch": platform_review,
        },
    )
    report.boards_created += int(created)
    return board


def build_province(report: ReferenceReport, *, catalogue_since: dt.datetime) -> Province:
    """Units, boards, the responsibility catalogue and deadline policies on the 西地省 gazetteer (idempotent)."""
    regions = {r.code: r for r in Region.objects.filter(code__startswith=PROVINCE_CODE)}
    province = regions[PROVINCE_CODE]
    cities = sorted((r for r in regions.values() if r.level == RegionLevel.CITY), key=lambda r: r.code)
    counties: dict[int, list[Region]] = {c.pk: [] for c in cities}
    for region in sorted(regions.values(), key=lambda r: r.code):
        if region.level == RegionLevel.COUNTY and region.parent_id in counties:
            counties[region.parent_id].append(region)
    categories = {c.path: c for c in Category.objects.all()}

    with transaction.atomic():
        units: dict[str, Unit] = {}
        for d in DEPARTMENTS:
            if d.province:
                code = f"{PROVINCE_CODE}-{d.key}"
                units[code] = _unit(code, PROVINCE_NAME + d.province, province, None, report)
        for city in cities:
            for d in DEPARTMENTS:
                parent = units[f"{PROVINCE_CODE}-{d.key if d.province else d.parent_key}"]
                code = f"{city.code}-{d.key}"
                units[code] = _unit(code, city.name + d.city, city, parent, report)
        for county_code in COUNTIES_WITH_BUREAUS:
            county = regions[county_code]
            for key in COUNTY_DEPARTMENTS:
                parent = units[f"{county_code[:5]}-{key}"]
                code = f"{county_code}-{key}"
                units[code] = _unit(code, county.name + DEPARTMENT_BY_KEY[key].county, county, parent, report)

        boards: dict[str, Board] = {}
        prov = [
            _board(
                f"{PROVINCE_CODE}-SW",
                f"{PROVINCE_NAME}委书记",
                BoardLevel.PROVINCE,
                province,
                report,
                platform_review=True,
            ),
            _board(
                f"{PROVINCE_CODE}-SZ",
                f"{PROVINCE_NAME}省长",
                BoardLevel.PROVINCE,
                province,
                report,
                platform_review=True,
            ),
        ]
        city_boards: dict[int, list[Board]] = {}
        for city in cities:
            city_boards[city.pk] = [
                _board(f"{city.code}-SW", f"{city.name}市委书记", BoardLevel.CITY, city, report),
                _board(f"{city.code}-SZ", f"{city.name}市长", BoardLevel.CITY, city, report),
            ]
        county_boards: dict[int, Board] = {}
        for county_code in COUNTIES_WITH_BUREAUS:
            county = regions[county_code]
            suffix = "委书记" if county.name.endswith(("区", "县")) else "书记"
            county_boards[county.pk] = _board(
                f"{county_code}-SW", f"{county.name}{suffix}", BoardLevel.COUNTY, county, report
            )
        for board in [*prov, *(b for bs in city_boards.values() for b in bs), *county_boards.values()]:
            boards[board.code] = board

    result = Province(province, cities, counties, regions, categories, units, boards, prov, city_boards, county_boards)
    with frozen_at(catalogue_since):
        report.catalogue_entries = _build_catalogue(result)
    report.policies = _deadline_policies(categories)
    return result


# Ministries citizens can write to beside the province (国家部委留言板), each with the ministry behind it.
MINISTRIES: tuple[tuple[str, str], ...] = (
    ("CN-ZJB", "住房和城乡建设部"),
    ("CN-STHJB", "生态环境部"),
    ("CN-RSB", "人力资源和社会保障部"),
    ("CN-JYB", "教育部"),
)


def build_ministries(report: ReferenceReport) -> list[Board]:
    """National boards (level 国家部委) under the root 中国, each with its ministry as the office behind it."""
    country = Region.objects.get(code=COUNTRY_CODE)
    boards = []
    with transaction.atomic():
        for code, name in MINISTRIES:
            unit = _unit(code, name, country, None, report)
            board, created = Board.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": BoardKind.INSTITUTION,
                    "level": BoardLevel.NATIONAL,
                    "region": country,
                    "unit": unit,
                },
            )
            report.boards_created += int(created)
            boards.append(board)
    return boards


def _build_catalogue(p: Province) -> int:
    """派单目录: domain × region → the right bureau; county bureaus for their counties; a few deeper overrides."""
    roots = {c.name: c for c in p.categories.values() if c.parent_id is None}
    count = 0
    for d in DEPARTMENTS:
        for domain in d.domains:
            category = roots[domain]
            if d.province:
                set_responsible_unit(category, p.province, p.units[f"{PROVINCE_CODE}-{d.key}"], note=CATALOGUE_NOTE)
                count += 1
            for city in p.cities:
                set_responsible_unit(category, city, p.units[f"{city.code}-{d.key}"], note=CATALOGUE_NOTE)
                count += 1
        for path in d.overrides:
            category = p.categories[path]
            for city in p.cities:
                set_responsible_unit(category, city, p.units[f"{city.code}-{d.key}"], note=CATALOGUE_NOTE)
                count += 1
    for county_code in COUNTIES_WITH_BUREAUS:
        county = p.regions[county_code]
        for key in COUNTY_DEPARTMENTS:
            for domain in DEPARTMENT_BY_KEY[key].domains:
                set_responsible_unit(roots[domain], county, p.units[f"{county_code}-{key}"], note=CATALOGUE_NOTE)
                count += 1
    return count


def _deadline_policies(categories: dict[str, Category]) -> int:
    """DOMAIN.md §4 defaults as rows an admin can edit: signing and first contact 1 working day, handling by type,
    utilities 24 hours. Urgent messages need no rows: the built-in 2-hour span beats every ordinary rule."""
    note = "演示默认时限 demo default"
    rows = [
        set_policy(DeadlineKind.SIGN, working_days=1, note=note),
        set_policy(DeadlineKind.CONTACT, working_days=1, note=note),
    ]
    for message_type, days in HANDLE_WORKING_DAYS.items():
        rows.append(set_policy(DeadlineKind.HANDLE, working_days=days, message_type=message_type, note=note))
    for path in UTILITY_CATEGORIES:
        rows.append(set_policy(DeadlineKind.HANDLE, hours=24, category=categories[path], note=note))
    return len(rows)

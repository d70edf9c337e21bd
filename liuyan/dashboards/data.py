"""The dashboard's figures for one scope, read only from the rollups (`liuyan.rollups.query.sums`), cached briefly.

A page costs a fixed handful of grouped `sums` calls (the month trend, the comparison total, regions one level down,
domains or sub-categories, types, units, boards) and one name look-up per table, whatever the volume. Each grouping is
asked in a form a monthly summary grain can answer where one exists; a grouping no grain holds would read the daily
rows, which is cheap for a city or a city's board but not for a province or the country, so such a section is left
out of a broad scope (the page says so) rather than blowing the page's time budget. Rates are the functions of
`liuyan.rollups.metrics`, never re-derived here.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.core.cache import cache
from django.utils import translation

from liuyan.geo.models import Region, RegionLevel
from liuyan.messages.models import MessageType
from liuyan.orgs.models import Board, BoardLevel, Unit
from liuyan.reports.period import Period, parse_period
from liuyan.rollups import metrics
from liuyan.rollups.metrics import COUNTERS
from liuyan.rollups.models import NONE
from liuyan.rollups.query import Group, Scope, summary_grain, sums, total
from liuyan.taxonomy.models import Category
from liuyan.web.i18n import bi, label

CACHE_SECONDS = 300
TOP = 10  # rows of each ranking
LOW_RATE_MIN_VALID = 10  # a unit enters the lowest-reply-rate list from this many valid messages (fewer: noise)
BOARD_OPTIONS = 50  # boards offered in the filter: the busiest in scope
Counts = Mapping[str, int]
Kind = Literal["count", "rate", "days"]


# ---------------------------------------------------------------------------------------------------------------
# What is asked for


@dataclass(frozen=True)
class Filters:
    """A dashboard's scope: the period, the comparison period (None: none), a region (None: the whole platform),
    a domain or sub-category and a board."""

    period: Period
    baseline: Period | None
    region: Region | None = None
    category: Category | None = None
    board: Board | None = None
    # The whole country's unit ranking groups tens of thousands of units (a second at national scale): asked for.
    all_units: bool = False

    def scope(self) -> Scope:
        return self._scope(self.period)

    def baseline_scope(self) -> Scope | None:
        return self._scope(self.baseline) if self.baseline is not None else None

    def _scope(self, period: Period) -> Scope:
        board_id = self.board.pk if self.board is not None else None
        return Scope(period.start, period.end, region=self.region, board_id=board_id, category=self.category)

    @property
    def key(self) -> str:
        """The scope normalized (dates and ids): equal scopes share cached figures and charts however written."""
        baseline = f"{self.baseline.start}..{self.baseline.end}" if self.baseline else "-"
        ids = (getattr(x, "pk", 0) or 0 for x in (self.region, self.category, self.board))
        units = "all-units" if self.all_units else "-"
        return ":".join([f"{self.period.start}..{self.period.end}", baseline, *map(str, ids), units])

    @property
    def narrow(self) -> bool:
        """Whether the scope is small enough to read the daily rollup rows within the page's budget: a city or
        county, or a city's or county's board."""
        if self.region is not None and self.region.level >= RegionLevel.CITY:
            return True
        return self.board is not None and self.board.level in (BoardLevel.CITY, BoardLevel.COUNTY)

    @property
    def child_level(self) -> int | None:
        """The region level the region table breaks down by: provinces, then cities, then counties; None below."""
        level = self.region.level if self.region is not None else RegionLevel.COUNTRY
        return level + 1 if level < RegionLevel.COUNTY else None


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_period(period: Period) -> Period | None:
    """The period of the same length just before: whole months as months (十四五 → 十三五, 2025 → 2024), otherwise
    days. None before the calendar's start."""
    try:
        if period.start.day == 1 and period.end.day == 1:
            months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
            first, last = add_months(period.start, -months), add_months(period.start, -1)
            return parse_period(f"{first.year:04d}-{first.month:02d}..{last.year:04d}-{last.month:02d}")
        days = (period.end - period.start).days
        first_day, last_day = period.start - dt.timedelta(days=days), period.start - dt.timedelta(days=1)
        return parse_period(f"{first_day.isoformat()}..{last_day.isoformat()}")
    except (ValueError, OverflowError):  # year 1 and before; parse_period's own errors are ValueErrors too
        return None


def child_regions(region: Region | None) -> list[Region]:
    """The regions one level below (provinces for the whole platform), in code order."""
    if region is None or region.level == RegionLevel.COUNTRY:
        return list(Region.objects.filter(level=RegionLevel.PROVINCE).only("code", "name", "level", "path"))
    return list(Region.objects.filter(parent=region).only("code", "name", "level", "path"))


def child_categories(category: Category | None) -> list[Category]:
    """The domains (一级), or the sub-categories one level below a category."""
    if category is None:
        return list(Category.objects.filter(level=1).only("name", "level", "path"))
    return list(Category.objects.filter(parent=category).only("name", "level", "path"))


# ---------------------------------------------------------------------------------------------------------------
# What the page shows


def _signed(value: float, digits: int = 1) -> str:
    return f"{value:+.{digits}f}"


@dataclass(frozen=True)
class Card:
    """One headline figure with its comparison value. Rates are fractions; a rate's change is in percentage
    points, a count's in percent, a duration's in days."""

    key: str
    label: str
    definition: str
    kind: Kind
    value: float | None
    baseline: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.baseline is None:
            return None
        if self.kind == "count":
            return (self.value / self.baseline - 1) * 100 if self.baseline else None
        if self.kind == "rate":
            return (self.value - self.baseline) * 100
        return self.value - self.baseline

    def _text(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.kind == "count":
            return f"{int(value):,}"
        if self.kind == "rate":
            return f"{value * 100:.1f}%"
        return bi(f"{value:.1f}天", f"{value:.1f} d")

    @property
    def value_text(self) -> str:
        return self._text(self.value)

    @property
    def baseline_text(self) -> str:
        return self._text(self.baseline)

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "—"
        if self.kind == "count":
            return f"{_signed(change)}%"
        if self.kind == "rate":
            return bi(f"{_signed(change)}个百分点", f"{_signed(change)} pp")
        return bi(f"{_signed(change)}天", f"{_signed(change)} d")

    @property
    def direction(self) -> str:
        """up, down or same: for words beside the arrow, not colour alone."""
        change = self.change
        if change is None or abs(change) < 0.05:
            return "same"
        return "up" if change > 0 else "down"


@dataclass(frozen=True)
class CardSpec:
    key: str
    zh: str
    en: str
    kind: Kind
    figure: Callable[[Counts], float | None]
    definition_zh: str
    definition_en: str


CARDS: tuple[CardSpec, ...] = (
    CardSpec(
        "valid",
        "有效留言",
        "Valid messages",
        "count",
        lambda c: c["valid"],
        "已受理，不含不予受理和合并的重复留言",
        "accepted, not rejected, not merged as duplicates",
    ),
    CardSpec(
        "replied",
        "已回复",
        "Replied",
        "count",
        lambda c: c["replied"],
        "有效留言中已公开答复的",
        "valid messages with a published reply",
    ),
    CardSpec("reply_rate", "回复率", "Reply rate", "rate", metrics.reply_rate, "已回复 ÷ 有效留言", "replied ÷ valid"),
    CardSpec(
        "closure_rate", "办结率", "Closure rate", "rate", metrics.closure_rate, "办结 ÷ 有效留言", "closed ÷ valid"
    ),
    CardSpec(
        "on_time_rate",
        "按时办结率",
        "Closed on time",
        "rate",
        metrics.on_time_rate,
        "按时办结 ÷ 办结",
        "closed on time ÷ closed",
    ),
    CardSpec(
        "response_rate",
        "响应率",
        "Response rate",
        "rate",
        metrics.response_rate,
        "按时联系群众 ÷ 交办",
        "citizen contacted in time ÷ dispatched",
    ),
    CardSpec(
        "resolution_rate",
        "解决率",
        "Resolution rate",
        "rate",
        metrics.resolution_rate,
        "评价“已解决” ÷ 回答了是否解决的评价",
        "rated resolved ÷ ratings answering it",
    ),
    CardSpec(
        "satisfaction_strict",
        "满意率（满意）",
        "Satisfied",
        "rate",
        lambda c: metrics.satisfaction_rate(c, strict=True),
        "满意 ÷ 评价数",
        "satisfied ÷ ratings",
    ),
    CardSpec(
        "satisfaction_rate",
        "满意率（含基本满意）",
        "Satisfied incl. basically",
        "rate",
        metrics.satisfaction_rate,
        "（满意 + 基本满意）÷ 评价数",
        "(satisfied + basically satisfied) ÷ ratings",
    ),
    CardSpec(
        "mean_reply_days",
        "平均回复用时",
        "Mean time to reply",
        "days",
        metrics.mean_reply_days,
        "从提交到公开答复的平均天数",
        "mean days from submission to the published reply",
    ),
)


@dataclass(frozen=True)
class MonthPoint:
    month: dt.date
    valid: int
    replied: int
    reply_rate: float | None

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


@dataclass(frozen=True)
class ShareRow:
    """One region, category or type: its valid messages, their share of the table's total, and its rates."""

    name: str
    valid: int
    share: float | None
    reply_rate: float | None
    satisfaction: float | None
    suggestion_share: float | None
    drill: str = ""  # the filter value that opens the row (a region's code, a category's id), "" for none


@dataclass(frozen=True)
class RankRow:
    """One unit or board of a ranking."""

    name: str
    valid: int
    reply_rate: float | None
    on_time_rate: float | None
    satisfaction: float | None
    returns: int
    code: str = ""  # a board's code, to filter by it


@dataclass(frozen=True)
class Dashboard:
    """Every figure of one dashboard page (plain values: cached as they are)."""

    totals: dict[str, int]
    cards: list[Card]
    trend: list[MonthPoint]
    regions: list[ShareRow] | None  # None: not offered (a county has nothing below; or too broad a scope)
    categories: list[ShareRow] | None
    category_is_domain: bool
    types: list[ShareRow] | None
    units_top: list[RankRow] | None
    units_low: list[RankRow] | None
    boards: list[RankRow] | None
    board_options: list[tuple[str, str]]  # (code, name) of the busiest boards in scope
    narrowed: list[str]  # the sections left out because the scope is too broad for them
    # (code or id, name) one level below the scope's region and category (the domains), for the filter
    sub_regions: list[tuple[str, str]]
    sub_categories: list[tuple[str, str]]

    @property
    def empty(self) -> bool:
        return not self.totals["messages"]


# ---------------------------------------------------------------------------------------------------------------
# Building the figures


def _zeros() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def _added(groups: Iterable[Counts]) -> dict[str, int]:
    out = _zeros()
    for counts in groups:
        for name in COUNTERS:
            out[name] += counts[name]
    return out


def _keyed(groups: Mapping[Group, dict[str, int]]) -> dict[Any, dict[str, int]]:
    """Groups of one dimension by their single key."""
    return {key: counts for (key,), counts in groups.items()}


def _by_first(groups: Mapping[Group, dict[str, int]]) -> dict[Any, dict[str, int]]:
    """Groups of several dimensions added up by their first key."""
    out: dict[Any, dict[str, int]] = {}
    for key, counts in groups.items():
        into = out.setdefault(key[0], _zeros())
        for name in COUNTERS:
            into[name] += counts[name]
    return out


def _share_rows(
    groups: Mapping[Any, Counts], names: Mapping[Any, str], unknown: str, drill: Callable[[Any], str]
) -> list[ShareRow]:
    whole = sum(c["valid"] for c in groups.values())
    rows = [
        ShareRow(
            name=names.get(key, unknown),
            valid=c["valid"],
            share=metrics.ratio(c["valid"], whole),
            reply_rate=metrics.reply_rate(c),
            satisfaction=metrics.satisfaction_rate(c),
            suggestion_share=metrics.suggestion_share(c),
            drill=drill(key) if key in names else "",
        )
        for key, c in groups.items()
        if c["valid"]
    ]
    return sorted(rows, key=lambda r: (-r.valid, r.name))


def _rank_row(name: str, c: Counts, code: str = "") -> RankRow:
    return RankRow(
        name=name,
        valid=c["valid"],
        reply_rate=metrics.reply_rate(c),
        on_time_rate=metrics.on_time_rate(c),
        satisfaction=metrics.satisfaction_rate(c),
        returns=c["returns"],
        code=code,
    )


def _busiest(groups: Mapping[Any, Counts], n: int) -> list[Any]:
    ranked = sorted(((k, c) for k, c in groups.items() if c["valid"]), key=lambda kc: (-kc[1]["valid"], kc[0]))
    return [k for k, _ in ranked[:n]]


def _lowest_reply_rates(groups: Mapping[Any, Counts], n: int, min_valid: int) -> list[Any]:
    def rate(c: Counts) -> float:
        value = metrics.reply_rate(c)
        return 0.0 if value is None else value

    eligible = [(k, c) for k, c in groups.items() if c["valid"] >= min_valid]
    eligible.sort(key=lambda kc: (rate(kc[1]), -kc[1]["valid"], kc[0]))
    return [k for k, _ in eligible[:n]]


def _months(period: Period) -> list[dt.date]:
    out, month = [], period.start.replace(day=1)
    while month < period.end:
        out.append(month)
        month = add_months(month, 1)
    return out


def _month_of(value: Any) -> dt.date:
    """A month group's key as a date (a database may answer a datetime for a truncated date)."""
    month: dt.date = value.date() if isinstance(value, dt.datetime) else value
    return month


def _type_names() -> dict[Any, str]:
    return {value: label(text) for value, text in MessageType.choices}


def _build(filters: Filters) -> Dashboard:
    scope, before = filters.scope(), filters.baseline_scope()
    narrowed: list[str] = []

    def answerable(by: Sequence[str], zh: str, en: str, **levels: Any) -> bool:
        if filters.narrow or summary_grain(scope, by, **levels) is not None:
            return True
        narrowed.append(bi(zh, en))
        return False

    by_month = {_month_of(key): counts for (key,), counts in sums(scope, ("month",)).items()}
    totals = _added(by_month.values())
    baseline = total(before) if before is not None else None
    cards = [
        Card(
            s.key,
            bi(s.zh, s.en),
            bi(s.definition_zh, s.definition_en),
            s.kind,
            s.figure(totals),
            s.figure(baseline) if baseline is not None else None,
        )
        for s in CARDS
    ]
    trend = []
    for month in _months(filters.period):
        c = by_month.get(month, _zeros())
        trend.append(MonthPoint(month, c["valid"], c["replied"], metrics.reply_rate(c)))

    children = {r.pk: r for r in child_regions(filters.region)} if filters.child_level is not None else {}
    children_c = child_categories(filters.category)
    sub_regions = [(r.code, r.name) for r in children.values()]
    sub_categories = [(str(c.pk), c.name) for c in children_c]
    if not totals["messages"]:  # nothing to break down: spare the other queries
        return Dashboard(
            totals,
            cards,
            trend,
            None,
            None,
            filters.category is None,
            None,
            None,
            None,
            None,
            [],
            [],
            sub_regions,
            sub_categories,
        )

    regions: list[ShareRow] | None = None
    level = filters.child_level
    if level is not None and answerable(("region",), "地区分布", "regions", region_level=level):
        unknown = (
            bi("未标注地区", "no region") if filters.region is None else bi("本级（未细分）", "not further located")
        )
        groups = _keyed(sums(scope, ("region",), region_level=level))
        names = {pk: r.name for pk, r in children.items()}
        regions = _share_rows(groups, names, unknown, lambda pk: children[pk].code)

    categories: list[ShareRow] | None = None
    category = filters.category
    sub_level = None if category is None else category.level + 1
    leaf = category is not None and not children_c  # nothing below it to break down by
    if not leaf and answerable(("category",), "领域分布", "domains", category_level=sub_level or 1):
        groups = _keyed(
            sums(scope, ("domain",)) if category is None else sums(scope, ("category",), category_level=sub_level)
        )
        unknown = bi("未分类", "uncategorized") if category is None else bi("本级（未细分）", "not further classified")
        names = {c.pk: c.name for c in children_c}
        categories = _share_rows(groups, names, unknown, str)

    types: list[ShareRow] | None = None
    if answerable(("type",), "类型分布", "types"):
        type_names = _type_names()
        types = _share_rows(_keyed(sums(scope, ("type",))), type_names, bi("未知", "unknown"), lambda _k: "")

    units_top = units_low = None
    national = filters.region is None and filters.board is None
    if national and not filters.all_units:
        narrowed.append(bi("办理单位排行（选择省份，或点击“显示全国单位排行”）", "unit rankings (choose a province)"))
    elif answerable(("unit",), "办理单位排行", "unit rankings"):
        units = {k: c for k, c in _keyed(sums(scope, ("unit",))).items() if k != NONE}  # NONE: not dispatched
        top = _busiest(units, TOP)
        low = _lowest_reply_rates(units, TOP, LOW_RATE_MIN_VALID)
        unit_names = dict(Unit.objects.filter(pk__in={*top, *low}).values_list("pk", "name"))
        units_top = [_rank_row(unit_names.get(k, f"#{k}"), units[k]) for k in top]
        units_low = [_rank_row(unit_names.get(k, f"#{k}"), units[k]) for k in low]

    boards: list[RankRow] | None = None
    board_options: list[tuple[str, str]] = []
    if answerable(("board",), "留言板排行", "board rankings"):
        # By board alone, so that `sums` picks the smallest grain that also holds the scope's filters: board ×
        # province without a domain (several times smaller than board × domain: a board's messages lie in one
        # province but span every domain), board × domain with one (not the daily rows: 0.45 s at national scale).
        by_board = _by_first(sums(scope, ("board",)))
        busiest = _busiest(by_board, BOARD_OPTIONS)
        known = {
            pk: (code, name)
            for pk, code, name in Board.objects.filter(pk__in=busiest).values_list("pk", "code", "name")
        }
        boards = [_rank_row(known[k][1], by_board[k], known[k][0]) for k in busiest[:TOP] if k in known]
        board_options = sorted((known[k] for k in busiest if k in known), key=lambda cn: cn[0])

    return Dashboard(
        totals,
        cards,
        trend,
        regions,
        categories,
        category is None,
        types,
        units_top,
        units_low,
        boards,
        board_options,
        narrowed,
        sub_regions,
        sub_categories,
    )


def _cache_key(kind: str, filters: Filters) -> str:
    # The labels are in the visitor's language, so the language is part of the key.
    return f"dashboards:v1:{kind}:{translation.get_language() or ''}:{filters.key}"


def dashboard(filters: Filters) -> Dashboard:
    """The figures of `filters`' scope, from the cache when the same scope was shown in the last few minutes."""
    key = _cache_key("figures", filters)
    found = cache.get(key)
    if isinstance(found, Dashboard):
        return found
    built = _build(filters)
    cache.set(key, built, CACHE_SECONDS)
    return built


def cached(kind: str, filters: Filters, make: Callable[[], Any]) -> Any:
    """Something derived from the figures (a chart's SVG), cached under the same normalized scope."""
    key = _cache_key(kind, filters)
    found = cache.get(key)
    if found is None:
        found = make()
        cache.set(key, found, CACHE_SECONDS)
    return found

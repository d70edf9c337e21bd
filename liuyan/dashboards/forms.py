"""The dashboard's filter form (a plain GET form) and reading it into a scope the viewer may see.

A viewer's `region` is the outermost region they may see (none: the whole platform). They drill down inside it and
never out: a region outside it is refused with the portal's 403 page, whichever URL asks (page, chart, report).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.common.clock import now
from liuyan.common.errors import Forbidden, LiuyanError, NotFound
from liuyan.dashboards.data import Filters, add_months, previous_period
from liuyan.geo.models import Region, RegionLevel
from liuyan.orgs.models import Board
from liuyan.reports.period import Period, parse_period
from liuyan.taxonomy.models import Category
from liuyan.web.forms import PortalForm
from liuyan.web.i18n import bi, lazy_bi

PREVIOUS, NO_COMPARISON = "previous", "none"
FILTER_FIELDS = ("period", "compare", "baseline", "region", "category", "board", "units")
ALL_UNITS = "all"


@dataclass(frozen=True)
class Preset:
    text: str
    value: str  # what parse_period reads


def presets(today: dt.date) -> list[Preset]:
    """本年, 上年, 近12个月 (whole months, this one included), 十四五, 十三五."""
    first = add_months(today, -11)
    return [
        Preset(bi("本年", "This year"), str(today.year)),
        Preset(bi("上年", "Last year"), str(today.year - 1)),
        Preset(bi("近12个月", "Last 12 months"), f"{first:%Y-%m}..{today:%Y-%m}"),
        Preset(bi("十四五", "14th Five-Year Plan"), "十四五"),
        Preset(bi("十三五", "13th Five-Year Plan"), "十三五"),
    ]


def today() -> dt.date:
    return timezone.localtime(now()).date()


def default_period(day: dt.date) -> str:
    """近12个月: a whole year of data whatever the month, where 本年 is nearly empty in January."""
    return presets(day)[2].value


class DashboardForm(PortalForm):
    period = forms.CharField(
        label=lazy_bi("统计期间", "Period"),
        required=False,
        max_length=40,
        help_text=lazy_bi(
            "如 2025、2021-2025、十四五、2025-01..2025-06",
            "e.g. 2025, 2021-2025, 十四五 or 2025-01..2025-06",
        ),
        widget=forms.TextInput(attrs={"list": "period-presets", "autocomplete": "off"}),
    )
    compare = forms.ChoiceField(
        label=lazy_bi("对比", "Compare with"),
        required=False,
        choices=[
            (PREVIOUS, lazy_bi("上一同长期间", "The period just before")),
            (NO_COMPARISON, lazy_bi("不对比", "No comparison")),
        ],
    )
    baseline = forms.CharField(
        label=lazy_bi("自定对比期", "Custom comparison period"),
        required=False,
        max_length=40,
        help_text=lazy_bi("可选，填写后按所填期间对比", "optional: compare with this period instead"),
    )
    region = forms.CharField(label=lazy_bi("地区", "Region"), required=False, max_length=12, widget=forms.Select)
    category = forms.CharField(label=lazy_bi("领域", "Domain"), required=False, max_length=12, widget=forms.Select)
    board = forms.CharField(label=lazy_bi("留言板", "Board"), required=False, max_length=40, widget=forms.Select)

    def set_options(self, name: str, options: list[tuple[str, str]]) -> None:
        widget = self.fields[name].widget
        assert isinstance(widget, forms.Select)
        widget.choices = options


@dataclass
class Reading:
    """The form as read: its scope (None when the period is bad: the form shows why), the viewer's outermost
    region, and the normalized query string that charts and downloads repeat."""

    form: DashboardForm
    filters: Filters | None
    root: Region | None
    region: Region | None
    category: Category | None
    board: Board | None
    query: str


def scope_root(user: User) -> Region | None:
    """The outermost region the viewer may see; None: the whole platform."""
    region = user.region
    return None if region is None or region.level == RegionLevel.COUNTRY else region


def inside(region: Region, root: Region | None) -> bool:
    return root is None or region.path.startswith(root.path)


def _overlaps(region: Region, root: Region) -> bool:
    return region.level == RegionLevel.COUNTRY or inside(region, root) or inside(root, region)


def _region(code: str, root: Region | None) -> Region | None:
    if not code:
        return root
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(f"地区不存在：{code}", f"unknown region: {code}", code="invalid_region")
    if not inside(region, root):
        raise Forbidden(
            "该地区不在您的数据权限范围内", "this region is outside the data you may see", code="region_forbidden"
        )
    return None if region.level == RegionLevel.COUNTRY else region


def _category(value: str) -> Category | None:
    if not value:
        return None
    category = Category.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if category is None:
        raise NotFound(f"领域不存在：{value}", f"unknown domain: {value}", code="invalid_category")
    return category


def _board(code: str) -> Board | None:
    if not code:
        return None
    board = Board.objects.filter(code=code).select_related("region").first()
    if board is None:
        raise NotFound(f"留言板不存在：{code}", f"unknown board: {code}", code="invalid_board")
    return board


def _period(form: DashboardForm, name: str, text: str) -> Period | None:
    try:
        return parse_period(text)
    except LiuyanError as error:
        form.add_error(name, bi(error.zh, error.en))
        return None


def read(params: QueryDict, user: User) -> Reading:
    """The filters asked for, checked against the viewer's scope (Forbidden / NotFound for a region, domain or
    board that is out of scope or unknown)."""
    data: dict[str, Any] = {name: params.get(name, "").strip() for name in FILTER_FIELDS}
    data["period"] = data["period"] or default_period(today())
    data["compare"] = data["compare"] if data["compare"] in (PREVIOUS, NO_COMPARISON) else PREVIOUS
    form = DashboardForm(data)
    form.is_valid()  # every field is optional text: the checks that matter follow
    root = scope_root(user)
    region = _region(data["region"], root)
    category = _category(data["category"])
    board = _board(data["board"])
    if board is not None and root is not None and not _overlaps(board.region, root):
        # A board of another province or city carries no message of this viewer's region: refuse it the same way.
        # A board above the viewer's region (a ministry, the province's board) is fine: the region still filters.
        raise Forbidden(
            "该留言板不在您的数据权限范围内", "this board is outside the data you may see", code="board_forbidden"
        )
    period = _period(form, "period", data["period"])
    baseline: Period | None = None
    if data["baseline"]:
        baseline = _period(form, "baseline", data["baseline"])
    elif period is not None and data["compare"] == PREVIOUS:
        baseline = previous_period(period)
    if period is not None and baseline is not None and baseline.overlaps(period):
        form.add_error(
            "baseline",
            bi(
                f"对比期（{baseline.label}）与统计期间（{period.label}）重叠",
                f"the comparison period ({baseline.label}) overlaps the period ({period.label})",
            ),
        )
    query = urlencode([(name, data[name]) for name in FILTER_FIELDS if data[name]])
    if form.errors or period is None:
        return Reading(form, None, root, region, category, board, query)
    filters = Filters(period, baseline, region, category, board, all_units=data["units"] == ALL_UNITS)
    return Reading(form, filters, root, region, category, board, query)


# ---------------------------------------------------------------------------------------------------------------
# The form's options and the breadcrumbs


def with_params(query: str, **changes: str | None) -> str:
    """A query string with some parameters replaced (None or "" drops one)."""
    params = QueryDict(query, mutable=True)
    for key, value in changes.items():
        if value:
            params[key] = value
        else:
            params.pop(key, None)
    return params.urlencode()


def region_trail(root: Region | None, region: Region | None) -> list[Region]:
    """The regions from just below the viewer's outermost one down to the current one (one query)."""
    if region is None or region == root:
        return []
    codes = [code for code in region.path.split("/") if code]
    chain = sorted(Region.objects.filter(code__in=codes).only("code", "name", "level", "path"), key=lambda r: r.level)
    floor = root.level if root is not None else RegionLevel.COUNTRY
    return [r for r in chain if r.level > floor]


def category_trail(category: Category | None) -> list[Category]:
    """The categories from the domain down to the current one (one query)."""
    if category is None:
        return []
    names = category.path.split(" / ")
    prefixes = [" / ".join(names[: i + 1]) for i in range(len(names))]
    return sorted(Category.objects.filter(path__in=prefixes).only("name", "level", "path"), key=lambda c: c.level)


def root_name(root: Region | None) -> str:
    return root.name if root is not None else bi("全国", "Whole platform")


def region_options(root: Region | None, trail: list[Region], children: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The viewer's outermost region, the way down to the current one, and the current one's children."""
    options = [("", root_name(root))]
    options += [(r.code, "\u3000" * (i + 1) + r.name) for i, r in enumerate(trail)]
    options += [(code, "\u3000" * (len(trail) + 1) + "— " + name) for code, name in children]
    return options


def category_options(
    domains: list[tuple[str, str]], trail: list[Category], children: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Every domain; inside the chosen one, the way down to the current category and its sub-categories."""
    options = [("", bi("全部领域", "All domains"))]
    current_domain = str(trail[0].pk) if trail else None
    for value, name in domains:
        options.append((value, name))
        if value == current_domain:
            options += [(str(c.pk), "\u3000" * (i + 1) + c.name) for i, c in enumerate(trail[1:])]
            options += [(pk, "\u3000" * len(trail) + "— " + child) for pk, child in children]
    return options


def board_options(board: Board | None, busiest: list[tuple[str, str]]) -> list[tuple[str, str]]:
    options = [("", bi("全部留言板", "All boards"))]
    if board is not None and board.code not in {code for code, _name in busiest}:
        options.append((board.code, board.name))
    return options + busiest

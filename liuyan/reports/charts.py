"""Charts shared by the dashboards and the period report: Vega-Lite specs built with Altair, rendered offline.

Why this model. A chart is one Vega-Lite spec (a plain JSON dict, data inline). The dashboards hand that dict to
vega-embed in the page, which makes it interactive (tooltips); the report renders the very same dict on the server
with vl-convert (Vega-Lite compiled by an embedded JavaScript engine, drawn by resvg) to SVG for the HTML file and PNG
for the XLSX file. So a figure looks the same on screen, in the HTML report and in the workbook, and it is built by
one function. Rendering needs no browser and no network: data is inline and external URLs are refused
(``allowed_base_urls=[]``). Matplotlib would give static images only and a second implementation for the web;
ECharts would need a browser to render offline.

Fonts. vl-convert measures and draws text with its own font database, not the viewer's: a family it cannot find
draws nothing at all, and a Latin-only font draws CJK as boxes. Every spec therefore names a CJK family first
(Debian's fonts-wqy-microhei, installed by ``make browser``) followed by the families a reader's machine usually has,
so that an SVG opened elsewhere still finds one; the known font directories (and ``LIUYAN_CHART_FONT_DIR``) are
registered with vl-convert once, before the first rendering.

Values are taken as the report dict gives them: shares in percent (5.6 means 5.6%), changes in percentage points.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

# The family vl-convert draws with comes first; the rest are what a reader's system likely has for an SVG.
FONT_FAMILY = (
    '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"Hiragino Sans GB", "SimHei", sans-serif'
)
# Debian's CJK font packages install here; LIUYAN_CHART_FONT_DIR adds a directory of one's own.
FONT_DIRS = ("/usr/share/fonts/truetype/wqy", "/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")

# Chinese reports print a rise in red and a fall in blue (green would read as "good" to a Western eye).
RISE = "#C0392B"
FALL = "#2E6DA4"
PRIMARY = "#1F4E79"
PALETTE = ["#1F4E79", "#C0392B", "#D68910", "#2E8B57", "#7D3C98", "#5D6D7E", "#117A8B", "#A04000"]
TEXT = "#333333"

CONFIG: dict[str, Any] = {
    "font": FONT_FAMILY,
    "background": "white",
    "padding": 12,
    "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 260},
    "title": {
        "fontSize": 15,
        "fontWeight": "bold",
        "anchor": "start",
        "color": "#1A1A1A",
        "offset": 14,
        "subtitleColor": "#666666",
        "subtitleFontSize": 11,
        "subtitlePadding": 4,
    },
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "labelColor": TEXT,
        "titleColor": TEXT,
        "gridColor": "#E6E6E6",
        "domainColor": "#8C8C8C",
        "tickColor": "#8C8C8C",
    },
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelColor": TEXT, "titleColor": TEXT, "orient": "bottom"},
    "range": {"category": PALETTE},
    "text": {"fontSize": 11, "color": TEXT},
    "line": {"strokeWidth": 2.5},
    "point": {"size": 50, "filled": True},
}

# Each five-year plan by its first year: a period that is exactly one of them is called by its name.
FIVE_YEAR_PLANS = {2006: "十一五", 2011: "十二五", 2016: "十三五", 2021: "十四五", 2026: "十五五"}

# Axis labels as a Chinese report prints them: counts of ten thousand and more in 万, changes with their sign.
WAN_LABEL = "abs(datum.value) >= 10000 ? format(datum.value / 10000, ',~f') + '万' : format(datum.value, ',~f')"
SIGNED_LABEL = "datum.value > 0 ? '+' + format(datum.value, '~f') : format(datum.value, '~f')"

LEVEL_NAMES = {"province": "省份", "city": "城市", "county": "区县"}

_fonts_lock = threading.Lock()
_fonts_registered = False


# --------------------------------------------------------------------------------------------------------------
# Rendering


def register_fonts() -> None:
    """Registers the CJK font directories with vl-convert once per process (idempotent, thread-safe)."""
    global _fonts_registered
    with _fonts_lock:
        if _fonts_registered:
            return
        dirs = [*FONT_DIRS, *filter(None, [os.environ.get("LIUYAN_CHART_FONT_DIR")])]
        for d in dirs:
            if Path(d).is_dir():
                vlc.register_font_directory(str(Path(d).resolve()))
        _fonts_registered = True


def to_svg(spec: Mapping[str, Any]) -> str:
    """The chart as an SVG document (text kept as text in FONT_FAMILY)."""
    register_fonts()
    return vlc.vegalite_to_svg(dict(spec), allowed_base_urls=[], format_locale="zh-CN")


def to_png(spec: Mapping[str, Any], scale: float = 2) -> bytes:
    """The chart as PNG bytes; scale 2 gives a sharp image at the spec's size on a high-density screen or in print."""
    register_fonts()
    return vlc.vegalite_to_png(dict(spec), scale=scale, allowed_base_urls=[], format_locale="zh-CN")


def _finish(chart: alt.Chart | alt.LayerChart, title: str, subtitle: str | None) -> dict[str, Any]:
    """The chart's spec with the house style (fonts, palette) as its config."""
    params: dict[str, Any] = {"text": title}
    if subtitle:
        params["subtitle"] = subtitle
    spec = chart.properties(title=alt.Title(**params)).to_dict()
    spec["config"] = {**spec.get("config", {}), **CONFIG}
    return spec


# --------------------------------------------------------------------------------------------------------------
# Generic builders (dashboards and report)


def _number(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def _unit_subtitle(unit: str | None) -> str | None:
    return f"单位：{unit}" if unit else None


def line_spec(
    series: Mapping[str, Mapping[str, float | None]],
    *,
    title: str,
    x_title: str = "",
    y_title: str = "",
    unit: str | None = None,
    percent: bool = False,
    x_order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Lines of one or more series over ordered points, e.g. {"住房和城乡建设": {"2021": 37.6, …}, …}.

    x values are categories in the order given by x_order (default: the order they first appear), so years, months
    and days all work; percent marks the values as percent for axis and tooltip formats.
    """
    rows = [
        {"series": name, "x": str(x), "value": n}
        for name, points in series.items()
        for x, v in points.items()
        if (n := _number(v)) is not None
    ]
    order: list[str] = list(x_order) if x_order is not None else list(dict.fromkeys(str(r["x"]) for r in rows))
    fmt = ".1f" if percent else ",.0f"
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X("x:O", title=x_title or None, sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=y_title or None, axis=alt.Axis(format=fmt)),
        color=alt.Color("series:N", title=None, sort=list(series)),
        tooltip=[
            alt.Tooltip("series:N", title="系列"),
            alt.Tooltip("x:O", title=x_title or "时间"),
            alt.Tooltip("value:Q", title=y_title or "数值", format=fmt),
        ],
    )
    chart = alt.LayerChart(layer=[base.mark_line(), base.mark_point()]).properties(width=520, height=260)
    return _finish(chart, title, _unit_subtitle(unit))


def bar_spec(
    values: Mapping[str, float | None],
    *,
    title: str,
    category_title: str = "",
    value_title: str = "",
    unit: str | None = None,
    percent: bool = False,
    limit: int | None = None,
    color: str = PRIMARY,
) -> dict[str, Any]:
    """A ranking as horizontal bars, largest first, with the value at each bar's end; limit keeps the top ones."""
    items = sorted(
        ((k, n) for k, v in values.items() if (n := _number(v)) is not None), key=lambda kv: kv[1], reverse=True
    )
    if limit is not None:
        items = items[:limit]
    rows = [{"category": k, "value": v} for k, v in items]
    fmt = ".1f" if percent else ",.0f"
    axis = alt.Axis(format=fmt, tickCount=6) if percent else alt.Axis(labelExpr=WAN_LABEL, tickCount=6)
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        y=alt.Y("category:N", title=category_title or None, sort=[k for k, _ in items]),
        x=alt.X("value:Q", title=value_title or None, axis=axis),
        tooltip=[
            alt.Tooltip("category:N", title=category_title or "名称"),
            alt.Tooltip("value:Q", title=value_title or "数值", format=fmt),
        ],
    )
    bars = base.mark_bar(color=color, cornerRadiusEnd=2)
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("value:Q", format=fmt))
    chart = alt.LayerChart(layer=[bars, labels]).properties(width=480, height=alt.Step(24))
    return _finish(chart, title, _unit_subtitle(unit))


def change_bar_spec(
    changes: Mapping[str, float | None],
    *,
    title: str,
    value_title: str = "占比变化（百分点）",
    unit: str | None = "百分点",
) -> dict[str, Any]:
    """Changes as diverging bars around zero (rises red to the right, falls blue to the left), largest rise first."""
    items = sorted(
        ((k, n) for k, v in changes.items() if (n := _number(v)) is not None), key=lambda kv: kv[1], reverse=True
    )
    rows = [{"category": k, "value": v} for k, v in items]
    # Room beyond the longest bars on either side for their labels.
    lo, hi = min([0.0, *(v for _, v in items)]), max([0.0, *(v for _, v in items)])
    pad = (hi - lo) * 0.18 or 1.0
    domain = [lo - pad if lo < 0 else 0.0, hi + pad if hi > 0 else 0.0]
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        y=alt.Y("category:N", title=None, sort=[k for k, _ in items], axis=alt.Axis(ticks=False, domain=False)),
        x=alt.X(
            "value:Q",
            title=value_title,
            axis=alt.Axis(labelExpr=SIGNED_LABEL, tickCount=8),
            scale=alt.Scale(domain=domain),
        ),
        tooltip=[alt.Tooltip("category:N", title="名称"), alt.Tooltip("value:Q", title=value_title, format="+.1f")],
    )
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        color=alt.condition(alt.datum.value >= 0, alt.value(RISE), alt.value(FALL)),
    )
    labels = base.mark_text(
        align=alt.expr("datum.value >= 0 ? 'left' : 'right'"), dx=alt.expr("datum.value >= 0 ? 4 : -4")
    ).encode(text=alt.Text("value:Q", format="+.1f"))
    zero = alt.Chart(alt.InlineData(values=[{"zero": 0}])).mark_rule(color="#8C8C8C").encode(x="zero:Q")
    chart = alt.LayerChart(layer=[bars, labels, zero]).properties(width=480, height=alt.Step(26))
    return _finish(chart, title, _unit_subtitle(unit))


def share_bar_spec(
    shares: Mapping[str, Mapping[str, float | None]],
    *,
    title: str,
    category_title: str = "",
    value_title: str = "占比（%）",
    limit: int | None = None,
) -> dict[str, Any]:
    """Shares side by side per category, one bar per group (years, periods), e.g. {"2021": {"广东省": 5.6}, …}.

    Categories are ordered by their share in the last group, limit keeps the largest ones; one group is a plain
    share ranking.
    """
    groups = list(shares)
    last = shares[groups[-1]] if groups else {}
    ranked = sorted(
        ((k, n) for k, v in last.items() if (n := _number(v)) is not None), key=lambda kv: kv[1], reverse=True
    )
    cats = list(dict.fromkeys([k for k, _ in ranked] + [k for g in groups for k in shares[g]]))
    if limit is not None:
        cats = cats[:limit]
    rows = [
        {"group": g, "category": k, "value": n}
        for g in groups
        for k, v in shares[g].items()
        if k in cats and (n := _number(v)) is not None
    ]
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        y=alt.Y("category:N", title=category_title or None, sort=cats),
        x=alt.X("value:Q", title=value_title, axis=alt.Axis(format=".1f")),
        tooltip=[
            alt.Tooltip("category:N", title=category_title or "名称"),
            alt.Tooltip("group:N", title="分组"),
            alt.Tooltip("value:Q", title=value_title, format=".1f"),
        ],
    )
    if len(groups) > 1:
        grouped = base.encode(
            yOffset=alt.YOffset("group:N", sort=groups), color=alt.Color("group:N", title=None, sort=groups)
        )
        chart = grouped.mark_bar().properties(width=480, height=alt.Step(11))
    else:
        chart = base.mark_bar(color=PRIMARY).properties(width=480, height=alt.Step(24))
    return _finish(chart, title, "单位：%")


# --------------------------------------------------------------------------------------------------------------
# The national report's three charts, from the report dict


@dataclass(frozen=True)
class ReportChart:
    """One chart of the report: a stable key (file names, anchors), its title, and its spec (None without data)."""

    key: str
    title: str
    spec: dict[str, Any] | None


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _parse_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def period_name(period: Mapping[str, Any] | None) -> str:
    """A period as a title says it: "十四五" when it is exactly a five-year plan, else "2021–2025年", "2023年",
    "2021年3月–2022年6月", or its label when it has no dates."""
    if not period:
        return ""
    start, end = _parse_date(period.get("start")), _parse_date(period.get("end"))
    if start is None or end is None:
        return str(period.get("label") or "")
    whole_years = (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31)
    if whole_years and end.year - start.year == 4 and start.year in FIVE_YEAR_PLANS:
        return FIVE_YEAR_PLANS[start.year]
    if whole_years:
        return f"{start.year}年" if start.year == end.year else f"{start.year}–{end.year}年"
    return f"{start.year}年{start.month}月–{end.year}年{end.month}月"


def _is_plan(name: str) -> bool:
    return name in FIVE_YEAR_PLANS.values()


def chart_titles(report: Mapping[str, Any]) -> dict[str, str]:
    """The three charts' titles in the national report's wording, with the report's own periods and level."""
    scope = _map(report.get("scope"))
    period = period_name(scope.get("period"))
    baseline = period_name(scope.get("baseline"))
    during = f"{period}时期" if _is_plan(period) else period
    compared = f"{period}较{baseline}" if baseline else period
    level = LEVEL_NAMES.get(str(scope.get("breakdown_level") or "province"), "地区")
    return {
        "domain_change": f"{compared} 部分热点领域占比变化".strip(),
        "domain_trend": f"{during} 部分热点领域在年度总留言中的占比走势".strip(),
        "reply_volume": f"{during} 群众留言回复量较大{level}".strip(),
    }


def hot_domains(changes: Mapping[str, Any], n: int = 6, include: Iterable[str] = ()) -> list[str]:
    """The n domains whose share changed most (either way), plus any named in include, largest change first."""
    known = {k: v for k, v in changes.items() if _number(v) is not None}
    ranked = sorted(known, key=lambda k: abs(float(known[k])), reverse=True)
    chosen = ranked[:n]
    chosen += [d for d in include if d not in chosen and d in changes]
    return sorted(chosen, key=lambda k: abs(_number(changes[k]) or 0.0), reverse=True)


def _period_years(report: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    years = _map(_map(report.get("scope")).get("period")).get("years")
    listed = [str(y) for y in years] if isinstance(years, list) else []
    return [y for y in listed if y in data] + sorted(y for y in data if y not in listed)


def domain_change_spec(
    report: Mapping[str, Any], *, n: int = 6, include: Iterable[str] = (), title: str | None = None
) -> dict[str, Any] | None:
    """Chart 1: change of share (pp) of the hot domains between the period and the baseline; None without one."""
    changes = _map(report.get("domain_share_period_change_pp"))
    chosen = hot_domains(changes, n, include)
    if not chosen:
        return None
    return change_bar_spec(
        {d: changes[d] for d in chosen}, title=title or chart_titles(report)["domain_change"], unit="百分点"
    )


def domain_trend_spec(
    report: Mapping[str, Any], *, n: int = 4, include: Iterable[str] = (), title: str | None = None
) -> dict[str, Any] | None:
    """Chart 2: the yearly share of the domains that moved most over the period; None without yearly data."""
    by_year = _map(report.get("domain_share"))
    years = _period_years(report, by_year)
    changes = _map(report.get("domain_share_change_pp"))
    if not changes and len(years) > 1:  # the change is last year minus first; derive it when the dict lacks it
        first, last = _map(by_year.get(years[0])), _map(by_year.get(years[-1]))
        changes = {d: (_number(last.get(d)) or 0.0) - (_number(first.get(d)) or 0.0) for d in {*first, *last}}
    chosen = hot_domains(changes, n, include)
    if not chosen or not years:
        return None
    series = {d: {y: _map(by_year.get(y)).get(d) for y in years} for d in chosen}
    return line_spec(
        series,
        title=title or chart_titles(report)["domain_trend"],
        y_title="占年度留言比例（%）",
        unit="%",
        percent=True,
        x_order=years,
    )


def reply_volume_spec(report: Mapping[str, Any], *, n: int = 10, title: str | None = None) -> dict[str, Any] | None:
    """Chart 3: the regions with the largest reply volumes in the period; None without any."""
    volumes = _map(report.get("reply_volume_by_region"))
    if not any(_number(v) for v in volumes.values()):
        return None
    return bar_spec(
        volumes, title=title or chart_titles(report)["reply_volume"], value_title="回复量（条）", unit="条", limit=n
    )


def report_charts(report: Mapping[str, Any], *, include_domains: Iterable[str] = ()) -> list[ReportChart]:
    """The report's three charts in the national report's order (a spec is None where its data is missing)."""
    include = list(include_domains)
    titles = chart_titles(report)
    return [
        ReportChart("domain_change", titles["domain_change"], domain_change_spec(report, include=include)),
        ReportChart("domain_trend", titles["domain_trend"], domain_trend_spec(report, include=include)),
        ReportChart("reply_volume", titles["reply_volume"], reply_volume_spec(report)),
    ]

"""The report's tables, laid out once from the report dict for both the HTML and the XLSX rendering.

A cell keeps its raw value and its kind, so that HTML prints it ("5.6%", "+5.1", "1,234", "—") and XLSX stores a
number with a number format: shares as fractions formatted 0.0% (the dict's 5.6 is stored 0.056 and shows 5.6%),
changes in percentage points as plain numbers formatted +0.0 under a "（百分点）" header, counts formatted #,##0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from liuyan.reports.charts import LEVEL_NAMES, period_name

Kind = Literal["text", "int", "pct", "pp"]
DASH = "—"
MINUS = "−"  # the typographic minus, as the charts print it


@dataclass(frozen=True)
class Cell:
    value: Any
    kind: Kind = "text"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """One table: key (stable id), title (Chinese), sheet name for XLSX, columns, rows of cells, rows to highlight."""

    key: str
    title: str
    sheet: str
    columns: list[Column]
    rows: list[list[Cell]]
    highlight: frozenset[int] = frozenset()
    note: str = ""
    highlight_note: str = ""
    strong: frozenset[int] = field(default_factory=frozenset)  # rows printed bold (a total)


# --------------------------------------------------------------------------------------------------------------
# Values


def number(value: object) -> float | None:
    """A finite number from the dict, or None (missing, null, NaN, not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def fmt(value: object, kind: Kind) -> str:
    """A cell as text: "—" for a missing value, shares with "%", changes signed, counts with thousands separators."""
    if kind == "text":
        return DASH if value is None else str(value)
    n = number(value)
    if n is None:
        return DASH
    if kind == "int":
        return f"{round(n):,}"
    if kind == "pct":
        return f"{n:.1f}%".replace("-", MINUS)
    text = f"{n:+.1f}".replace("-", MINUS)
    return "0.0" if text in {"+0.0", f"{MINUS}0.0"} else text


def wan(value: object) -> str:
    """A count as a headline says it: 4030000 → "403.0万", small counts whole."""
    n = number(value)
    if n is None:
        return DASH
    if abs(n) >= 100_000:
        return f"{n / 10_000:,.1f}万"
    return f"{round(n):,}"


def as_map(value: object) -> Mapping[str, Any]:
    """value if it is a mapping, else an empty one (a slice without data may hold None)."""
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _ranked(keys: Iterable[str], by: Mapping[str, Any]) -> list[str]:
    """keys, largest value in by first; keys without one last, in their order."""
    unique = list(dict.fromkeys(keys))
    return sorted(unique, key=lambda k: (number(by.get(k)) is None, -(number(by.get(k)) or 0.0)))


# --------------------------------------------------------------------------------------------------------------
# Scope


def scope_info(report: Mapping[str, Any]) -> dict[str, str]:
    """The scope line's parts, each as printed: 统计期间, 对比基期, 地区, 留言板, 生成时间."""
    scope = as_map(report.get("scope"))
    return {
        "period": _period_text(as_map(scope.get("period"))),
        "baseline": _period_text(as_map(scope.get("baseline"))) if scope.get("baseline") else "无",
        "region": str(scope.get("region") or "全国"),
        "board": str(scope.get("board") or "全部留言板"),
        "level": LEVEL_NAMES.get(str(scope.get("breakdown_level") or ""), "地区"),
        "generated_at": generated_text(report.get("generated_at")),
    }


def _period_text(p: Mapping[str, Any]) -> str:
    if not p:
        return DASH
    name = period_name(p)
    start, end = p.get("start"), p.get("end")
    dates = f"{start} 至 {end}" if start and end else ""
    return f"{name}（{dates}）" if name and dates and name != dates else name or dates or DASH


def generated_text(value: object) -> str:
    """An ISO timestamp as "2026年3月20日 09:30"; anything else as given."""
    if not value:
        return DASH
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def period_labels(report: Mapping[str, Any]) -> tuple[str, str]:
    """The period's and the baseline's short names for column headers ("十四五", "十三五"; "本期", "基期")."""
    scope = as_map(report.get("scope"))
    return period_name(as_map(scope.get("period"))) or "本期", period_name(as_map(scope.get("baseline"))) or "基期"


# --------------------------------------------------------------------------------------------------------------
# Tables


def key_figures(report: Mapping[str, Any]) -> Table:
    """表1: the headline figures, one per row (they differ in kind, so the kind is per cell)."""
    cur, base = period_labels(report)
    has_base = bool(as_map(report.get("scope")).get("baseline"))
    valid, replied, rate = (as_map(report.get(k)) for k in ("valid_messages", "replied", "reply_rate"))
    rate_change = None
    if number(rate.get("period")) is not None and number(rate.get("baseline")) is not None:
        rate_change = float(rate["period"]) - float(rate["baseline"])
    rows: list[tuple[str, object, Kind]] = [(f"有效留言量（{cur}，条）", valid.get("period"), "int")]
    if has_base:
        rows += [
            (f"有效留言量（{base}，条）", valid.get("baseline"), "int"),
            (f"有效留言增长（{cur}较{base}）", report.get("valid_growth_pct"), "pct"),
        ]
    rows.append((f"获得回复的有效留言（{cur}，条）", replied.get("period"), "int"))
    if has_base:
        rows.append((f"获得回复的有效留言（{base}，条）", replied.get("baseline"), "int"))
    rows.append((f"回复率（{cur}）", rate.get("period"), "pct"))
    if has_base:
        rows += [(f"回复率（{base}）", rate.get("baseline"), "pct"), ("回复率变化（百分点）", rate_change, "pp")]
    rows += [
        (f"获得回复的建言（{cur}，条）", report.get("suggestions_replied"), "int"),
        ("群众评价的回复（条）", report.get("ratings"), "int"),
        ("其中“满意”（条）", report.get("satisfied"), "int"),
        ("满意率", report.get("satisfaction_rate"), "pct"),
        ("满意率（含基本满意）", report.get("satisfaction_rate_incl_basic"), "pct"),
    ]
    return Table(
        "key_figures",
        "主要数据",
        "主要数据",
        [Column("指标"), Column("数值", "int")],
        [[Cell(name), Cell(value, kind)] for name, value, kind in rows],
    )


def _by_year_table(
    key: str,
    title: str,
    sheet: str,
    name_title: str,
    by_year: Mapping[str, Any],
    change: Mapping[str, Any],
    note: str,
    change_title: str,
) -> Table:
    years = sorted(by_year)
    last = as_map(by_year.get(years[-1])) if years else {}
    names = _ranked([*last, *(k for y in years for k in as_map(by_year.get(y))), *change], last)
    cols = [Column(name_title), *(Column(f"{y}年", "pct") for y in years), Column(change_title, "pp")]
    rows = [
        [Cell(n), *(Cell(as_map(by_year.get(y)).get(n), "pct") for y in years), Cell(change.get(n), "pp")]
        for n in names
    ]
    return Table(key, title, sheet, cols, rows, note=note)


def _span(report: Mapping[str, Any], field_name: str) -> str:
    years = sorted(as_map(report.get(field_name)))
    return f"{years[-1]}年较{years[0]}年变化（百分点）" if len(years) > 1 else "变化（百分点）"


def region_share(report: Mapping[str, Any]) -> Table:
    level = scope_info(report)["level"]
    return _by_year_table(
        "region_share",
        f"各{level}留言占比（按年度）",
        "地区占比",
        level,
        as_map(report.get("region_share")),
        as_map(report.get("region_share_change_pp")),
        f"占比为该{level}有效留言占当年全部有效留言的比例；按末年占比降序。",
        _span(report, "region_share"),
    )


def domain_share(report: Mapping[str, Any]) -> Table:
    return _by_year_table(
        "domain_share",
        "各领域留言占比（按年度）",
        "领域占比",
        "领域",
        as_map(report.get("domain_share")),
        as_map(report.get("domain_share_change_pp")),
        "占比为该领域有效留言占当年全部有效留言的比例；按末年占比降序。",
        _span(report, "domain_share"),
    )


def domain_share_by_period(report: Mapping[str, Any]) -> Table:
    cur, base = period_labels(report)
    by_period = as_map(report.get("domain_share_by_period"))
    p, b = as_map(by_period.get("period")), as_map(by_period.get("baseline"))
    change = as_map(report.get("domain_share_period_change_pp"))
    names = _ranked([*p, *b, *change], p)
    cols = [Column("领域"), Column(base, "pct"), Column(cur, "pct"), Column(f"{cur}较{base}变化（百分点）", "pp")]
    rows = [[Cell(n), Cell(b.get(n), "pct"), Cell(p.get(n), "pct"), Cell(change.get(n), "pp")] for n in names]
    return Table(
        "domain_share_by_period",
        f"各领域留言占比（{cur}与{base}）",
        "领域占比（期间）",
        cols,
        rows,
        note="占比为该领域有效留言占整个期间全部有效留言的比例。",
    )


def reply_by_region(report: Mapping[str, Any]) -> Table:
    level = scope_info(report)["level"]
    cur, _ = period_labels(report)
    volume, rate = as_map(report.get("reply_volume_by_region")), as_map(report.get("reply_rate_by_region"))
    above = {str(r) for r in _list(report.get("regions_reply_rate_above_99"))}
    names = _ranked([*volume, *rate], volume)
    rows = [
        [Cell(n), Cell(volume.get(n), "int"), Cell(rate.get(n), "pct"), Cell("是" if n in above else "")] for n in names
    ]
    return Table(
        "reply_by_region",
        f"各{level}留言回复量与回复率（{cur}）",
        "回复情况",
        [Column(level), Column("回复量（条）", "int"), Column("回复率", "pct"), Column("回复率超过99%")],
        rows,
        highlight=frozenset(i for i, n in enumerate(names) if n in above),
        note="回复率 = 获得回复的有效留言 ÷ 有效留言；按回复量降序。",
        highlight_note="底色标出的为回复率超过99%的地区。",
    )


def suggestion_share(report: Mapping[str, Any]) -> Table:
    return _by_year_table(
        "suggestion_share",
        "各领域建言占比（按年度）",
        "建言占比",
        "领域",
        as_map(report.get("suggestion_share_by_domain")),
        as_map(report.get("suggestion_share_change_pp")),
        "占比为该领域有效留言中建言所占的比例；按末年占比降序。",
        _span(report, "suggestion_share_by_domain"),
    )


def satisfaction(report: Mapping[str, Any]) -> Table:
    return Table(
        "satisfaction",
        "群众满意度（总体）",
        "满意度",
        [
            Column("评价数（条）", "int"),
            Column("满意（条）", "int"),
            Column("满意率", "pct"),
            Column("满意率（含基本满意）", "pct"),
        ],
        [
            [
                Cell(report.get("ratings"), "int"),
                Cell(report.get("satisfied"), "int"),
                Cell(report.get("satisfaction_rate"), "pct"),
                Cell(report.get("satisfaction_rate_incl_basic"), "pct"),
            ]
        ],
        note="满意率 = 评价为“满意”的回复 ÷ 群众评价的回复；含基本满意者另列。",
    )


def satisfaction_by_domain(report: Mapping[str, Any]) -> Table:
    by_domain = as_map(report.get("satisfaction_by_domain"))
    names = _ranked(by_domain, by_domain)
    return Table(
        "satisfaction_by_domain",
        "各领域满意率",
        "满意度（领域）",
        [Column("领域"), Column("满意率", "pct")],
        [[Cell(n), Cell(by_domain.get(n), "pct")] for n in names],
        note="按满意率降序。",
    )


def tables(report: Mapping[str, Any]) -> list[Table]:
    """Every table of the report, in the report's order."""
    return [
        key_figures(report),
        region_share(report),
        domain_share(report),
        domain_share_by_period(report),
        reply_by_region(report),
        suggestion_share(report),
        satisfaction(report),
        satisfaction_by_domain(report),
    ]

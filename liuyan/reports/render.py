"""Rendering the period report dict to one self-contained HTML file, an XLSX workbook or JSON, written atomically."""

from __future__ import annotations

import io
import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from liuyan.reports import charts
from liuyan.reports.render_tables import Cell, Kind, Table, as_map, number, scope_info, tables, wan
from liuyan.reports.render_tables import fmt as text_of

Format = Literal["html", "xlsx", "json"]
FORMATS: tuple[Format, ...] = ("html", "xlsx", "json")

METHODS = [
    ("有效留言", "已受理的留言，不含不予受理和作为重复留言合并的留言。"),
    ("回复率", "获得回复的有效留言 ÷ 有效留言。"),
    ("满意率", "评价为“满意”的回复 ÷ 群众评价的回复；“满意率（含基本满意）”将“基本满意”一并计入。"),
    ("占比", "地区、领域占比均以有效留言为分母：年度占比为当年有效留言中的比例，期间占比为整个期间有效留言中的比例。"),
    ("变化", "以百分点计：年度变化为末年占比减首年占比，期间变化为本期占比减基期占比。"),
    ("建言占比", "某领域有效留言中建言所占的比例。"),
    ("热点领域", "图中所列为占比变化幅度（绝对值）最大的领域。"),
]


# --------------------------------------------------------------------------------------------------------------
# HTML


def _num(kind: Kind) -> bool:
    return kind != "text"


def _table_view(t: Table, number_: int) -> dict[str, Any]:
    return {
        "number": number_,
        "key": t.key,
        "title": t.title,
        "columns": [{"title": c.title, "numeric": _num(c.kind)} for c in t.columns],
        "rows": [
            {
                "cells": [{"text": text_of(c.value, c.kind), "numeric": _num(c.kind)} for c in row],
                "highlight": i in t.highlight,
                "strong": i in t.strong,
            }
            for i, row in enumerate(t.rows)
        ],
        "note": t.note,
        "highlight_note": t.highlight_note if t.highlight else "",
    }


def _figure(spec: dict[str, Any] | None, key: str) -> tuple[SafeString | None, str]:
    """The chart as inline SVG without its title (the figure's caption says it) and its unit line."""
    if spec is None:
        return None, ""
    title = spec.get("title")
    unit = str(title.get("subtitle") or "") if isinstance(title, Mapping) else ""
    svg = charts.to_svg({k: v for k, v in spec.items() if k != "title"})
    # Each SVG numbers its clip paths from its renderer's counter; inline in one page they share one id space.
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{key}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{key}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{key}-\1"', svg)
    # vl-convert's SVG escapes the data's text itself (names come from the database); the markup is trusted.
    return mark_safe(svg), unit


def _cards(report: Mapping[str, Any]) -> list[dict[str, str]]:
    """The headline figures above the text, each with its comparison."""
    info = scope_info(report)
    has_base = info["baseline"] != "无"
    valid, replied, rate = (as_map(report.get(k)) for k in ("valid_messages", "replied", "reply_rate"))
    growth = number(report.get("valid_growth_pct"))
    base_rate = number(rate.get("baseline"))
    return [
        {
            "label": "有效留言",
            "value": f"{wan(valid.get('period'))}条",
            "sub": f"较基期增长 {text_of(growth, 'pct')}" if has_base and growth is not None else "",
        },
        {
            "label": "获得回复",
            "value": f"{wan(replied.get('period'))}条",
            "sub": f"基期 {wan(replied.get('baseline'))}条" if has_base else "",
        },
        {
            "label": "回复率",
            "value": text_of(rate.get("period"), "pct"),
            "sub": f"基期 {text_of(base_rate, 'pct')}" if has_base and base_rate is not None else "",
        },
        {"label": "建言获回复", "value": f"{wan(report.get('suggestions_replied'))}条", "sub": ""},
        {
            "label": "满意率",
            "value": text_of(report.get("satisfaction_rate"), "pct"),
            "sub": f"{wan(report.get('ratings'))}条评价",
        },
    ]


def html_context(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the template shows, every value already formatted (so the template only lays it out)."""
    ts = {t.key: t for t in tables(report)}
    cs = {c.key: c for c in charts.report_charts(report)}
    counter = {"table": 0, "chart": 0}

    def table(key: str) -> dict[str, Any]:
        counter["table"] += 1
        return {"type": "table", **_table_view(ts[key], counter["table"])}

    def chart(key: str) -> dict[str, Any]:
        counter["chart"] += 1
        c = cs[key]
        svg, unit = _figure(c.spec, f"svg-{c.key}")
        return {"type": "chart", "number": counter["chart"], "key": c.key, "title": c.title, "svg": svg, "unit": unit}

    info = scope_info(report)
    sections = [
        {"heading": "一、总体情况", "narrative": True, "blocks": [table("key_figures")]},
        {"heading": f"二、{info['level']}分布", "blocks": [table("region_share")]},
        {
            "heading": "三、领域分布",
            "blocks": [
                chart("domain_change"),
                chart("domain_trend"),
                table("domain_share"),
                table("domain_share_by_period"),
            ],
        },
        {"heading": "四、回复情况", "blocks": [chart("reply_volume"), table("reply_by_region")]},
        {"heading": "五、群众建言", "blocks": [table("suggestion_share")]},
        {"heading": "六、满意度评价", "blocks": [table("satisfaction"), table("satisfaction_by_domain")]},
    ]
    narrative = [str(p) for p in report.get("narrative") or [] if str(p).strip()]
    warnings = [str(w) for w in report.get("warnings") or [] if str(w).strip()]
    return {
        "title": str(report.get("title") or "留言板数据分析报告"),
        "scope": info,
        "cards": _cards(report),
        "narrative": narrative,
        "warnings": warnings,
        "sections": sections,
        "methods": METHODS,
    }


def to_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML file: CSS inline, charts inline as SVG, no request to anywhere."""
    return render_to_string("reports/report.html", html_context(report))


# --------------------------------------------------------------------------------------------------------------
# XLSX

XL_FORMATS: dict[Kind, str] = {"text": "@", "int": "#,##0", "pct": "0.0%", "pp": "+0.0;-0.0;0.0"}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HIGHLIGHT_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(name="微软雅黑", size=14, bold=True)
NOTE_FONT = Font(name="微软雅黑", size=9, color="666666")
BODY_FONT = Font(name="微软雅黑", size=10)
BOLD_FONT = Font(name="微软雅黑", size=10, bold=True)


def xl_value(cell: Cell) -> Any:
    """A cell's stored value: shares as fractions (5.6 → 0.056, shown 5.6%), others as given, missing as "—"."""
    if cell.kind == "text":
        return "" if cell.value is None else str(cell.value)
    n = number(cell.value)
    if n is None:
        return "—"
    if cell.kind == "int":
        return round(n)
    return n / 100 if cell.kind == "pct" else n


def _width(text: str) -> int:
    """Display width in Excel's character units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table_sheet(wb: Workbook, t: Table) -> None:
    ws: Worksheet = wb.create_sheet(t.sheet)
    ws["A1"] = t.title
    ws["A1"].font = TITLE_FONT
    ws["A2"] = " ".join(filter(None, [t.note, t.highlight_note if t.highlight else ""]))
    ws["A2"].font = NOTE_FONT
    header_row = 3
    widths = [min(_width(c.title), max(12, math.ceil(_width(c.title) / 2))) for c in t.columns]  # long headers wrap
    for j, col in enumerate(t.columns, start=1):
        c = ws.cell(row=header_row, column=j, value=col.title)
        c.font, c.fill, c.border = BOLD_FONT, HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, row in enumerate(t.rows):
        r = header_row + 1 + i
        for j, cell in enumerate(row, start=1):
            c = ws.cell(row=r, column=j, value=xl_value(cell))
            c.border = BORDER
            c.font = BOLD_FONT if i in t.strong else BODY_FONT
            if cell.kind != "text":
                c.number_format = XL_FORMATS[cell.kind]
                c.alignment = Alignment(horizontal="right")
            if i in t.highlight:
                c.fill = HIGHLIGHT_FILL
            widths[j - 1] = max(widths[j - 1], _width(text_of(cell.value, cell.kind)))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 3, 10), 60)
    ws.row_dimensions[header_row].height = 30
    ws.freeze_panes = f"B{header_row + 1}"  # the header and the name column stay in view
    if t.rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(t.columns))}{header_row + len(t.rows)}"


def _summary_sheet(ws: Worksheet, report: Mapping[str, Any], sheet_list: list[tuple[str, str]]) -> None:
    info = scope_info(report)
    ws.title = "概要"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 100
    ws["A1"] = str(report.get("title") or "留言板数据分析报告")
    ws["A1"].font = Font(name="微软雅黑", size=16, bold=True)
    row = 3
    for label, key in (("统计期间", "period"), ("对比基期", "baseline"), ("地区", "region"), ("留言板", "board")):
        ws.cell(row=row, column=1, value=label).font = BOLD_FONT
        ws.cell(row=row, column=2, value=info[key]).font = BODY_FONT
        row += 1
    ws.cell(row=row, column=1, value="生成时间").font = BOLD_FONT
    ws.cell(row=row, column=2, value=info["generated_at"]).font = BODY_FONT
    row += 2

    def block(heading: str, lines: list[tuple[str, str]]) -> None:
        nonlocal row
        if not lines:
            return
        ws.cell(row=row, column=1, value=heading).font = Font(name="微软雅黑", size=12, bold=True)
        row += 1
        for label, text in lines:
            ws.cell(row=row, column=1, value=label).font = BOLD_FONT
            c = ws.cell(row=row, column=2, value=text)
            c.font, c.alignment = BODY_FONT, Alignment(wrap_text=True, vertical="top")
            # Wrapped rows do not grow by themselves in every spreadsheet program.
            ws.row_dimensions[row].height = 15 * max(1, math.ceil(_width(text) / 98))
            row += 1
        row += 1

    narrative = [str(p) for p in report.get("narrative") or [] if str(p).strip()]
    block("分析摘要", [(f"{i}.", p) for i, p in enumerate(narrative, start=1)])
    block("数据提示", [("", str(w)) for w in report.get("warnings") or [] if str(w).strip()])
    block("工作表", sheet_list)
    block("指标说明", [(k, v) for k, v in METHODS])


def _charts_sheet(wb: Workbook, report: Mapping[str, Any]) -> None:
    ws: Worksheet = wb.create_sheet("图表")
    ws.column_dimensions["A"].width = 4
    row = 1
    for n, c in enumerate(charts.report_charts(report), start=1):
        ws.cell(row=row, column=2, value=f"图{n}  {c.title}").font = Font(name="微软雅黑", size=12, bold=True)
        row += 1
        if c.spec is None:
            ws.cell(row=row, column=2, value="无数据").font = NOTE_FONT
            row += 2
            continue
        png = charts.to_png(c.spec, scale=2)
        img = XlImage(io.BytesIO(png))
        img.width, img.height = img.width // 2, img.height // 2  # drawn at scale 2, shown at its size: sharp
        ws.add_image(img, f"B{row}")
        row += math.ceil(img.height / 20) + 2  # a default row is 20 px high


def to_xlsx(report: Mapping[str, Any]) -> bytes:
    """The report as a workbook: 概要, one sheet per table, 图表 with the charts as PNG images."""
    wb = Workbook()
    ts = tables(report)
    _summary_sheet(wb.active, report, [(t.sheet, t.title) for t in ts] + [("图表", "报告图表")])  # type: ignore[arg-type]
    for t in ts:
        _table_sheet(wb, t)
    _charts_sheet(wb, report)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Files


def to_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def render(report: Mapping[str, Any], format_: Format) -> bytes:
    """The report in a format, as the bytes of its file."""
    if format_ == "html":
        return to_html(report).encode("utf-8")
    if format_ == "xlsx":
        return to_xlsx(report)
    if format_ == "json":
        return to_json(report).encode("utf-8")
    raise ValueError(f"unknown report format {format_!r}: expected one of {', '.join(FORMATS)}")


def write(report: Mapping[str, Any], path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Writes the report to path in fmt (html, xlsx or json; default: path's suffix), atomically.

    The whole file is rendered first and written to a temporary file in the same directory, which then replaces
    path in one step: a failure at any point leaves path as it was (absent or the previous report) and no
    temporary file behind.
    """
    target = Path(path)
    chosen = (fmt or target.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ValueError(f"unknown report format {chosen!r}: expected one of {', '.join(FORMATS)}")
    data = render(report, chosen)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); a report is an ordinary file, as open() would make it.
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

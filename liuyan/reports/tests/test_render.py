"""The rendered report: a self-contained HTML file, a workbook with every table, JSON, and atomic writing."""

import io
import json
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from liuyan.reports import render
from liuyan.reports.render_tables import fmt, tables
from liuyan.reports.tests.sample_report import empty_report, sample_report

TABLE_SHEETS = [
    "主要数据",
    "地区占比",
    "领域占比",
    "领域占比（期间）",
    "回复情况",
    "建言占比",
    "满意度",
    "满意度（领域）",
]


@pytest.fixture(scope="module")
def html() -> str:
    return render.to_html(sample_report())


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return render.to_xlsx(sample_report())


def text(html: str) -> str:
    """The page's text without tags and SVG, as a reader sees it."""
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------------------------------------------
# Cells


def test_cells_print_shares_changes_counts_and_missing_values() -> None:
    assert fmt(5.6, "pct") == "5.6%"
    assert fmt(5.1, "pp") == "+5.1" and fmt(-12.7, "pp") == "−12.7" and fmt(-0.01, "pp") == "0.0"
    assert fmt(3800290, "int") == "3,800,290"
    assert fmt(None, "pct") == fmt(float("nan"), "pp") == fmt(None, "text") == "—"


# --------------------------------------------------------------------------------------------------------------
# HTML


def test_html_is_self_contained(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, flags=re.I)
    assert not re.search(r"<(?:link|script|iframe|img)\b", html, flags=re.I)
    assert "@import" not in html
    assert set(re.findall(r"url\(([^)]*)\)", html)) <= {f"#{i}" for i in re.findall(r'id="([^"]+)"', html)}
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # the inline SVGs' clip paths do not collide


def test_html_has_the_title_scope_and_narrative(html: str) -> None:
    r = sample_report()
    page = text(html)
    assert "<title>2021–2025年留言板数据分析报告</title>" in html
    assert "十四五（2021-01-01 至 2025-12-31）" in page and "十三五（2016-01-01 至 2020-12-31）" in page
    assert "全国" in page and "全部留言板" in page and "2026年3月20日 09:30" in page
    for paragraph in r["narrative"]:
        assert paragraph in page
    assert r["warnings"][0] in page
    assert "回复率" in page and "获得回复的有效留言 ÷ 有效留言" in page  # the methods note


def test_html_has_every_table_with_its_values(html: str) -> None:
    page = text(html)
    for t in tables(sample_report()):
        assert f'id="table-{t.key}"' in html
        assert t.title in page
    # Spot checks in each table.
    assert re.search(r"广东省 5\.6% 6\.9% 8\.1% 9\.4% 10\.7% \+5\.1", page)
    assert re.search(r"住房和城乡建设 37\.6% .* 24\.9% −12\.7", page)
    assert re.search(r"住房和城乡建设 39\.5% 30\.1% −9\.4", page)
    assert re.search(r"商务 8\.1% 19\.4% \+11\.3", page)
    assert re.search(r"2,451,033 2,041,711 83\.3% 91\.7%", page)
    assert re.search(r"人力资源和社会保障 91\.2%", page)
    assert "有效留言增长（十四五较十三五） 178.8%" in page


def test_html_highlights_the_regions_replying_to_more_than_99_percent(html: str) -> None:
    marked = re.findall(r'<tr class="mark"><td>([^<]+)</td>', html)
    assert sorted(marked) == sorted(["辽宁省", "海南省", "北京市", "安徽省"])
    assert re.search(r"河南省 352,118 96\.2%", text(html))


def test_html_embeds_the_three_charts_as_svg_with_chinese_text(html: str) -> None:
    assert html.count("<svg") == 3
    figures = re.findall(r'<figure id="chart-(\w+)".*?</figure>', html, flags=re.S)
    assert figures == ["domain_change", "domain_trend", "reply_volume"]
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert "人力资源和社会保障" in svgs[0] and "住房和城乡建设" in svgs[0]
    assert "2025" in svgs[1] and "市场监管" in svgs[1]
    assert "河南省" in svgs[2]
    assert "图1 十四五较十三五 部分热点领域占比变化" in text(html)


def test_html_escapes_the_data() -> None:
    r = sample_report()
    r["narrative"] = ["<script>alert(1)</script>"]
    r["satisfaction_by_domain"] = {"<b>领域</b>": 50.0}
    r["reply_volume_by_region"]["<img src=x>"] = 1
    out = render.to_html(r)
    assert "<script>alert" not in out and "<b>领域" not in out and "<img src=x>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_html_of_a_slice_without_data_shows_dashes_and_no_charts() -> None:
    out = render.to_html(empty_report())
    page = text(out)
    assert "<svg" not in out and page.count("无数据") >= 3
    assert "西地省" in page and "省委书记留言板" in page and "对比基期 无" in page
    assert "回复率 —" in page


def test_html_survives_missing_pieces() -> None:
    r = sample_report()
    for key in ("region_share", "domain_share_by_period", "reply_rate", "valid_messages", "scope", "narrative"):
        r[key] = None
    out = render.to_html(r)
    assert "表1" in out and "—" in out


# --------------------------------------------------------------------------------------------------------------
# XLSX


def test_xlsx_has_a_summary_every_table_and_the_charts(xlsx: bytes) -> None:
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["概要", *TABLE_SHEETS, "图表"]
    summary = [c for row in wb["概要"].iter_rows(values_only=True) for c in row if c]
    assert summary[0] == "2021–2025年留言板数据分析报告"
    assert sample_report()["narrative"][0] in summary
    assert "十四五（2021-01-01 至 2025-12-31）" in summary
    assert len(wb["图表"]._images) == 3  # type: ignore[attr-defined]


def test_xlsx_tables_hold_numbers_with_formats_and_frozen_headers(xlsx: bytes) -> None:
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb["地区占比"]
    assert ws.freeze_panes == "B4"
    assert [c.value for c in ws[3]] == [
        "省份",
        "2021年",
        "2022年",
        "2023年",
        "2024年",
        "2025年",
        "2025年较2021年变化（百分点）",
    ]
    guangdong = ws[4]
    assert guangdong[0].value == "广东省"
    assert guangdong[1].value == pytest.approx(0.056) and guangdong[1].number_format == "0.0%"
    assert guangdong[5].value == pytest.approx(0.107)
    assert guangdong[6].value == pytest.approx(5.1) and guangdong[6].number_format.startswith("+0.0")
    assert ws.column_dimensions["A"].width >= 8

    reply = wb["回复情况"]
    rows = list(reply.iter_rows(min_row=4, values_only=True))
    assert rows[0][:2] == ("河南省", 352118) and rows[0][3] is None
    assert rows[0][2] == pytest.approx(0.962)
    assert {r[0] for r in rows if r[3] == "是"} == {"辽宁省", "海南省", "北京市", "安徽省"}
    assert reply["B4"].number_format == "#,##0"
    assert reply.cell(row=4 + [r[0] for r in rows].index("辽宁省"), column=1).fill.fgColor.rgb.endswith("FFF2CC")

    key = {r[0]: r[1] for r in wb["主要数据"].iter_rows(min_row=4, values_only=True)}
    assert key["有效留言量（十四五，条）"] == 4030000
    assert key["回复率（十四五）"] == pytest.approx(0.943)
    assert key["回复率变化（百分点）"] == pytest.approx(11.2)

    sat = wb["满意度"]
    assert [c.value for c in sat[4]] == [2451033, 2041711, pytest.approx(0.833), pytest.approx(0.917)]
    by_domain = list(wb["满意度（领域）"].iter_rows(min_row=4, values_only=True))
    assert by_domain[0][0] == "人力资源和社会保障"
    assert by_domain[0][1] == pytest.approx(0.912)
    period = list(wb["领域占比（期间）"].iter_rows(min_row=3, max_row=4, values_only=True))
    assert period[0] == ("领域", "十三五", "十四五", "十四五较十三五变化（百分点）")
    assert period[1][0] == "住房和城乡建设"
    assert list(period[1][1:]) == pytest.approx([0.395, 0.301, -9.4])
    assert wb["建言占比"]["A4"].value == "发展改革"
    assert wb["领域占比"]["A4"].value == "住房和城乡建设"


def test_xlsx_of_a_slice_without_data_opens_with_dashes_and_no_images() -> None:
    wb = load_workbook(io.BytesIO(render.to_xlsx(empty_report())))
    assert wb.sheetnames == ["概要", *TABLE_SHEETS, "图表"]
    key = {r[0]: r[1] for r in wb["主要数据"].iter_rows(min_row=4, values_only=True)}
    assert key["回复率（2024年）"] == "—" and key["有效留言量（2024年，条）"] == 0
    assert wb["地区占比"].max_row == 3  # the header only
    assert not wb["图表"]._images  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------------------
# Files


@pytest.mark.parametrize("fmt_", ["html", "xlsx", "json"])
def test_write_writes_each_format(tmp_path: Path, fmt_: str) -> None:
    out = render.write(sample_report(), tmp_path / f"report.{fmt_}", fmt_)
    assert out.exists() and os.listdir(tmp_path) == [f"report.{fmt_}"]
    assert out.stat().st_mode & 0o777 == 0o644
    if fmt_ == "json":
        raw = out.read_text(encoding="utf-8")
        assert "十四五" in raw and '\n  "title"' in raw  # UTF-8 as it is, indented
        assert json.loads(raw) == sample_report()


def test_write_takes_the_format_from_the_suffix(tmp_path: Path) -> None:
    out = render.write(sample_report(), tmp_path / "r.XLSX")
    assert load_workbook(out).sheetnames[0] == "概要"
    with pytest.raises(ValueError, match="unknown report format"):
        render.write(sample_report(), tmp_path / "r.pdf")
    assert sorted(os.listdir(tmp_path)) == ["r.XLSX"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "report.html"
    path.write_text("previous report", encoding="utf-8")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        render.write(sample_report(), path, "html")
    assert path.read_text(encoding="utf-8") == "previous report"
    assert os.listdir(tmp_path) == ["report.html"]


def test_a_report_that_cannot_be_rendered_writes_nothing(tmp_path: Path) -> None:
    r = sample_report()
    r["generated_at"] = object()  # not JSON
    with pytest.raises(TypeError):
        render.write(r, tmp_path / "report.json", "json")
    assert os.listdir(tmp_path) == []

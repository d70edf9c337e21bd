"""The charts: specs built from the report dict, titles from its periods, offline SVG/PNG with real CJK glyphs."""

import io
import re
from typing import Any

import altair as alt
import pytest
from PIL import Image, ImageChops

from liuyan.reports import charts
from liuyan.reports.tests.sample_report import empty_report, sample_report


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a spec's main data (Altair keeps inline data in named datasets)."""
    for part in [spec, *spec.get("layer", [])]:
        data = part.get("data", {})
        if "values" in data:
            return list(data["values"])
        if "name" in data:
            return list(spec["datasets"][data["name"]])
    raise AssertionError("no inline data")


def text_png(text: str, font: str = charts.FONT_FAMILY) -> Image.Image:
    """text drawn alone, large, in the given font, through the same renderer as the charts."""
    spec = (
        alt.Chart(alt.InlineData(values=[{"t": text}]))
        .mark_text(fontSize=40, font=font, color="black")
        .encode(text="t:N")
        .properties(width=320, height=60)
        .to_dict()
    )
    spec["config"] = {"view": {"stroke": None}, "background": "white"}
    return Image.open(io.BytesIO(charts.to_png(spec, scale=1))).convert("L")


def ink(img: Image.Image) -> int:
    return sum(img.histogram()[:128])


# --------------------------------------------------------------------------------------------------------------
# Titles


def test_titles_name_the_five_year_plans_when_the_periods_are_exactly_them() -> None:
    t = charts.chart_titles(sample_report())
    assert t == {
        "domain_change": "十四五较十三五 部分热点领域占比变化",
        "domain_trend": "十四五时期 部分热点领域在年度总留言中的占比走势",
        "reply_volume": "十四五时期 群众留言回复量较大省份",
    }


def test_titles_use_the_years_for_other_periods_and_the_breakdown_level() -> None:
    r = sample_report()
    r["scope"]["period"] = {"label": "x", "start": "2020-01-01", "end": "2024-12-31", "years": []}
    r["scope"]["baseline"] = {"label": "y", "start": "2015-01-01", "end": "2019-12-31", "years": []}
    r["scope"]["breakdown_level"] = "city"
    t = charts.chart_titles(r)
    assert t["domain_change"] == "2020–2024年较2015–2019年 部分热点领域占比变化"
    assert t["domain_trend"] == "2020–2024年 部分热点领域在年度总留言中的占比走势"
    assert t["reply_volume"] == "2020–2024年 群众留言回复量较大城市"


def test_period_names() -> None:
    assert charts.period_name({"start": "2016-01-01", "end": "2020-12-31"}) == "十三五"
    assert charts.period_name({"start": "2021-01-01", "end": "2025-06-30"}) == "2021年1月–2025年6月"
    assert charts.period_name({"start": "2024-01-01", "end": "2024-12-31"}) == "2024年"
    assert charts.period_name({"label": "自定义"}) == "自定义"
    assert charts.period_name(None) == ""


def test_a_report_without_baseline_compares_nothing() -> None:
    r = sample_report()
    r["scope"]["baseline"] = None
    assert charts.chart_titles(r)["domain_change"] == "十四五 部分热点领域占比变化"


# --------------------------------------------------------------------------------------------------------------
# The three report charts


def test_hot_domains_are_the_largest_absolute_changes_plus_the_named_ones() -> None:
    changes = {"a": 1.0, "b": -5.0, "c": 3.0, "d": 0.5, "e": None}
    assert charts.hot_domains(changes, n=2) == ["b", "c"]
    assert charts.hot_domains(changes, n=2, include=["d", "unknown"]) == ["b", "c", "d"]


def test_domain_change_chart_holds_the_period_changes_of_the_hot_domains() -> None:
    spec = charts.domain_change_spec(sample_report(), n=3, include=["交通运输"])
    assert spec is not None
    rows = {r["category"]: r["value"] for r in values(spec)}
    assert rows == {"住房和城乡建设": -9.4, "人力资源和社会保障": 4.9, "市场监管": 3.6, "交通运输": 0.1}
    assert spec["title"]["text"] == "十四五较十三五 部分热点领域占比变化"


def test_domain_trend_chart_has_each_hot_domain_for_each_year_in_order() -> None:
    spec = charts.domain_trend_spec(sample_report(), n=4)
    assert spec is not None
    rows = values(spec)
    assert {r["series"] for r in rows} == {"住房和城乡建设", "人力资源和社会保障", "市场监管", "教育"}
    housing = [r for r in rows if r["series"] == "住房和城乡建设"]
    assert [r["x"] for r in housing] == ["2021", "2022", "2023", "2024", "2025"]
    assert housing[0]["value"] == pytest.approx(37.6) and housing[-1]["value"] == pytest.approx(24.9)


def test_domain_trend_chart_derives_the_changes_when_the_report_lacks_them() -> None:
    r = sample_report()
    r["domain_share_change_pp"] = None
    spec = charts.domain_trend_spec(r, n=2)
    assert spec is not None
    assert {row["series"] for row in values(spec)} == {"住房和城乡建设", "人力资源和社会保障"}


def test_reply_volume_chart_keeps_the_largest_regions_in_descending_order() -> None:
    spec = charts.reply_volume_spec(sample_report(), n=3)
    assert spec is not None
    assert [r["category"] for r in values(spec)] == ["河南省", "广东省", "山东省"]


def test_no_data_gives_no_chart_and_no_error() -> None:
    r = empty_report()
    assert [c.spec for c in charts.report_charts(r)] == [None, None, None]
    r["domain_share_period_change_pp"] = None
    r["reply_volume_by_region"] = None
    assert charts.domain_change_spec(r) is None and charts.reply_volume_spec(r) is None


def test_generic_builders_take_plain_dicts_and_skip_missing_values() -> None:
    line = charts.line_spec({"留言量": {"1月": 10, "2月": None, "3月": 12}}, title="月度留言量", unit="条")
    assert [r["x"] for r in values(line)] == ["1月", "3月"]
    bars = charts.bar_spec({"甲": 1, "乙": 3, "丙": None}, title="排名")
    assert [r["category"] for r in values(bars)] == ["乙", "甲"]
    shares = charts.share_bar_spec({"2021": {"甲": 1.0}, "2025": {"甲": 2.0, "乙": 3.0}}, title="占比", limit=1)
    assert {(r["group"], r["category"]) for r in values(shares)} == {("2025", "乙")}
    for spec in (line, bars, shares, charts.change_bar_spec({}, title="空")):
        assert charts.to_svg(spec).startswith("<svg")


# --------------------------------------------------------------------------------------------------------------
# Rendering


def test_svg_keeps_the_chinese_text_in_the_cjk_font() -> None:
    spec = charts.domain_change_spec(sample_report())
    assert spec is not None
    svg = charts.to_svg(spec)
    assert "十四五较十三五 部分热点领域占比变化" in svg
    assert "人力资源和社会保障" in svg
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families and all("WenQuanYi Micro Hei" in f for f in families)


def test_rendering_refuses_external_data() -> None:
    spec = {"data": {"url": "https://example.invalid/x.json"}, "mark": "bar"}
    with pytest.raises(ValueError, match="not allowed"):
        charts.to_svg(spec)


def test_png_is_an_image_of_the_spec_size_times_the_scale() -> None:
    spec = charts.reply_volume_spec(sample_report())
    assert spec is not None
    one = Image.open(io.BytesIO(charts.to_png(spec, scale=1)))
    two = Image.open(io.BytesIO(charts.to_png(spec)))
    assert one.format == two.format == "PNG"
    assert two.size == (one.width * 2, one.height * 2)


def test_png_draws_real_cjk_glyphs_not_boxes() -> None:
    """Different Chinese strings must draw differently: missing glyphs all draw the same box (or nothing)."""
    a, b = text_png("住房城乡建设"), text_png("教育卫生健康")
    assert ink(a) > 500, "no text drawn: is a CJK font installed (fonts-wqy-microhei, `make browser`)?"
    assert ImageChops.difference(a, b).getbbox() is not None, "CJK glyphs drawn as identical boxes (tofu)"
    # The font matters: a family that does not exist draws differently (nothing), so the CJK font was used.
    assert ImageChops.difference(a, text_png("住房城乡建设", font="NoSuchFontFamily")).getbbox() is not None

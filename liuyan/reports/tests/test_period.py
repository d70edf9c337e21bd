"""The period report's figures from hand-made rollups, the two read paths agreeing, and bad input."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liuyan.common.errors import InvalidInput
from liuyan.geo.models import Region, RegionLevel
from liuyan.messages.models import Message, MessageType
from liuyan.reports.period import build_report, parse_period
from liuyan.rollups import upkeep
from liuyan.rollups.metrics import COUNTERS
from liuyan.rollups.models import PendingDelta, Rollup, Summary
from liuyan.rollups.query import Scope, _from_daily, _from_summary, summary_grain, sums
from liuyan.taxonomy.models import Category
from tests.world import World

COMPLAINT, SUGGESTION = MessageType.COMPLAINT.value, MessageType.SUGGESTION.value


def put(
    day: str, region: Region, category: Category, board_id: int, type_: str = COMPLAINT, unit: int = 0, **counts: int
) -> None:
    row = dict.fromkeys(COUNTERS, 0)
    row.update(counts)
    row["messages"] = row["valid"]
    key = (dt.date.fromisoformat(day), region.pk, board_id, unit, category.pk, type_)
    upkeep.add({key: row})


@pytest.fixture(params=["folded", "pending"])
def figures(world: World, request: pytest.FixtureRequest) -> World:
    """The same figures with the summaries folded, and with every delta still in the log."""
    east = Region.objects.create(code="X02", name="东海省", level=RegionLevel.PROVINCE, is_custom=True)
    city_c = Region.objects.create(code="X0201", name="C市", level=RegionLevel.CITY, parent=east, is_custom=True)
    board = world.prov_board.pk
    housing, noise, traffic = world.housing, world.noise, world.traffic
    put("2019-05-01", world.county_a1, housing, board, valid=10, replied=8)
    put("2021-03-01", world.county_a1, housing, board, valid=30, replied=29)
    put("2021-07-15", city_c, traffic, board, unit=world.b_housing.pk, valid=10, replied=10)
    put("2022-02-01", world.city_a, noise, board, valid=20, replied=20, rated=10, satisfied=9, basically_satisfied=1)
    put("2022-11-30", city_c, traffic, board, valid=15, replied=14)
    put("2022-12-31", city_c, traffic, board, SUGGESTION, valid=5, replied=5, suggestions=5, suggestions_replied=5)
    if request.param == "folded":
        upkeep.fold()
    return world


def test_it_computes_the_national_figures(figures: World) -> None:
    r = build_report(parse_period("2021-2022"), parse_period("2019"))
    assert r["valid_messages"] == {"period": 80, "baseline": 10}
    assert r["replied"] == {"period": 78, "baseline": 8}
    assert r["reply_rate"] == {"period": pytest.approx(97.5), "baseline": pytest.approx(80.0)}
    assert r["valid_growth_pct"] == pytest.approx(700.0)
    assert r["region_share"] == {
        "2021": {"西地省": pytest.approx(75.0), "东海省": pytest.approx(25.0)},
        "2022": {"西地省": pytest.approx(50.0), "东海省": pytest.approx(50.0)},
    }
    assert r["region_share_change_pp"] == {"东海省": pytest.approx(25.0), "西地省": pytest.approx(-25.0)}
    assert r["domain_share"]["2021"] == {"城乡建设": pytest.approx(75.0), "交通运输": pytest.approx(25.0)}
    assert r["domain_share"]["2022"] == {"环境保护": pytest.approx(50.0), "交通运输": pytest.approx(50.0)}
    assert r["domain_share_change_pp"]["城乡建设"] == pytest.approx(-75.0)
    assert r["domain_share_by_period"]["baseline"] == {"城乡建设": pytest.approx(100.0)}
    assert r["reply_volume_by_region"] == {"西地省": 49, "东海省": 29}
    assert r["reply_rate_by_region"]["东海省"] == pytest.approx(29 / 30 * 100)
    assert r["regions_reply_rate_above_99"] == []
    assert r["suggestions_replied"] == 5
    assert r["suggestion_share_by_domain"]["2022"]["交通运输"] == pytest.approx(25.0)
    assert r["suggestion_share_change_pp"]["交通运输"] == pytest.approx(25.0)
    assert (r["ratings"], r["satisfied"]) == (10, 9)
    assert r["satisfaction_rate"] == pytest.approx(90.0)
    assert r["satisfaction_rate_incl_basic"] == pytest.approx(100.0)
    assert r["satisfaction_by_domain"] == {"环境保护": pytest.approx(90.0)}
    assert r["scope"]["period"]["years"] == ["2021", "2022"]
    assert r["warnings"]  # the test calendar holds 2024–2026 only


def test_it_breaks_a_province_down_by_city(figures: World) -> None:
    r = build_report(parse_period("2021-2022"), region=figures.province)
    assert r["scope"]["breakdown_level"] == "city"
    assert r["valid_messages"]["period"] == 50
    assert r["region_share"] == {"2021": {"A市": pytest.approx(100.0)}, "2022": {"A市": pytest.approx(100.0)}}
    assert r["reply_volume_by_region"] == {"A市": 49}


def test_it_narrates_what_moved(figures: World) -> None:
    text = "\n".join(build_report(parse_period("2021-2022"), parse_period("2019"))["narrative"])
    assert "增长700.0%" in text and "回复率由80.0%提升至97.5%" in text
    assert "东海省群众留言量在各地留言总量中的占比从2021年的25.0%增长至2022年的50.0%" not in text  # short names
    assert "东海群众留言量在各地留言总量中的占比从2021年的25.0%增长至2022年的50.0%" in text
    assert "西地群众留言量在各地留言总量中的占比从2021年的75.0%下降至2022年的50.0%" in text
    assert "城乡建设领域留言占比由2021年的75.0%下降至2022年的0.0%" in text
    assert "满意率为90.0%" in text


def test_it_narrates_a_rise_as_a_rise_when_the_data_turn(figures: World) -> None:
    put("2022-06-01", figures.county_a1, figures.housing, figures.prov_board.pk, valid=200, replied=200)
    text = "\n".join(build_report(parse_period("2021-2022"))["narrative"])
    assert "西地群众留言量在各地留言总量中的占比从2021年的75.0%增长至2022年的91.7%" in text
    assert "仍居各领域首位" in text


@pytest.mark.parametrize(
    ("by", "region_level", "category_level"),
    [
        (("year",), RegionLevel.PROVINCE, None),
        (("year", "province"), RegionLevel.PROVINCE, None),
        (("year", "domain"), RegionLevel.PROVINCE, None),
        (("month", "type"), RegionLevel.PROVINCE, None),
        (("board", "domain"), RegionLevel.PROVINCE, None),
        (("province", "type"), RegionLevel.PROVINCE, None),
        (("unit", "province"), RegionLevel.PROVINCE, None),
        (("year", "region", "domain"), RegionLevel.CITY, None),
        (("category", "province"), RegionLevel.PROVINCE, 2),
        (("category",), RegionLevel.PROVINCE, 1),
        (("category", "month"), RegionLevel.PROVINCE, None),
    ],
)
def test_it_answers_the_same_from_summaries_and_from_daily_rows(
    figures: World, by: tuple[str, ...], region_level: int, category_level: int | None
) -> None:
    scope = Scope(dt.date(2019, 1, 1), dt.date(2023, 1, 1))
    grain = summary_grain(scope, by, region_level, category_level)
    assert grain is not None
    summary = _from_summary(scope, by, grain, region_level, category_level)
    assert summary == _from_daily(scope, by, region_level, category_level)
    assert sum(c["valid"] for c in summary.values()) == 90


@pytest.mark.parametrize(
    ("region", "category", "expected"), [("province", None, 60), (None, "construction", 40), ("city_a", None, 60)]
)
def test_it_filters_the_same_from_summaries_and_from_daily_rows(
    figures: World, region: str | None, category: str | None, expected: int
) -> None:
    scope = Scope(
        dt.date(2019, 1, 1),
        dt.date(2023, 1, 1),
        region=getattr(figures, region) if region else None,
        category=figures.housing.root() if category else None,
    )
    grain = summary_grain(scope, ("year",))
    assert grain is not None
    summary = _from_summary(scope, ("year",), grain, RegionLevel.PROVINCE, None)
    assert summary == _from_daily(scope, ("year",), RegionLevel.PROVINCE, None)
    assert sum(c["valid"] for c in summary.values()) == expected


def test_it_reads_daily_rows_for_periods_that_are_not_whole_months(figures: World) -> None:
    scope = Scope(dt.date(2021, 3, 2), dt.date(2022, 12, 31))
    assert summary_grain(scope, ("year",)) is None
    assert sums(scope, ("year",))[(2022,)]["valid"] == 35  # 12-31 left out


def test_it_reads_only_rollups(figures: World) -> None:
    assert (Summary.objects.exists() or PendingDelta.objects.exists()) and Rollup.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        build_report(parse_period("2021-2022"), parse_period("2019"))
    assert len(queries) <= 16  # a few grouped reads, each with the log not folded yet, and the names
    assert not [q["sql"] for q in queries if Message._meta.db_table in q["sql"]]


@pytest.mark.parametrize(
    "text", ["", "  ", "2025-13", "2025-2021", "2025-02-30..2025-03-01", "next year", "2025-03-01..2025-02-01"]
)
def test_it_refuses_a_bad_period(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_period(text)
    assert caught.value.zh and caught.value.en


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2021-2025", "2021-01-01", "2026-01-01", "十四五"),
        ("十三五", "2016-01-01", "2021-01-01", "十三五"),
        ("2024", "2024-01-01", "2025-01-01", "2024年"),
        ("2025-01..2025-06", "2025-01-01", "2025-07-01", "2025年01月01日–2025年06月30日"),
        ("2025-1-1..2025-3-31", "2025-01-01", "2025-04-01", "2025年01月01日–2025年03月31日"),
    ],
)
def test_it_parses_periods(text: str, start: str, end: str, label: str) -> None:
    period = parse_period(text)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)


def test_it_refuses_an_overlapping_baseline(figures: World) -> None:
    with pytest.raises(InvalidInput, match="overlaps"):
        build_report(parse_period("2021-2025"), parse_period("2025"))


def _run(tmp_path: Path, *args: str) -> tuple[str, Path]:
    out = tmp_path / "r.json"
    stdout = io.StringIO()
    call_command("report", *args, "--out", str(out), stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue(), out


def test_it_refuses_unknown_regions_boards_and_empty_periods_without_writing(figures: World, tmp_path: Path) -> None:
    for args, message in (
        (["--period", "2021-2022", "--region", "火星省"], "unknown region"),
        (["--period", "2021-2022", "--board", "NOPE"], "unknown board"),
        (["--period", "2031"], "no valid messages"),
        (["--period", "2021-2022", "--baseline", "2022"], "overlaps"),
        (["--period", "2025-13"], "unrecognised period"),
    ):
        with pytest.raises(CommandError, match=message):
            _run(tmp_path, *args)
        assert list(tmp_path.iterdir()) == []


def test_it_writes_the_json_report(figures: World, tmp_path: Path) -> None:
    import json

    out, path = _run(tmp_path, "--period", "2021-2022", "--baseline", "2019", "--region", "X01", "--format", "json")
    assert "wrote" in out
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["valid_messages"] == {"period": 50, "baseline": 10}
    assert data["scope"]["region"] == "西地省"

"""`sums` reads whole years from the yearly grains and gives the same figures as the monthly rows and the daily."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liuyan.messages.models import Message
from liuyan.messages.states import State
from liuyan.rollups.models import Grain, Summary, yearly
from liuyan.rollups.query import Scope, sums, whole_years
from liuyan.rollups.upkeep import fold
from tests.world import World, message_in_state


@pytest.fixture
def year(world: World) -> int:
    """The year of a closed message's submission."""
    message = message_in_state(world, State.CLOSED)
    return timezone.localtime(message.submitted_at).year


def grains_read(queries: CaptureQueriesContext) -> set[int]:
    sql = " ".join(q["sql"] for q in queries.captured_queries if "rollups_summary" in q["sql"])
    return {int(found) for found in re.findall(r'"grain" = (\d+)\b', sql)}


def test_it_knows_whole_years() -> None:
    assert whole_years(Scope(dt.date(2021, 1, 1), dt.date(2026, 1, 1)))
    assert not whole_years(Scope(dt.date(2021, 1, 1), dt.date(2021, 7, 1)))
    assert not whole_years(Scope(dt.date(2021, 3, 1), dt.date(2022, 3, 1)))


@pytest.mark.parametrize("folded", [True, False], ids=["folded", "in the log"])
def test_it_reads_a_whole_year_from_the_yearly_grain_with_the_same_figures(year: int, folded: bool) -> None:
    if folded:
        fold()
    scope = Scope(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        by_province = sums(scope, ("province",))
    assert grains_read(queries) == {yearly(Grain.PROVINCE_TYPE)}
    # The same counters by month (the monthly grain) and by day (a scope that is not whole months).
    monthly: dict[tuple[int, ...], dict[str, int]] = {}
    for (_month, province), counts in sums(scope, ("month", "province")).items():
        into = monthly.setdefault((province,), dict.fromkeys(counts, 0))
        for name, value in counts.items():
            into[name] += value
    daily = sums(Scope(dt.date(year - 1, 12, 31), dt.date(year + 1, 1, 1)), ("province",))
    assert by_province == monthly == daily
    assert sum(c["messages"] for c in by_province.values()) == Message.objects.count() == 1


def test_it_reads_the_trend_by_month_from_the_whole_country_grain(year: int) -> None:
    fold()
    scope = Scope(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        by_month = sums(scope, ("month",))
    assert grains_read(queries) == {Grain.TYPE}
    assert sum(c["valid"] for c in by_month.values()) == 1


def test_it_keeps_the_years_with_the_months_on_january_first(year: int) -> None:
    fold()
    rows = Summary.objects.filter(grain__gte=yearly(0))
    assert rows.count() == len(Grain) and {row.month for row in rows} == {dt.date(year, 1, 1)}

"""The migration that added the yearly and whole-country grains fills them from the summaries already there."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from liuyan.rollups.models import Grain, Summary, yearly

BEFORE = [("rollups", "0003_summary_grains")]
AFTER = [("rollups", "0004_summary_yearly_and_type")]


def migrate(to: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(to)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_it_sums_existing_months_into_years_and_the_whole_country() -> None:
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("rollups", "Summary")
    for month, province, type_, n in [
        (dt.date(2024, 3, 1), 11, "complaint", 2),
        (dt.date(2024, 7, 1), 11, "complaint", 3),
        (dt.date(2024, 7, 1), 12, "complaint", 4),
        (dt.date(2025, 1, 1), 12, "consult", 1),
    ]:
        old.objects.create(
            grain=Grain.PROVINCE_TYPE, month=month, province_id=province, type=type_, messages=n, valid=n
        )
    old.objects.create(grain=Grain.PROVINCE_DOMAIN, month=dt.date(2024, 7, 1), province_id=11, domain_id=5, messages=6)
    migrate(AFTER)

    def rows(grain: int) -> dict[tuple[object, ...], tuple[int, int]]:
        found = Summary.objects.filter(grain=grain)
        return {(r.month, r.province_id, r.domain_id, r.type): (r.messages, r.valid) for r in found}

    assert rows(Grain.TYPE) == {
        (dt.date(2024, 3, 1), 0, 0, "complaint"): (2, 2),
        (dt.date(2024, 7, 1), 0, 0, "complaint"): (7, 7),
        (dt.date(2025, 1, 1), 0, 0, "consult"): (1, 1),
    }
    assert rows(yearly(Grain.PROVINCE_TYPE)) == {
        (dt.date(2024, 1, 1), 11, 0, "complaint"): (5, 5),
        (dt.date(2024, 1, 1), 12, 0, "complaint"): (4, 4),
        (dt.date(2025, 1, 1), 12, 0, "consult"): (1, 1),
    }
    assert rows(yearly(Grain.TYPE)) == {
        (dt.date(2024, 1, 1), 0, 0, "complaint"): (9, 9),
        (dt.date(2025, 1, 1), 0, 0, "consult"): (1, 1),
    }
    assert rows(yearly(Grain.PROVINCE_DOMAIN)) == {(dt.date(2024, 1, 1), 11, 5, ""): (6, 0)}


@pytest.mark.django_db(transaction=True)
def test_it_takes_them_away_again_when_migrated_back() -> None:
    Summary.objects.create(grain=Grain.PROVINCE_TYPE, month=dt.date(2024, 3, 1), province_id=11, type="complaint")
    Summary.objects.create(grain=Grain.TYPE, month=dt.date(2024, 3, 1), type="complaint")
    Summary.objects.create(grain=yearly(Grain.TYPE), month=dt.date(2024, 1, 1), type="complaint")
    try:
        migrate(BEFORE)
        assert list(Summary.objects.values_list("grain", flat=True)) == [Grain.PROVINCE_TYPE]
    finally:
        migrate(AFTER)

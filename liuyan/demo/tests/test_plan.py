"""Case plans: the scenario schedule, the in-memory catalogue, and times that stay in the past year."""

import datetime as dt

import pytest

from liuyan.demo import corpus
from liuyan.demo.build import BuildResult
from liuyan.demo.plan import HISTORY_DAYS, SCENARIO_WEIGHTS, Planner, cases, schedule
from liuyan.demo.reference import COUNTIES_WITH_BUREAUS, PROVINCE_CODE, ReferenceReport, build_province
from liuyan.demo.tests.conftest import AS_OF, SEED
from liuyan.demo.users import ensure_users
from liuyan.geo.models import Region
from liuyan.orgs.catalogue import CurrentCatalogue, responsible_unit
from liuyan.taxonomy.models import Category


def test_it_schedules_every_scenario_first_then_by_weight() -> None:
    names = schedule(SEED, 1000)
    assert sorted(names[: len(SCENARIO_WEIGHTS)]) == sorted(SCENARIO_WEIGHTS)
    assert len(names) == 1000
    assert names.count("archived") > names.count("under_review") > 0
    assert schedule(SEED, 1000) == names


@pytest.mark.django_db
def test_the_in_memory_catalogue_answers_like_the_catalogue_on_the_demo_province(demo: BuildResult) -> None:
    index = CurrentCatalogue()
    regions = list(Region.objects.filter(code__in=[PROVINCE_CODE, "X0101", "X010103", "X0102", *COUNTIES_WITH_BUREAUS]))
    for path in {t.category for t in corpus.TOPICS}:
        category = Category.objects.get(path=path)
        for region in regions:
            assert index.unit(category.pk, region.pk) == responsible_unit(category, region), (path, region.code)


@pytest.mark.django_db
def test_it_plans_steps_in_order_within_the_past_year(demo: BuildResult) -> None:
    province = build_province(ReferenceReport(), catalogue_since=AS_OF - dt.timedelta(days=400))
    planner = Planner(province, ensure_users(province), seed=SEED, as_of=AS_OF)
    earliest = AS_OF - dt.timedelta(days=HISTORY_DAYS + 10)
    total = 0
    for case, _budget in cases(planner, schedule(SEED, 300), 300):
        total += len(case.slots)
        times = [s.at for s in case.steps]
        assert times == sorted(times)
        assert earliest <= times[0] and times[-1] <= AS_OF, case.scenario
        assert case.steps[0].action == "submit"
    assert total == 300

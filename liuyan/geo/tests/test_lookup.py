"""find_region: names and aliases to regions, ambiguity, subtrees and the in-process cache."""

import pytest

from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
from liuyan.geo.loader import load_divisions
from liuyan.geo.models import Region, RegionLevel
from liuyan.geo.region_lookup import find_region

pytestmark = pytest.mark.django_db


def code(name: str, within: Region | None = None) -> str | None:
    region = find_region(name, within=within)
    return region.code if region is not None else None


@pytest.fixture
def regions() -> None:
    load_divisions()
    import_gazetteer(SAMPLE_GAZETTEER)


def test_it_finds_by_name_and_by_alias(regions):
    assert code("广东省") == "440000"
    assert code("广东") == "440000"
    assert code(" 粤 ") == "440000"
    assert code("内蒙古") == "150000"
    assert code("延边州") == "222400"
    assert code("A3区") == "X010103"
    assert code("K8县") == "X011108"
    assert code("西地") == "X01"


def test_it_returns_none_when_unknown_or_ambiguous(regions):
    assert find_region("朝阳区") is None  # 北京 and 长春 both have one
    assert find_region("朝阳") is None
    assert find_region("吉林") is None  # 吉林省 and 吉林市
    assert find_region("没有这个地方") is None
    assert find_region("") is None


def test_it_prefers_an_exact_name_over_an_alias(regions):
    Region.objects.create(code="X02", name="广东", level=RegionLevel.PROVINCE, is_custom=True)
    assert code("广东") == "X02"


def test_it_resolves_ambiguity_within_a_subtree(regions):
    beijing = Region.objects.get(code="110000")
    assert code("朝阳区", within=beijing) == "110105"
    assert find_region("A3区", within=beijing) is None


def test_it_caches_names_and_sees_new_regions(regions, django_assert_max_num_queries):
    find_region("广东")
    with django_assert_max_num_queries(1):
        assert code("海淀区") == "110108"
    Region.objects.create(code="X03", name="东地省", level=RegionLevel.PROVINCE, is_custom=True)
    assert code("东地省") == "X03"


def test_it_notices_rows_removed_behind_its_back(regions):
    assert find_region("A3区") is not None
    Region.objects.filter(code="X010103").update(name="A33区")  # no signal fires on update()
    assert find_region("A3区") is None

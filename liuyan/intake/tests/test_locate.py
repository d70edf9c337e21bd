"""locate: division mentions in message text, the most specific consistent region, confidence and evidence."""

from collections.abc import Iterator

import pytest

from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
from liuyan.geo.loader import load_divisions
from liuyan.geo.models import Region, RegionLevel
from liuyan.geo.region_lookup import clear_region_cache
from liuyan.intake.locate import Location, clear_locate_cache, find_mentions, locate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_caches() -> Iterator[None]:
    clear_region_cache()
    clear_locate_cache()
    yield
    clear_region_cache()
    clear_locate_cache()


@pytest.fixture
def regions() -> None:
    load_divisions()
    import_gazetteer(SAMPLE_GAZETTEER)


def code_of(location: Location | None) -> str | None:
    return Region.objects.get(pk=location.region_id).code if location is not None else None


def where(text: str, author: str | None = None) -> str | None:
    author_id = Region.objects.get(code=author).pk if author else None
    return code_of(locate(text, author_region_id=author_id))


def test_the_county_wins_over_its_city(regions):
    found = locate("A市A3区幸福里小区门口的路灯坏了")
    assert code_of(found) == "X010103"
    assert found is not None
    assert found.evidence == ("A市", "A3区")
    assert found.confidence >= 0.9
    assert found.reason == "文中提及“A市”“A3区”"
    assert found.path.endswith("/X0101/X010103/")
    assert found.to_json()["evidence"] == ["A市", "A3区"]


def test_a_county_alone_and_a_city_alone(regions):
    assert where("A3区某小区物业乱收费") == "X010103"
    assert where("K市域轨道交通规划的建议") == "X0111"
    assert where("西地省盛常玻璃公司多年高硫排放") == "X01"


def test_real_names_and_short_names(regions):
    assert where("北京市朝阳区望京街道噪音扰民") == "110105"
    assert where("广东省深圳市南山区科技园") == "440305"
    assert where("我在深圳工作多年") == "440300"
    assert where("延边州的冬天") == "222400"


def test_short_names_inside_other_names_are_not_mentions(regions):
    assert locate("中山路上的井盖丢了") is None
    assert locate("我住在朝阳新居小区") is None
    assert locate("中山大学附近") is None
    assert [m.text for m in find_mentions("中山路和朝阳新居，A3区")] == ["A3区"]


def test_everyday_words_that_are_also_names_need_confirmation(regions):
    loc = locate("老城区的房子都拆了，市区和县城都一样")
    assert loc is None or loc.confidence < 0.3


def test_ambiguous_names_are_resolved_by_their_parent_or_left_open(regions):
    assert where("长春市朝阳区") == "220104"
    assert where("朝阳区") is None  # 北京 and 长春
    assert where("朝阳区", author="110000") == "110105"


def test_two_unrelated_counties_pick_the_one_mentioned_more_with_lower_confidence(regions):
    found = locate("A3区的企业在B1区施工，A3区的居民受影响")
    assert code_of(found) == "X010103"
    assert found is not None and found.confidence < 0.7
    first = locate("A3区和B1区交界处")
    assert code_of(first) == "X010103"


def test_the_author_region_is_a_fallback_and_a_tie_breaker(regions):
    found = locate("小区门口路灯坏了", author_region_id=Region.objects.get(code="X010105").pk)
    assert found is not None and found.from_author
    assert code_of(found) == "X010105"
    assert found.confidence == 0.3 and found.evidence == ()
    assert locate("小区门口路灯坏了") is None
    # the author region does not override what the text says
    assert where("A3区的路灯", author="X010201") == "X010103"


def test_it_sees_new_regions(regions):
    assert locate("Q9区有个问题") is None
    parent = Region.objects.get(code="X0101")
    Region.objects.create(code="X010199", name="Q9区", level=RegionLevel.COUNTY, parent=parent, is_custom=True)
    assert where("Q9区有个问题") == "X010199"


def test_it_never_raises(regions):
    for text in ["", "A", "市", "😀😀😀", "hello world", "A3区" * 10000, "\x00\n\t", "区县市省" * 100]:
        locate(text)
        locate(text, author_region_id=-1)


def test_it_works_on_an_empty_table():
    assert locate("A3区") is None
    assert find_mentions("A3区") == []


def test_short_county_names_alone_need_confirmation(regions):
    assert locate("为了下一代的繁荣昌盛") is None  # 荣昌区 of 重庆
    assert locate("教育资源匮乏，平原地区") is None  # 资源县, 平原县
    assert locate("孙中山先生的故居") is None  # 中山市
    assert where("海淀的学校") is None
    assert where("海淀的学校", author="110000") == "110108"
    assert where("北京海淀的学校") == "110108"


def test_a_township_named_like_a_county_is_not_the_county(regions):
    assert [m.text for m in find_mentions("泰山街道的居民")] == []


def test_it_stays_fast_when_a_text_names_every_region(regions):
    import time

    text = "，".join(Region.objects.values_list("name", flat=True))[:50_000]
    started = time.perf_counter()
    locate(text)
    assert time.perf_counter() - started < 1.0

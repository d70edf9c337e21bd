"""Fixtures for the orgs tests: a small region tree, a small taxonomy and a few units."""

from dataclasses import dataclass

import pytest

from liuyan.geo.models import Region, RegionLevel
from liuyan.orgs.models import Unit
from liuyan.taxonomy.models import Category


@dataclass
class World:
    china: Region
    province: Region
    city: Region
    district: Region
    other_district: Region
    domain: Category
    sub: Category
    leaf: Category
    other_leaf: Category
    province_unit: Unit
    city_unit: Unit
    district_unit: Unit
    other_unit: Unit


def _region(code: str, name: str, level: int, parent: Region | None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent, is_custom=code.startswith("X"))


def _category(name: str, parent: Category | None) -> Category:
    path = f"{parent.path} / {name}" if parent else name
    return Category.objects.create(name=name, parent=parent, level=path.count(" / ") + 1, path=path)


@pytest.fixture
def world(db: None) -> World:
    china = _region("000000", "中国", RegionLevel.COUNTRY, None)
    province = _region("X01", "西地省", RegionLevel.PROVINCE, china)
    city = _region("X0101", "A市", RegionLevel.CITY, province)
    district = _region("X010103", "A3区", RegionLevel.COUNTY, city)
    other_district = _region("X010104", "A4区", RegionLevel.COUNTY, city)
    domain = _category("住房和城乡建设", None)
    sub = _category("市政公用事业", domain)
    leaf = _category("供水", sub)
    other_leaf = _category("供暖", sub)
    province_unit = Unit.objects.create(name="西地省住建厅", code="XD-ZJT", region=province)
    city_unit = Unit.objects.create(name="A市住建局", code="A-ZJJ", region=city, parent=province_unit)
    district_unit = Unit.objects.create(name="A3区住建局", code="A3-ZJJ", region=district, parent=city_unit)
    other_unit = Unit.objects.create(name="A市供水公司", code="A-GS", region=city)
    return World(
        china,
        province,
        city,
        district,
        other_district,
        domain,
        sub,
        leaf,
        other_leaf,
        province_unit,
        city_unit,
        district_unit,
        other_unit,
    )

"""Fixtures for the import/export tests: fixture paths, extra 西地省 regions and a clean region-name cache."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from liuyan.geo.models import Region, RegionLevel
from liuyan.geo.region_lookup import clear_region_cache
from tests.world import World

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def clean_region_cache() -> Iterator[None]:
    # Each test runs in a rolled-back transaction: the in-process region index must not outlive it.
    clear_region_cache()
    yield
    clear_region_cache()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def places(world: World) -> dict[str, Region]:
    """The world's regions plus A3区 (in A市) and B2区 (in B市), with 西地 as an alias of the province."""
    world.province.aliases = ["西地"]
    world.province.save()
    a3 = Region.objects.create(
        code="X010103", name="A3区", level=RegionLevel.COUNTY, parent=world.city_a, is_custom=True
    )
    b2 = Region.objects.create(
        code="X010202", name="B2区", level=RegionLevel.COUNTY, parent=world.city_b, is_custom=True
    )
    return {
        "西地省": world.province,
        "A市": world.city_a,
        "B市": world.city_b,
        "A1区": world.county_a1,
        "A3区": a3,
        "B2区": b2,
    }

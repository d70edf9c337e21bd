"""Fixtures for the geo tests: a clean region-name cache around each test (rolled-back rows must not linger)."""

from collections.abc import Iterator

import pytest

from liuyan.geo.region_lookup import clear_region_cache


@pytest.fixture(autouse=True)
def clean_region_cache() -> Iterator[None]:
    clear_region_cache()
    yield
    clear_region_cache()

"""Fixtures for the deadlines tests: a seeded 2024–2026 calendar and clean in-process caches around each test."""

from collections.abc import Iterator

import pytest

from liuyan.deadlines import clock
from liuyan.deadlines.caching import SharedVersionCache
from liuyan.deadlines.calendar_data import seed_calendar_from_package


def _forget_caches() -> None:
    # Each test runs in a transaction that is rolled back: drop what this process cached from it.
    SharedVersionCache.forget_all_local()
    clock._warned_years.clear()


@pytest.fixture(autouse=True)
def clean_caches() -> Iterator[None]:
    _forget_caches()
    yield
    _forget_caches()


@pytest.fixture
def calendar(db: None) -> None:
    """The official calendar of 2024–2026 as the chinese_calendar package has it."""
    seed_calendar_from_package(range(2024, 2027))

"""Shared pytest fixtures: the test province (`world`), clean caches and media, and test-speed settings."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from liuyan.deadlines.caching import SharedVersionCache
from tests.world import World, build_world


def pytest_configure(config: Any) -> None:
    # Real password hashing costs ~0.3 s per user; tests create dozens. Production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render without a collectstatic manifest (production serves the hashed, compressed files).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _isolated_state(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test starts with empty caches (rolled-back transactions send no invalidation signals) and its own
    upload folder."""
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    cache.clear()
    SharedVersionCache.forget_all_local()
    yield
    cache.clear()
    SharedVersionCache.forget_all_local()


@pytest.fixture
def world(db: None) -> World:
    return build_world()

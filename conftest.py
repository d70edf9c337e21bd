"""Shared pytest fixtures: the test province (`world`), clean caches and media, and test-speed settings."""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from liuyan.classify import store
from liuyan.deadlines.caching import SharedVersionCache
from liuyan.rollups import dimensions
from tests.world import World, build_world


def pytest_configure(config: Any) -> None:
    # Trained models live under VAR_DIR/models: a developer's active models must not decide tests' intake, not
    # even in fixtures wider than one test (each test gets its own VAR_DIR below as well).
    settings.VAR_DIR = Path(tempfile.mkdtemp(prefix="liuyan-test-var-"))
    # Real password hashing costs ~0.3 s per user; tests create dozens. Production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render without a collectstatic manifest (production serves the hashed, compressed files).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _isolated_state(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test starts with empty caches (rolled-back transactions send no invalidation signals), its own
    upload folder and no trained models."""
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    # Trained models live under VAR_DIR/models: a developer's active models must not decide tests' intake.
    settings.VAR_DIR = tmp_path / "var"
    cache.clear()
    SharedVersionCache.forget_all_local()
    store.forget_cache()
    dimensions.forget_cache()
    yield
    cache.clear()
    SharedVersionCache.forget_all_local()
    store.forget_cache()
    dimensions.forget_cache()


@pytest.fixture
def world(db: None) -> World:
    return build_world()

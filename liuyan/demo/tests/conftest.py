"""One small demo build (120 messages, fixed seed and "now") shared by the module's tests, rolled back afterwards."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from liuyan.deadlines import clock
from liuyan.deadlines.caching import SharedVersionCache
from liuyan.demo.build import BuildResult, build_demo
from liuyan.geo.region_lookup import clear_region_cache

AS_OF = dt.datetime(2026, 6, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
SEED = 7
MESSAGES = 120


def _forget_caches() -> None:
    SharedVersionCache.forget_all_local()
    clock._warned_years.clear()
    clear_region_cache()


def small_build(tmp: Path, **overrides: object) -> BuildResult:
    options: dict[str, object] = {
        "messages": MESSAGES,
        "seed": SEED,
        "as_of": AS_OF,
        "progress": False,
        "logins_path": tmp / "demo-logins.txt",
        "models_per_topic": 8,  # the intake models: enough to test, quick to train
    }
    options.update(overrides)
    return build_demo(**options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuildResult]:
    tmp = tmp_path_factory.mktemp("demo")
    _forget_caches()
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        yield small_build(tmp)
        transaction.set_rollback(True)
    _forget_caches()

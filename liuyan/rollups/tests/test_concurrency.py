"""Two transactions adding to the same rollup row, or folding the log, at once on PostgreSQL: no count is lost."""

import pytest
from django.db import connection  # noqa: F401 (read by the skipif condition)
from django.db.models import Sum

from liuyan.messages import actions as a
from liuyan.messages.models import Message
from liuyan.messages.states import State
from liuyan.rollups import metrics, upkeep
from liuyan.rollups.models import Grain, PendingDelta, Rollup, Summary
from liuyan.rollups.rebuild import check
from tests.test_concurrency import race
from tests.world import World, build_world, message_in_state

needs_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrency needs PostgreSQL")


@pytest.fixture
def shared_world(transactional_db: None) -> World:
    return build_world()


@pytest.mark.postgres
@needs_postgres
def test_it_loses_no_count_when_two_transactions_update_the_same_key(shared_world: World) -> None:
    w = shared_world
    ms = [message_in_state(w, State.DISPATCHED) for _ in range(4)]
    key_rows = Rollup.objects.filter(dispatched__gt=0)
    assert key_rows.count() == 1  # the same day, region, board, unit, category and type
    copies = [Message.objects.get(pk=m.pk) for m in ms]
    results = race(*[lambda m=m: a.do_sign(w.actor("handler"), m) for m in copies])
    assert results == ["ok"] * 4
    assert key_rows.get().signed_on_time == 4
    assert check() == []

    moves = race(
        *[lambda m=m: a.do_transfer(w.actor("dispatcher"), m, unit=w.b_housing, reason="属地") for m in copies]
    )
    assert moves == ["ok"] * 4
    t = metrics.total(r.counts() for r in Rollup.objects.filter(unit_id=w.b_housing.pk))
    assert (t["dispatched"], t["transfers"]) == (4, 4)
    assert check() == []


@pytest.mark.postgres
@needs_postgres
def test_it_folds_each_delta_once_while_actions_append_and_another_fold_runs(shared_world: World) -> None:
    w = shared_world
    ms = [message_in_state(w, State.DISPATCHED) for _ in range(4)]
    copies = [Message.objects.get(pk=m.pk) for m in ms]
    outcomes = race(
        upkeep.fold,
        upkeep.fold,
        *[lambda m=m: a.do_sign(w.actor("handler"), m) for m in copies],
        upkeep.fold,
    )
    assert outcomes.count("ok") == 7
    upkeep.fold()
    assert not PendingDelta.objects.exists()
    signed = Summary.objects.filter(grain=Grain.PROVINCE_TYPE).aggregate(n=Sum("signed_on_time"))["n"]
    assert signed == 4
    assert check() == []

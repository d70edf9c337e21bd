"""Two people acting on the same message at once: exactly one wins, the other gets a clear conflict error."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from liuyan.common.errors import Conflict
from liuyan.messages import actions as a
from liuyan.messages.models import Event, HandlingRequest, Message, Reply
from liuyan.messages.sla import tick
from liuyan.messages.states import State
from tests.world import World, build_world, message_in_state


def _fresh(pk: int) -> Message:
    return Message.objects.select_related("board", "unit", "author", "category").get(pk=pk)


def test_it_refuses_an_action_on_a_stale_copy_and_writes_nothing(world: World) -> None:
    m = message_in_state(world, State.DISPATCHED)
    first, second = _fresh(m.pk), _fresh(m.pk)
    a.do_sign(world.actor("handler"), first)
    with pytest.raises(Conflict) as caught:
        a.do_request_return(world.actor("unit_head"), second, reason="职能不符", basis="function")
    assert caught.value.status == 409
    assert "刷新" in caught.value.zh and "reload" in caught.value.en
    assert HandlingRequest.objects.filter(message=m).count() == 0  # the request row was rolled back with it
    assert _fresh(m.pk).state == State.IN_PROGRESS


def race(*moves: Callable[[], Any]) -> list[str]:
    """Run the moves at the same instant in separate threads (separate database connections)."""
    barrier = threading.Barrier(len(moves))
    results: list[str] = []
    lock = threading.Lock()

    def run(move: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            move()
            outcome = "ok"
        except Conflict:
            outcome = "conflict"
        except Exception as exc:
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(move,)) for move in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(results)


needs_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrency needs PostgreSQL")


@pytest.fixture
def shared_world(transactional_db: None) -> World:
    return build_world()


@needs_postgres
def test_it_lets_exactly_one_of_two_simultaneous_signers_win(shared_world: World) -> None:
    w = shared_world
    m = message_in_state(w, State.DISPATCHED)
    copies = [_fresh(m.pk), _fresh(m.pk)]
    results = race(lambda: a.do_sign(w.actor("handler"), copies[0]), lambda: a.do_sign(w.actor("unit_head"), copies[1]))
    assert results == ["conflict", "ok"]
    assert Event.objects.filter(message=m, action="sign").count() == 1
    assert _fresh(m.pk).state == State.IN_PROGRESS


@needs_postgres
def test_it_lets_one_of_a_reply_and_a_transfer_win_with_nothing_half_written(shared_world: World) -> None:
    w = shared_world
    m = message_in_state(w, State.IN_PROGRESS)
    copies = [_fresh(m.pk), _fresh(m.pk)]
    results = race(
        lambda: a.do_submit_reply(w.actor("handler"), copies[0], body="答复"),
        lambda: a.do_transfer(w.actor("dispatcher"), copies[1], unit=w.b_housing, reason="属地调整"),
    )
    assert results == ["conflict", "ok"]
    final = _fresh(m.pk)
    replies = Reply.objects.filter(message=m).count()
    if final.state == State.REPLY_REVIEW:
        assert replies == 1 and final.unit_id == w.a_housing.pk
    else:
        assert final.state == State.DISPATCHED and final.unit_id == w.b_housing.pk and replies == 0


@needs_postgres
def test_it_applies_each_deadline_rung_once_when_ticks_run_on_several_machines(shared_world: World) -> None:
    from liuyan.common.clock import frozen_at

    w = shared_world
    messages = [message_in_state(w, State.IN_PROGRESS) for _ in range(5)]
    late = max(m.due_at for m in messages if m.due_at) + (messages[0].due_at - messages[0].submitted_at) * 3  # type: ignore[operator]

    def run_tick() -> None:
        with frozen_at(late):
            tick()

    results = race(run_tick, run_tick, run_tick)
    assert results == ["ok", "ok", "ok"]
    for m in messages:
        assert Event.objects.filter(message=m, action="urge").count() == 1
        assert Event.objects.filter(message=m, action="supervise").count() == 1
        assert Event.objects.filter(message=m, action="sla_light").count() == 1  # straight to red, once

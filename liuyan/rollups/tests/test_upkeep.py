"""Every lifecycle path keeps the rollup table equal to a recomputation from the messages."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liuyan.common.errors import Conflict
from liuyan.messages import actions as a
from liuyan.messages.access import Actor
from liuyan.messages.models import Message, MessageType, Satisfaction
from liuyan.messages.states import State
from liuyan.rollups import metrics
from liuyan.rollups import rebuild as rebuild_module
from liuyan.rollups.models import Grain, PendingDelta, Rollup, Summary, yearly
from liuyan.rollups.rebuild import check, compute, rebuild, stored, stored_summaries
from liuyan.rollups.upkeep import fold
from tests.world import World, message_in_state, submit


def assert_agrees() -> None:
    diffs = check()
    assert diffs == [], "\n".join(map(str, diffs[:20]))


def totals() -> dict[str, int]:
    return metrics.total(stored().values())


@pytest.mark.parametrize("state", [s.value for s in State])
def test_it_keeps_the_table_equal_to_a_rebuild_in_every_state(world: World, state: str) -> None:
    message_in_state(world, state)
    assert_agrees()
    assert totals()["messages"] >= 1


def test_it_counts_the_main_path_of_one_message(world: World) -> None:
    m = message_in_state(world, State.CLOSED)
    t = totals()
    assert t["messages"] == t["valid"] == t["replied"] == t["closed"] == t["dispatched"] == 1
    assert t["rated"] == t["satisfied"] == t["resolution_answered"] == t["resolved"] == 1
    row = Rollup.objects.get(valid=1)
    assert row.day == timezone.localtime(m.submitted_at).date()
    assert (row.unit_id, row.board_id, row.category_id, row.region_id) == (
        world.a_housing.pk,
        world.a_board.pk,
        world.housing.pk,
        world.county_a1.pk,
    )
    # The moves before dispatch left an emptied row under "no unit": not a difference, and not a rebuilt row.
    rebuild()
    assert Rollup.objects.count() == 1


def test_it_counts_rejected_and_merged_messages_as_messages_but_not_valid(world: World) -> None:
    message_in_state(world, State.REJECTED)
    message_in_state(world, State.MERGED)  # and its accepted primary
    assert_agrees()
    t = totals()
    assert (t["messages"], t["valid"]) == (3, 1)


def test_it_moves_counts_on_reclassify(world: World) -> None:
    m = message_in_state(world, State.ACCEPTED)
    a.do_reclassify(
        world.actor("reviewer"),
        m,
        type=MessageType.SUGGESTION,
        category=world.noise,
        region=world.city_b,
        board=world.b_board,
        reason="分类有误",
    )
    assert_agrees()
    row = Rollup.objects.get(valid=1)
    assert (row.category_id, row.region_id, row.board_id, row.type) == (
        world.noise.pk,
        world.city_b.pk,
        world.b_board.pk,
        MessageType.SUGGESTION,
    )
    assert totals()["suggestions"] == 1


def test_it_moves_counts_on_transfer_and_return(world: World) -> None:
    m = message_in_state(world, State.IN_PROGRESS)
    a.do_transfer(world.actor("dispatcher"), m, unit=world.b_housing, reason="属地调整")
    assert_agrees()
    assert Rollup.objects.get(valid=1).unit_id == world.b_housing.pk
    assert totals()["transfers"] == 1

    r = message_in_state(world, State.RETURN_REQUESTED)
    a.do_approve_return(world.actor("dispatcher"), r, note="同意")
    assert_agrees()
    t = totals()
    assert t["returns"] == 1 and t["dispatched"] == 1  # the returned one is no longer dispatched


def _reads_of_the_row(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith("SELECT") and "reject_reason" in q["sql"])


def test_it_takes_the_row_as_loaded_instead_of_reading_it_again(world: World) -> None:
    loaded = Message.objects.get(pk=message_in_state(world, State.ACCEPTED).pk)
    with CaptureQueriesContext(connection) as queries:
        a.do_reclassify(world.actor("reviewer"), loaded, category=world.noise, reason="分类有误")
        a.do_reclassify(world.actor("reviewer"), loaded, region=world.city_b, reason="属地有误")  # the same copy
    assert _reads_of_the_row(queries) == 0
    assert_agrees()
    assert Rollup.objects.get(valid=1).category_id == world.noise.pk


def test_it_counts_from_the_row_not_from_changes_made_to_the_copy_before_the_action(world: World) -> None:
    loaded = Message.objects.get(pk=message_in_state(world, State.ACCEPTED).pk)
    loaded.category = world.noise  # not saved: the row still has the old category
    loaded.type = MessageType.SUGGESTION
    a.do_reclassify(world.actor("reviewer"), loaded, region=world.city_b, reason="属地有误")
    assert_agrees()


def test_it_refuses_a_copy_whose_row_moved_and_counts_nothing_for_it(world: World) -> None:
    pk = message_in_state(world, State.ACCEPTED).pk
    first, second = Message.objects.get(pk=pk), Message.objects.get(pk=pk)
    a.do_reclassify(world.actor("reviewer"), first, category=world.noise, reason="分类有误")
    before = stored()
    with pytest.raises(Conflict):
        a.do_reclassify(world.actor("reviewer"), second, region=world.city_b, reason="属地有误")
    assert stored() == before
    assert_agrees()


def test_it_reads_the_row_when_the_copy_does_not_hold_every_field(world: World) -> None:
    partial = Message.objects.only("id", "state", "version", "board_id").get(
        pk=message_in_state(world, State.ACCEPTED).pk
    )
    with CaptureQueriesContext(connection) as queries:
        a.do_reclassify(world.actor("reviewer"), partial, category=world.noise, reason="分类有误")
    assert _reads_of_the_row(queries) == 1
    assert_agrees()


def test_it_keeps_ratings_reopening_and_follow_ups(world: World) -> None:
    m = message_in_state(world, State.RATED)  # 不满意
    t = totals()
    assert (t["rated"], t["unsatisfied"], t["resolution_answered"], t["resolved"]) == (1, 1, 1, 0)
    a.do_reopen(world.actor("supervisor"), m, reason="确未解决")
    assert_agrees()
    t = totals()
    assert (t["rated"], t["replied"], t["reopened"]) == (0, 0, 1)
    a.do_submit_reply(world.actor("handler"), m, body="已再次督促物业，电梯已修复。")
    a.do_approve_reply(world.actor("unit_head"), m)
    a.do_rate(world.actor("citizen"), m, satisfaction=Satisfaction.BASIC)
    assert_agrees()
    t = totals()
    assert (t["rated"], t["basically_satisfied"], t["unsatisfied"], t["closed"]) == (1, 1, 0, 1)
    assert metrics.satisfaction_rate(t) == 1.0 and metrics.satisfaction_rate(t, strict=True) == 0.0

    f = message_in_state(world, State.RATED)
    a.do_follow_up(world.actor("citizen"), f, question="何时修好？")
    assert_agrees()
    a.do_submit_reply(world.actor("handler"), f, body="本周五前修好。")
    a.do_approve_reply(world.actor("unit_head"), f)
    a.do_rate(world.actor("citizen"), f, satisfaction=Satisfaction.SATISFIED, resolved=True)
    assert_agrees()


def test_it_counts_direct_answers_and_imports(world: World) -> None:
    m = message_in_state(world, State.ANSWERED_DIRECTLY)
    a.do_rate(world.actor("citizen"), m, satisfaction=Satisfaction.SATISFIED)
    assert_agrees()
    a.do_import_message(
        Actor.system(),
        a.ImportedMessage(
            external_id="old-1",
            board=world.a_board,
            type=MessageType.SUGGESTION,
            title="建议增设公交线路",
            body="建议在新区增设一条公交线路，方便居民出行。",
            submitted_at=timezone.now() - dt.timedelta(days=400),
            reply_body="已纳入明年线网规划。",
            closed=True,
        ),
    )
    assert_agrees()
    t = totals()
    assert (t["answered_directly"], t["suggestions_replied"], t["closed"]) == (1, 1, 2)


def test_it_rebuilds_idempotently_and_check_finds_a_tampered_row(world: World) -> None:
    for state in (State.CLOSED, State.RATED, State.IN_PROGRESS, State.REJECTED):
        message_in_state(world, state)
    before = stored()
    assert rebuild() == rebuild() == len(compute())
    assert stored() == before

    Rollup.objects.filter(valid__gt=0).update(replied=F("replied") + 1)
    diffs = check()
    assert diffs and all(d.counter == "replied" and d.stored == d.computed + 1 for d in diffs)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rollup", "check", "--no-progress", stdout=out)
    assert "replied stored" in out.getvalue()

    call_command("rollup", "rebuild", "--no-progress", stdout=out)
    assert check() == []
    out = io.StringIO()
    call_command("rollup", "check", "--no-progress", stdout=out)
    assert "agree" in out.getvalue()


def test_it_rebuilds_from_messages_written_behind_the_actions_back(world: World) -> None:
    submit(world)
    Rollup.objects.all().delete()  # as after a bulk fixture build
    Summary.objects.all().delete()
    assert check() != []
    rebuild()
    assert check() == []
    assert Rollup.objects.aggregate(n=Sum("messages"))["n"] == Message.objects.count()
    for grain in [*Grain, *map(yearly, Grain)]:
        assert Summary.objects.filter(grain=grain).aggregate(n=Sum("messages"))["n"] == Message.objects.count()


def test_it_keeps_each_summary_grain_with_the_province_and_domain_of_the_message(world: World) -> None:
    message = message_in_state(world, State.CLOSED)
    assert not Summary.objects.exists() and PendingDelta.objects.exists()  # the actions only append to the log
    assert fold() > 0
    assert not PendingDelta.objects.exists()
    province = next((r for r in message.region.ancestors() if r.level == 1), None) if message.region else None
    domain = message.category.root() if message.category else None
    rows = {row.grain: row for row in Summary.objects.all()}
    assert set(rows) == {*Grain, *map(yearly, Grain)}
    assert rows[Grain.TYPE].type == message.type and rows[Grain.TYPE].province_id == 0
    assert rows[Grain.PROVINCE_DOMAIN].province_id == (province.pk if province else 0)
    assert rows[Grain.PROVINCE_DOMAIN].domain_id == (domain.pk if domain else 0)
    assert rows[Grain.BOARD_TYPE].board_id == message.board_id and rows[Grain.BOARD_TYPE].type == message.type
    assert rows[Grain.BOARD_TYPE].province_id == 0 and rows[Grain.BOARD_TYPE].domain_id == 0
    assert rows[Grain.UNIT_PROVINCE].unit_id == message.unit_id and rows[Grain.BOARD_TYPE].unit_id == 0
    assert all(row.messages == 1 and row.valid == 1 and row.closed == 1 for row in rows.values())
    month = timezone.localtime(message.submitted_at).date().replace(day=1)
    assert rows[Grain.PROVINCE_TYPE].month == month
    assert rows[yearly(Grain.PROVINCE_TYPE)].month == month.replace(month=1)
    year, month_row = rows[yearly(Grain.CITY_DOMAIN)], rows[Grain.CITY_DOMAIN]
    assert (year.province_id, year.city_id, year.domain_id) == (
        month_row.province_id,
        month_row.city_id,
        month_row.domain_id,
    )
    assert year.counts() == month_row.counts()


def test_it_sums_the_hours_to_the_reply(world: World) -> None:
    message = message_in_state(world, State.REPLIED)
    message.refresh_from_db()
    assert message.replied_at is not None
    hours = int((message.replied_at - message.submitted_at).total_seconds() // 3600)
    assert totals()["reply_hours"] == hours
    assert_agrees()


def test_it_reads_the_same_summaries_before_and_after_a_fold(world: World) -> None:
    for state in (State.CLOSED, State.RATED, State.IN_PROGRESS):
        message_in_state(world, state)
    before = stored_summaries()
    assert fold() > 0
    assert stored_summaries() == before
    assert fold() == 0  # nothing left: folding again changes nothing
    assert stored_summaries() == before
    message_in_state(world, State.REPLIED)  # more log on top of folded rows
    assert_agrees()
    call_command("rollup", "fold", stdout=io.StringIO())
    assert_agrees()


@pytest.mark.django_db(transaction=True)
def test_it_rebuilds_the_same_rows_with_months_summed_in_worker_processes(world: World) -> None:
    for state in (State.CLOSED, State.RATED, State.IN_PROGRESS, State.REJECTED, State.DISPATCHED):
        message_in_state(world, state)
    for months_back, m in enumerate(Message.objects.order_by("pk")):
        # Behind the actions' back, as a bulk load would: five months, so that the pool has several to share.
        Message.objects.filter(pk=m.pk).update(submitted_at=F("submitted_at") - dt.timedelta(days=31 * months_back))
    rebuild(workers=0)
    alone = (stored(), stored_summaries())
    Rollup.objects.all().delete()
    assert rebuild(workers=2) == len(alone[0])
    assert (stored(), stored_summaries()) == alone
    assert len({key[0].replace(day=1) for key in alone[0]}) == 5
    assert_agrees()


def _index_names(model: type[Rollup] | type[Summary]) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, c in constraints.items() if c["index"] and not c["unique"] and not c["primary_key"]}


def test_it_keeps_the_tables_indexes_through_a_rebuild_and_a_failed_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for state in (State.CLOSED, State.RATED):
        message_in_state(world, state)
    expected = {model: {str(index.name) for index in model._meta.indexes} for model in (Rollup, Summary)}
    rebuild(workers=0)
    assert {model: _index_names(model) for model in (Rollup, Summary)} == expected
    before = (stored(), stored_summaries())

    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(rebuild_module, "_insert", fail)
    with pytest.raises(RuntimeError):
        rebuild(workers=0)
    assert {model: _index_names(model) for model in (Rollup, Summary)} == expected
    assert (stored(), stored_summaries()) == before  # nothing half-written
    assert_agrees()

"""Deadlines as the lifecycle sets them: dispatch across National Day, pauses, extensions, reopening, and the
`liuyan sla tick` ladder (yellow → red → 催办 → 通报), auto-close and auto-archive."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from liuyan.common.clock import frozen_at
from liuyan.common.errors import InvalidInput
from liuyan.messages import actions as a
from liuyan.messages.models import Event, Message, MessageType, Satisfaction, SupervisionLevel
from liuyan.messages.sla import tick
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from tests.world import World, submit

CST = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST)


def dispatched(world: World, when: dt.datetime, **kw: object) -> Message:
    with frozen_at(when):
        m = submit(world, **kw).message  # type: ignore[arg-type]
        a.do_accept(world.actor("reviewer"), m)
        a.do_dispatch(world.actor("dispatcher"), m, unit=world.a_housing)
    return m


def test_it_counts_fifteen_working_days_across_national_day_and_its_make_up_days(world: World) -> None:
    # Mon 2025-09-22 10:00 + 15 working days: 09-28 (Sunday) and 10-11 (Saturday) are 调休 working days,
    # 10-01..10-08 are holidays. 14 h left on the 22nd, then 14 full working days, then 10 h of the 17th.
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    assert m.due_at == at(2025, 10, 17, 10, 0)
    assert m.sign_due_at == at(2025, 9, 23, 10, 0)


def test_it_gives_an_inquiry_three_working_days_across_spring_festival(world: World) -> None:
    # Fri 2025-01-24 10:00: 01-26 (Sunday) is a make-up working day, 01-28..02-04 the holiday.
    m = dispatched(world, at(2025, 1, 24, 10, 0), type=MessageType.INQUIRY)
    assert m.due_at == at(2025, 2, 5, 10, 0)


def test_it_gives_an_urgent_message_two_hours_even_on_a_holiday(world: World) -> None:
    m = dispatched(world, at(2025, 10, 2, 9, 0), is_urgent=True)
    assert m.due_at == at(2025, 10, 2, 11, 0)
    assert m.sign_due_at == at(2025, 10, 2, 11, 0)


def test_it_records_whether_signing_and_first_contact_were_on_time(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    with frozen_at(at(2025, 9, 23, 11, 0)):  # one hour after the sign deadline
        a.do_sign(world.actor("handler"), m)
    assert m.signed_on_time is False
    assert m.contact_due_at == at(2025, 9, 24, 11, 0)
    with frozen_at(at(2025, 9, 24, 9, 0)):
        a.do_record_contact(world.actor("handler"), m, summary="电话联系了留言人")
    assert m.contacted_on_time is True


def test_it_pauses_the_clock_while_waiting_for_the_citizen(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    with frozen_at(at(2025, 9, 22, 11, 0)):
        a.do_sign(world.actor("handler"), m)
    with frozen_at(at(2025, 9, 24, 10, 0)):
        a.do_wait_for_citizen(world.actor("handler"), m, question="请提供房号")
    # Three working days pass (25, 26, 28 is a make-up Sunday) before the citizen answers on Mon 09-29 10:00.
    with frozen_at(at(2025, 9, 29, 10, 0)):
        a.do_resume(world.actor("citizen"), m, supplement="3栋2单元501")
    # Paused 09-24 10:00 → 09-29 10:00 = 4 working days (24 half, 25, 26, 28, 29 half): the due date moves by 4.
    assert m.due_at == at(2025, 10, 23, 10, 0)
    assert m.paused_at is None


def test_an_approved_extension_moves_the_deadline_and_tells_the_citizen(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    with frozen_at(at(2025, 9, 22, 11, 0)):
        a.do_sign(world.actor("handler"), m)
        a.do_request_extension(world.actor("handler"), m, due_at=at(2025, 10, 31, 18, 0), reason="需要现场勘查")
        a.do_decide_extension(world.actor("dispatcher"), m, approve=True)
    assert m.due_at == at(2025, 10, 31, 18, 0) and m.extension_count == 1
    assert Notification.objects.filter(message=m, kind="extended", recipient=world.users["citizen"]).exists()
    with frozen_at(at(2025, 9, 23, 11, 0)), pytest.raises(InvalidInput) as caught:
        a.do_request_extension(world.actor("handler"), m, due_at=at(2025, 11, 30, 18, 0), reason="再延期")
    assert caught.value.code == "extension_used"


def test_the_ladder_turns_yellow_then_red_then_urges_then_reports(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))  # due 2025-10-17 10:00
    assert tick(at(2025, 10, 15, 12, 0)).as_dict()["yellow"] == 0
    assert tick(at(2025, 10, 16, 12, 0)).yellow == 1
    assert tick(at(2025, 10, 16, 12, 0)).yellow == 0  # idempotent
    m.refresh_from_db()
    assert (m.warning, m.is_overdue) == ("yellow", False)
    assert tick(at(2025, 10, 17, 11, 0)).red == 1
    m.refresh_from_db()
    assert (m.warning, m.is_overdue, m.urge_count) == ("red", True, 0)
    assert tick(at(2025, 10, 20, 9, 0)).urged == 0  # 催办 comes one working day after the deadline …
    assert tick(at(2025, 10, 20, 10, 0)).urged == 1  # … which is Monday 10:00
    assert tick(at(2025, 10, 24, 9, 0)).reported == 0
    assert tick(at(2025, 10, 24, 10, 0)).reported == 1  # 通报 five working days after it
    m.refresh_from_db()
    assert (m.urge_count, m.supervision_level, m.sla_stage) == (1, SupervisionLevel.KEY, 4)
    assert set(tick(at(2025, 11, 30, 10, 0)).as_dict().values()) == {0}  # top of the ladder: nothing more to do
    actions = list(Event.objects.filter(message=m).values_list("action", flat=True))
    assert actions[-4:] == ["sla_light", "sla_light", "urge", "supervise"]
    assert Notification.objects.filter(message=m, kind="overdue", unit=world.a_housing).count() == 1


def test_a_late_first_tick_climbs_every_rung_once(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    report = tick(at(2025, 12, 1, 10, 0))
    assert (report.yellow, report.red, report.urged, report.reported) == (0, 1, 1, 1)
    m.refresh_from_db()
    assert m.sla_stage == 4


def test_a_paused_message_is_not_chased(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    with frozen_at(at(2025, 9, 22, 11, 0)):
        a.do_sign(world.actor("handler"), m)
        a.do_wait_for_citizen(world.actor("handler"), m, question="请补充材料")
    assert tick(at(2025, 12, 1, 10, 0)).red == 0


def test_the_tick_closes_unrated_replies_and_archives_old_closed_messages(world: World, settings: object) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    with frozen_at(at(2025, 9, 23, 10, 0)):
        a.do_sign(world.actor("handler"), m)
        a.do_submit_reply(world.actor("handler"), m, body="已处理完毕。")
        a.do_approve_reply(world.actor("unit_head"), m)
    assert tick(at(2025, 10, 1, 10, 0)).closed == 0
    assert tick(at(2025, 10, 9, 10, 0)).closed == 1  # 15 days after the reply
    m.refresh_from_db()
    assert m.state == State.CLOSED
    assert tick(at(2026, 1, 8, 10, 0)).archived == 1  # 90 days after closing
    m.refresh_from_db()
    assert m.state == State.ARCHIVED


def test_reopening_three_times_escalates_to_a_problem_case(world: World) -> None:
    m = dispatched(world, at(2025, 9, 22, 10, 0))
    day = at(2025, 9, 23, 10, 0)
    with frozen_at(day):
        a.do_sign(world.actor("handler"), m)
    for round_ in range(1, 4):
        with frozen_at(day + dt.timedelta(days=round_)):
            a.do_submit_reply(world.actor("handler"), m, body=f"第{round_}次答复")
            a.do_approve_reply(world.actor("unit_head"), m)
            a.do_rate(world.actor("citizen"), m, satisfaction=Satisfaction.UNSATISFIED, reason="没有解决")
            a.do_reopen(world.actor("supervisor"), m, reason="核实确未解决")
        assert m.reopen_count == round_
        assert m.is_problem_case is (round_ >= 3)
    assert m.supervision_level == SupervisionLevel.ESCALATED
    assert Notification.objects.filter(message=m, kind="escalated").count() == 1


def test_the_sla_command_runs_the_ladder(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    dispatched(world, at(2025, 9, 22, 10, 0))
    call_command("sla", "tick", "--at", "2025-12-01T10:00:00+08:00", "--json")
    out = capsys.readouterr().out
    assert '"red": 1' in out and '"urged": 1' in out and '"reported": 1' in out

"""Every action × every state × every role, run through the real action functions.

For each (action, state) a message is driven to that state, then each role tries the action inside a savepoint
that is rolled back. The expected outcome comes from the transition table: refused by role, refused by scope
(a unit role on a message that has no unit yet), refused by state, or done — plus the few named guards the table
cannot express (review stage). A refusal must leave the message, its events and its notifications untouched.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from liuyan.common.errors import LiuyanError
from liuyan.messages import actions as a
from liuyan.messages.access import Actor
from liuyan.messages.models import Event, Message, MessageType, RequestKind, Satisfaction
from liuyan.messages.states import TRANSITIONS, State
from liuyan.notify.models import Notification
from tests.world import World, message_in_state, pending_request, submit

ROLES = ["citizen", "reviewer", "dispatcher", "handler", "unit_head", "supervisor", "analyst", "admin", "system"]
STATES = list(State)

Call = Callable[[World, Actor, Message], Any]


def _later(message: Message) -> dt.datetime:
    base = message.due_at or message.submitted_at
    return base + dt.timedelta(days=10)


CALLS: dict[str, Call] = {
    "intake": lambda w, actor, m: a.do_intake(actor, m),
    "accept": lambda w, actor, m: a.do_accept(actor, m),
    "reject": lambda w, actor, m: a.do_reject(actor, m, reason_code="out_of_scope", reason="不属于受理范围"),
    "answer_directly": lambda w, actor, m: a.do_answer_directly(actor, m, body="答复内容"),
    "merge_duplicate": lambda w, actor, m: a.do_merge_duplicate(actor, m, primary=w.primary),  # type: ignore[attr-defined]
    "reclassify": lambda w, actor, m: a.do_reclassify(actor, m, type=MessageType.SUGGESTION),
    "redact": lambda w, actor, m: a.do_redact(
        actor, m, public_title="标题", public_body="内容已屏蔽", reason="含个人信息"
    ),
    "dispatch": lambda w, actor, m: a.do_dispatch(actor, m, unit=w.a_housing),
    "sign": lambda w, actor, m: a.do_sign(actor, m),
    "request_return": lambda w, actor, m: a.do_request_return(actor, m, reason="职能不符", basis="function"),
    "request_transfer": lambda w, actor, m: a.do_request_transfer(actor, m, target_unit=w.b_housing, reason="属地不符"),
    "approve_return": lambda w, actor, m: a.do_approve_return(actor, m),
    "refuse_return": lambda w, actor, m: a.do_refuse_return(actor, m, reason="属于本单位职责"),
    "transfer": lambda w, actor, m: a.do_transfer(actor, m, unit=w.b_housing, reason="属地调整"),
    "request_cohandling": lambda w, actor, m: a.do_request_cohandling(actor, m, units=[w.a_env], reason="涉及环保"),
    "decide_cohandling": lambda w, actor, m: a.do_decide_cohandling(actor, m, approve=True),
    "request_extension": lambda w, actor, m: a.do_request_extension(actor, m, due_at=_later(m), reason="需现场勘查"),
    "decide_extension": lambda w, actor, m: a.do_decide_extension(actor, m, approve=True),
    "record_contact": lambda w, actor, m: a.do_record_contact(actor, m, summary="已电话联系"),
    "wait_for_citizen": lambda w, actor, m: a.do_wait_for_citizen(actor, m, question="请补充地址"),
    "resume": lambda w, actor, m: a.do_resume(actor, m, supplement="地址为3栋2单元"),
    "add_note": lambda w, actor, m: a.do_add_note(actor, m, body="内部备注"),
    "submit_reply": lambda w, actor, m: a.do_submit_reply(actor, m, body="答复内容"),
    "approve_reply": lambda w, actor, m: a.do_approve_reply(actor, m),
    "group_reply": lambda w, actor, m: a.do_group_reply(actor, m),
    "send_back_reply": lambda w, actor, m: a.do_send_back_reply(actor, m, reason="答复不完整"),
    "rate": lambda w, actor, m: a.do_rate(actor, m, satisfaction=Satisfaction.BASIC, resolved=True),
    "follow_up": lambda w, actor, m: a.do_follow_up(actor, m, question="还有一个问题"),
    "reopen": lambda w, actor, m: a.do_reopen(actor, m, reason="群众反映问题未解决"),
    "close": lambda w, actor, m: a.do_close(actor, m),
    "archive": lambda w, actor, m: a.do_archive(actor, m),
    "urge": lambda w, actor, m: a.do_urge(actor, m, note="请加快办理"),
    "supervise": lambda w, actor, m: a.do_supervise(actor, m, level="general"),
    "sla_light": lambda w, actor, m: a.do_set_sla_light(actor, m, warning="yellow", overdue=False, sla_stage=1),
    "flag_key": lambda w, actor, m: a.do_flag_key(actor, m, reason="涉及安全隐患"),
}

# Guards beyond the table: the unit-stage reply review is the unit head's, not the platform reviewer's.
GUARDS: dict[tuple[str, str, str], str] = {
    ("approve_reply", State.REPLY_REVIEW, "reviewer"): "wrong_stage",
    ("send_back_reply", State.REPLY_REVIEW, "reviewer"): "wrong_stage",
    # A merged message is answered when its primary's reply is published, which has not happened here.
    ("group_reply", State.MERGED, "system"): "no_reply",
}
REQUEST_FOR = {
    "decide_extension": RequestKind.EXTENSION,
    "decide_cohandling": RequestKind.COHANDLING,
}


def test_the_table_has_a_call_for_every_action() -> None:
    assert set(CALLS) == set(TRANSITIONS)


def expected_outcome(action: str, state: str, role: str, message: Message, world: World) -> str:
    t = TRANSITIONS[action]
    if role not in t.roles:
        return "role_forbidden"
    if role in ("handler", "unit_head") and message.unit_id != world.a_housing.pk:
        return "foreign_unit"
    if state not in t.sources:
        return "invalid_transition"
    return GUARDS.get((action, state, role), "ok")


def attempt(world: World, role: str, action: str, pk: int) -> tuple[str, Message | None]:
    class Rollback(Exception):
        pass

    outcome: tuple[str, Message | None] = ("", None)
    try:
        with transaction.atomic():
            message = Message.objects.select_related("board", "unit", "author", "category").get(pk=pk)
            CALLS[action](world, world.actor(role), message)
            after = Message.objects.get(pk=pk)
            outcome = ("ok", after)
            raise Rollback
    except Rollback:
        pass
    except LiuyanError as exc:
        outcome = (exc.code, None)
    return outcome


def _prepare(world: World, action: str, state: str) -> Message:
    message = message_in_state(world, state)
    world.primary = message_in_state(world, State.ACCEPTED, title="同类问题：电梯故障", author="other_citizen")  # type: ignore[attr-defined]
    if action in REQUEST_FOR and state in TRANSITIONS[action].sources:
        pending_request(world, message, REQUEST_FOR[action])
    return message


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_role_gets_the_outcome_the_table_promises(world: World, action: str, state: str) -> None:
    message = _prepare(world, action, state)
    events_before = Event.objects.filter(message=message).count()
    notes_before = Notification.objects.count()
    t = TRANSITIONS[action]
    for role in ROLES:
        expected = expected_outcome(action, state, role, message, world)
        got, after = attempt(world, role, action, message.pk)
        assert got == expected, f"{action} by {role} in {state}: expected {expected}, got {got}"
        if got == "ok":
            assert after is not None
            if t.changes_state:
                assert after.state in t.targets or (action == "rate" and after.state == State.CLOSED)
            else:
                assert after.state == state
            assert after.version > message.version
    # Every attempt was rolled back; refusals never wrote anything in the first place.
    message.refresh_from_db()
    assert message.state == state
    assert Event.objects.filter(message=message).count() == events_before
    assert Notification.objects.count() == notes_before


@pytest.mark.parametrize(
    "role", ["other_citizen", "foreign_handler", "foreign_head", "sub_handler", "env_handler", "region_b_reviewer"]
)
def test_it_refuses_actors_outside_the_message_scope(world: World, role: str) -> None:
    m = message_in_state(world, State.DISPATCHED)
    for action, state_needed in [("sign", State.DISPATCHED), ("add_note", State.DISPATCHED)]:
        t = TRANSITIONS[action]
        if world.users[role].role not in t.roles or m.state != state_needed:
            continue
        got, _ = attempt(world, role, action, m.pk)
        assert got in {"foreign_unit", "foreign_region"}, (role, action, got)
    got, _ = attempt(world, "other_citizen", "rate", message_in_state(world, State.REPLIED).pk)
    assert got == "not_author"


def test_a_parent_unit_head_may_act_for_a_sub_unit(world: World) -> None:
    m = submit(world).message
    a.do_accept(world.actor("reviewer"), m)
    a.do_dispatch(world.actor("dispatcher"), m, unit=world.a1_housing)
    got, after = attempt(world, "unit_head", "sign", m.pk)  # head of A市住建局, parent of A1区住建局
    assert got == "ok" and after is not None and after.state == State.IN_PROGRESS
    got, _ = attempt(world, "handler", "sign", m.pk)  # a plain handler of the parent unit may not
    assert got == "foreign_unit"


def test_a_co_handling_unit_may_add_notes_but_not_reply(world: World) -> None:
    m = submit(world).message
    a.do_accept(world.actor("reviewer"), m)
    a.do_dispatch(world.actor("dispatcher"), m, unit=world.a_housing, co_units=[world.a_env])
    a.do_sign(world.actor("handler"), m)
    assert attempt(world, "env_handler", "add_note", m.pk)[0] == "ok"
    assert attempt(world, "env_handler", "submit_reply", m.pk)[0] == "foreign_unit"

"""POST /messages/{number}/<action>: every lifecycle action through the API, and who is refused."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from liuyan.api.tests.conftest import err, snapshot
from liuyan.messages.models import Message, RequestKind
from liuyan.messages.states import State
from tests.world import World, message_in_state, pending_request, submit

Body = dict[str, Any] | Callable[[World, Message], dict[str, Any]]


@dataclass
class Case:
    path: str
    action: str
    user: str
    state: str
    body: Body = field(default_factory=dict)
    after: str | None = None  # expected state afterwards (None: unchanged)
    setup: Callable[[World, Message], object] | None = None
    check: Callable[[Message], bool] | None = None


def _merge_body(world: World, message: Message) -> dict[str, Any]:
    primary = message_in_state(world, State.ACCEPTED, title="同一小区电梯故障", author="other_citizen")
    return {"primary": primary.number, "reason": "同一问题"}


def _extension_body(world: World, message: Message) -> dict[str, Any]:
    assert message.due_at is not None
    return {"due_at": (message.due_at + dt.timedelta(days=10)).isoformat(), "reason": "需要协调多个部门"}


CASES = [
    Case("accept", "accept", "reviewer", State.UNDER_REVIEW, {"note": "属于受理范围"}, State.ACCEPTED),
    Case(
        "reject",
        "reject",
        "reviewer",
        State.UNDER_REVIEW,
        {"reason_code": "out_of_scope", "reason": "不属于受理范围"},
        State.REJECTED,
    ),
    Case(
        "answer-directly",
        "answer_directly",
        "reviewer",
        State.UNDER_REVIEW,
        {"body": "根据有关规定答复如下。", "regulations": ["《物业管理条例》"]},
        State.ANSWERED_DIRECTLY,
    ),
    Case("merge", "merge_duplicate", "reviewer", State.UNDER_REVIEW, _merge_body, State.MERGED),
    Case(
        "reclassify",
        "reclassify",
        "reviewer",
        State.UNDER_REVIEW,
        lambda w, m: {"category": w.noise.pk, "region": "X0102", "type": "suggestion", "reason": "归类有误"},
        None,
        check=lambda m: m.type == "suggestion" and m.region is not None and m.region.code == "X0102",
    ),
    Case(
        "redact",
        "redact",
        "reviewer",
        State.IN_PROGRESS,
        {"public_title": "电梯故障", "public_body": "电梯坏了。", "reason": "含个人信息"},
        None,
        check=lambda m: m.public_body == "电梯坏了。",
    ),
    Case(
        "dispatch",
        "dispatch",
        "dispatcher",
        State.ACCEPTED,
        {"unit": "A-ZJJ", "co_units": ["A-HBJ"], "note": "请办理"},
        State.DISPATCHED,
        check=lambda m: m.unit is not None and m.unit.code == "A-ZJJ" and m.assignments.count() == 2,
    ),
    Case("sign", "sign", "handler", State.DISPATCHED, {}, State.IN_PROGRESS),
    Case(
        "request-return",
        "request_return",
        "handler",
        State.IN_PROGRESS,
        {"reason": "不属于本单位职能", "basis": "function"},
        State.RETURN_REQUESTED,
    ),
    Case(
        "request-transfer",
        "request_transfer",
        "handler",
        State.IN_PROGRESS,
        {"target_unit": "A-HBJ", "reason": "属环保部门"},
        State.RETURN_REQUESTED,
    ),
    Case("approve-return", "approve_return", "dispatcher", State.RETURN_REQUESTED, {"note": "同意"}, State.ACCEPTED),
    Case(
        "refuse-return",
        "refuse_return",
        "dispatcher",
        State.RETURN_REQUESTED,
        {"reason": "属本单位职责"},
        State.IN_PROGRESS,
    ),
    Case(
        "transfer",
        "transfer",
        "dispatcher",
        State.IN_PROGRESS,
        {"unit": "A-HBJ", "reason": "转环保局"},
        State.DISPATCHED,
        check=lambda m: m.unit is not None and m.unit.code == "A-HBJ",
    ),
    Case(
        "request-cohandling",
        "request_cohandling",
        "handler",
        State.IN_PROGRESS,
        {"units": ["A-HBJ"], "reason": "涉及噪音"},
        None,
    ),
    Case(
        "decide-cohandling",
        "decide_cohandling",
        "dispatcher",
        State.IN_PROGRESS,
        {"approve": True},
        None,
        setup=lambda w, m: pending_request(w, m, RequestKind.COHANDLING),
        check=lambda m: m.assignments.filter(is_active=True).count() == 2,
    ),
    Case("request-extension", "request_extension", "handler", State.IN_PROGRESS, _extension_body, None),
    Case(
        "decide-extension",
        "decide_extension",
        "dispatcher",
        State.IN_PROGRESS,
        {"approve": True, "note": "同意延期"},
        None,
        setup=lambda w, m: pending_request(w, m, RequestKind.EXTENSION),
        check=lambda m: m.extension_count == 1,
    ),
    Case(
        "contact",
        "record_contact",
        "handler",
        State.IN_PROGRESS,
        {"summary": "已电话联系群众", "channel": "phone"},
        None,
        check=lambda m: m.contacted_at is not None,
    ),
    Case(
        "wait-for-citizen",
        "wait_for_citizen",
        "handler",
        State.IN_PROGRESS,
        {"question": "请提供楼栋号"},
        State.WAITING_CITIZEN,
    ),
    Case("resume", "resume", "citizen", State.WAITING_CITIZEN, {"supplement": "3栋2单元"}, State.IN_PROGRESS),
    Case("notes", "add_note", "handler", State.IN_PROGRESS, {"body": "已约物业周三上门"}, None),
    Case("reply", "submit_reply", "handler", State.IN_PROGRESS, {"body": "已督促物业维修。"}, State.REPLY_REVIEW),
    Case("approve-reply", "approve_reply", "unit_head", State.REPLY_REVIEW, {}, State.REPLIED),
    Case(
        "send-back-reply",
        "send_back_reply",
        "unit_head",
        State.REPLY_REVIEW,
        {"reason": "答复过于笼统"},
        State.IN_PROGRESS,
    ),
    Case("rate", "rate", "citizen", State.REPLIED, {"satisfaction": "satisfied", "resolved": True}, State.CLOSED),
    Case("follow-up", "follow_up", "citizen", State.REPLIED, {"question": "什么时候修好？"}, State.IN_PROGRESS),
    Case("reopen", "reopen", "supervisor", State.RATED, {"reason": "群众反映仍未解决"}, State.IN_PROGRESS),
    Case("close", "close", "supervisor", State.RATED, {"reason": "已核实"}, State.CLOSED),
    Case("archive", "archive", "admin", State.CLOSED, {}, State.ARCHIVED),
    Case(
        "urge", "urge", "supervisor", State.IN_PROGRESS, {"note": "请尽快办理"}, None, check=lambda m: m.urge_count == 1
    ),
    Case(
        "supervise",
        "supervise",
        "supervisor",
        State.IN_PROGRESS,
        {"level": "key", "note": "重点督办"},
        None,
        check=lambda m: m.supervision_level == "key",
    ),
    Case(
        "flag-key",
        "flag_key",
        "supervisor",
        State.IN_PROGRESS,
        {"reason": "涉及安全隐患"},
        None,
        check=lambda m: m.is_key,
    ),
]
IDS = [c.path for c in CASES]


def prepare(world: World, case: Case) -> tuple[Message, dict[str, Any]]:
    message = message_in_state(world, case.state)
    if case.setup is not None:
        case.setup(world, message)
    body = case.body(world, message) if callable(case.body) else dict(case.body)
    message.refresh_from_db()
    return message, body


def test_every_lifecycle_action_has_an_endpoint():
    from liuyan.messages.present import ACTION_PATHS

    assert sorted(c.path for c in CASES) == sorted(ACTION_PATHS.values())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_it_performs_each_action_and_returns_the_updated_detail(world, as_user, case):
    message, body = prepare(world, case)
    version = message.version
    r = as_user(case.user).post(f"messages/{message.number}/{case.path}", {**body, "version": version})
    assert r.status_code == 200, r.json()
    message.refresh_from_db()
    expected = case.after or case.state
    assert message.state == expected
    assert message.version > version
    detail = r.json()
    assert detail["number"] == message.number
    assert detail["state"]["value"] == expected
    assert detail["version"] == message.version
    assert case.action in list(message.events.values_list("action", flat=True))
    if case.check is not None:
        assert case.check(message)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_it_refuses_each_action_to_outsiders_and_stale_clients(world, anon, as_user, case):
    message, body = prepare(world, case)
    before = snapshot(message)
    url = f"messages/{message.number}/{case.path}"

    r = anon.post(url, body)
    assert r.status_code == 401
    assert err(r)["code"] == "not_authenticated"

    outsider = "other_citizen" if case.user != "other_citizen" else "foreign_handler"
    r = as_user(outsider).post(url, body)
    assert r.status_code in (403, 404)
    assert err(r)["code"] in ("message_not_found", "role_forbidden", "not_author")

    r = as_user("foreign_handler").post(url, body)
    assert r.status_code == 403
    assert err(r)["code"] in ("message_forbidden", "role_forbidden", "foreign_unit")

    r = as_user(case.user).post(url, {**body, "version": message.version - 1})
    assert r.status_code == 409
    e = err(r)
    assert e["code"] == "conflict"
    assert e["details"] == {"current_version": message.version, "your_version": message.version - 1}

    assert snapshot(message) == before


def test_it_refuses_a_handler_of_another_unit_even_with_a_visible_co_assignment(world, as_user):
    message = message_in_state(world, State.IN_PROGRESS)
    before = snapshot(message)
    r = as_user("env_handler").post(f"messages/{message.number}/sign", {})
    assert r.status_code == 403
    assert snapshot(message) == before


@pytest.mark.parametrize(
    ("path", "user", "state", "body", "status", "code"),
    [
        ("accept", "dispatcher", State.UNDER_REVIEW, {}, 403, "role_forbidden"),
        ("accept", "reviewer", State.ACCEPTED, {}, 409, "invalid_transition"),
        ("reject", "reviewer", State.UNDER_REVIEW, {"reason_code": "bored"}, 400, "invalid_choice"),
        ("reject", "reviewer", State.UNDER_REVIEW, {"reason": "x"}, 422, "invalid_input"),
        ("dispatch", "dispatcher", State.ACCEPTED, {"unit": "NO-SUCH"}, 400, "invalid_unit"),
        ("dispatch", "dispatcher", State.ACCEPTED, {"unit": "A-ZJJ", "co_units": ["NOPE"]}, 400, "invalid_unit"),
        ("merge", "reviewer", State.UNDER_REVIEW, {"primary": "2099010199999999"}, 400, "invalid_message"),
        ("reclassify", "reviewer", State.UNDER_REVIEW, {"region": "X404"}, 400, "invalid_region"),
        ("reclassify", "reviewer", State.UNDER_REVIEW, {"category": "没有这个"}, 400, "invalid_category"),
        ("reclassify", "reviewer", State.UNDER_REVIEW, {"board": "NOPE"}, 400, "invalid_board"),
        ("reclassify", "reviewer", State.UNDER_REVIEW, {"type": "rant"}, 400, "invalid_choice"),
        ("reply", "handler", State.IN_PROGRESS, {"body": "  "}, 400, "missing_field"),
        ("rate", "citizen", State.REPLIED, {"satisfaction": "unsatisfied"}, 400, "missing_field"),
        ("rate", "citizen", State.REPLIED, {"satisfaction": "meh"}, 400, "invalid_choice"),
        (
            "request-extension",
            "handler",
            State.IN_PROGRESS,
            {"due_at": "2020-01-01T00:00:00", "reason": "x"},
            400,
            "invalid_date",
        ),
        (
            "request-extension",
            "handler",
            State.IN_PROGRESS,
            {"due_at": "next week", "reason": "x"},
            422,
            "invalid_input",
        ),
        ("refuse-return", "dispatcher", State.RETURN_REQUESTED, {}, 400, "missing_field"),
        ("sign", "handler", State.DISPATCHED, {"version": "new"}, 422, "invalid_input"),
        ("sign", "handler", State.DISPATCHED, {"signature": "x"}, 422, "invalid_input"),
        ("approve-reply", "reviewer", State.REPLY_REVIEW, {}, 409, "wrong_stage"),
        ("resume", "citizen", State.WAITING_CITIZEN, {}, 400, "missing_field"),
    ],
)
def test_it_refuses_bad_action_input_and_changes_nothing(world, as_user, path, user, state, body, status, code):
    message = message_in_state(world, state)
    before = snapshot(message)
    r = as_user(user).post(f"messages/{message.number}/{path}", body)
    assert r.status_code == status, r.json()
    assert err(r)["code"] == code
    assert snapshot(message) == before


def test_it_refuses_malformed_json_on_an_action(world, as_user):
    message = message_in_state(world, State.UNDER_REVIEW)
    before = snapshot(message)
    r = as_user("reviewer").post_raw(f"messages/{message.number}/accept", "{not json")
    assert r.status_code == 400
    assert err(r)["code"] == "malformed_json"
    assert snapshot(message) == before


def test_it_accepts_actions_with_an_empty_body(world, as_user):
    message = message_in_state(world, State.DISPATCHED)
    r = as_user("handler").post(f"messages/{message.number}/sign")
    assert r.status_code == 200, r.json()
    assert r.json()["state"]["value"] == State.IN_PROGRESS


def test_it_lets_exactly_one_of_two_clients_with_the_same_version_act(world, as_user):
    message = message_in_state(world, State.UNDER_REVIEW)
    reviewer = as_user("reviewer")
    first = reviewer.post(f"messages/{message.number}/accept", {"version": message.version})
    second = reviewer.post(
        f"messages/{message.number}/reject", {"version": message.version, "reason_code": "out_of_scope"}
    )
    assert first.status_code == 200
    assert second.status_code == 409
    message.refresh_from_db()
    assert message.state == State.ACCEPTED


def test_it_lets_staff_reply_from_the_parent_unit(world, as_user):
    message = message_in_state(world, State.REPLY_REVIEW)
    # The parent unit head sees sub-unit messages; approving is the main unit's head's job but in scope.
    r = as_user("parent_head").post(f"messages/{message.number}/approve-reply", {})
    assert r.status_code == 200, r.json()


def test_it_lets_a_reviewer_of_another_region_not_act(world, as_user):
    message = message_in_state(world, State.UNDER_REVIEW)
    before = snapshot(message)
    r = as_user("region_b_reviewer").post(f"messages/{message.number}/accept", {})
    assert r.status_code == 403
    assert err(r)["code"] == "message_forbidden"
    assert snapshot(message) == before


def test_it_lets_a_citizen_act_only_on_their_own_message(world, as_user):
    mine = submit(world).message
    assert (
        as_user("other_citizen").post(f"messages/{mine.number}/rate", {"satisfaction": "satisfied"}).status_code == 404
    )

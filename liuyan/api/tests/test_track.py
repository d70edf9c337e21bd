"""Tracking by number + 查询码, and the anonymous author's rate / follow-up / supplement."""

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from liuyan.api.tests.conftest import Api, err, snapshot
from liuyan.common.clock import frozen_at, now
from liuyan.messages import actions
from liuyan.messages.models import Message
from liuyan.messages.states import State
from tests.world import World, submit

CONTACT = "13955556666"


def anonymous_message(world: World, state: str = State.UNDER_REVIEW, **kw: Any) -> tuple[Message, str]:
    """An anonymous author's message driven to `state`, with its 查询码."""
    kw.setdefault("contact_phone", CONTACT)
    kw.setdefault("contact_name", "王五")
    sub = submit(world, author="system", is_public=False, **kw)
    m, w = sub.message, world
    if state != State.UNDER_REVIEW:
        actions.do_accept(w.actor("reviewer"), m)
        actions.do_dispatch(w.actor("dispatcher"), m, unit=w.a_housing)
        actions.do_sign(w.actor("handler"), m)
    if state == State.WAITING_CITIZEN:
        actions.do_wait_for_citizen(w.actor("handler"), m, question="请补充楼栋号")
    if state == State.REPLIED:
        actions.do_submit_reply(w.actor("handler"), m, body="已维修。")
        actions.do_approve_reply(w.actor("unit_head"), m)
    assert m.state == state, (m.state, state)
    return m, sub.query_code


def test_it_shows_the_anonymous_author_their_message(world, anon):
    message, code = anonymous_message(world, State.IN_PROGRESS)
    r = anon.get("track", {"number": message.number, "code": code})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["viewer"] == "author"
    assert body["personal"]["body"] == message.body
    # Contact data stays masked: whoever holds the code sees the text, not the phone.
    assert body["personal"]["contact_phone"] == "139****6666"
    assert body["personal"]["contact_name"] == "王*"
    assert CONTACT not in r.content.decode()
    assert [e["action"] for e in body["timeline"]] == ["submit", "intake", "accept", "dispatch", "sign"]
    assert body["allowed_actions"] == []
    # Lower-case codes with spaces work too, and so does the POST variant.
    assert anon.get("track", {"number": message.number, "code": f" {code.lower()} "}).status_code == 200
    assert anon.post("track", {"number": message.number, "code": code}).status_code == 200


@pytest.mark.parametrize("which", ["code", "number"])
def test_it_refuses_a_wrong_code_or_number_with_404(world, anon, which):
    message, code = anonymous_message(world)
    params = {"number": message.number, "code": code}
    params[which] = "WRONG123" if which == "code" else "2099010100000001"
    r = anon.get("track", params)
    assert r.status_code == 404
    assert err(r)["code"] == "wrong_code"


def test_it_refuses_a_missing_code(world, anon):
    message, _code = anonymous_message(world)
    r = anon.get("track", {"number": message.number})
    assert r.status_code == 422
    assert err(r)["code"] == "invalid_input"


def test_it_limits_guessing(world, anon):
    message, code = anonymous_message(world)
    with override_settings(TRACK_ATTEMPTS_PER_HOUR=3):
        for _ in range(3):
            assert anon.get("track", {"number": message.number, "code": "AAAAAAAA"}).status_code == 404
        r = anon.get("track", {"number": message.number, "code": code})
        assert r.status_code == 429
        assert err(r)["code"] == "rate_limited"


def test_it_refuses_an_expired_code(world, anon, settings):
    message, code = anonymous_message(world, State.REPLIED)
    actions.do_close(world.actor("supervisor"), message)
    with frozen_at(now() + dt.timedelta(days=settings.QUERY_CODE_TTL_DAYS + 1)):
        r = anon.get("track", {"number": message.number, "code": code})
    assert r.status_code == 403
    e = err(r)
    assert e["code"] == "code_expired"
    assert e["message"] == "查询码已过期，请登录账号查看"


def test_it_lets_the_anonymous_author_rate_with_number_and_code(world, anon):
    message, code = anonymous_message(world, State.REPLIED)
    shown = anon.get("track", {"number": message.number, "code": code}).json()
    assert {a["action"] for a in shown["allowed_actions"]} == {"rate", "follow_up"}
    assert {a["path"] for a in shown["allowed_actions"]} == {"/api/v1/track/rate", "/api/v1/track/follow-up"}
    r = anon.post(
        "track/rate",
        {
            "number": message.number,
            "code": code,
            "satisfaction": "unsatisfied",
            "reason": "没有修好",
            "version": message.version,
        },
    )
    assert r.status_code == 200, r.json()
    message.refresh_from_db()
    assert message.state == State.RATED
    assert r.json()["ratings"][0]["reason"] == "没有修好"
    assert message.events.latest("id").actor_role == "citizen"


def test_it_lets_the_anonymous_author_follow_up(world, anon):
    message, code = anonymous_message(world, State.REPLIED)
    r = anon.post("track/follow-up", {"number": message.number, "code": code, "question": "什么时候修？"})
    assert r.status_code == 200, r.json()
    message.refresh_from_db()
    assert message.state == State.IN_PROGRESS and message.follow_up_count == 1


def test_it_lets_the_anonymous_author_supply_information(world, anon):
    message, code = anonymous_message(world, State.WAITING_CITIZEN)
    shown = anon.get("track", {"number": message.number, "code": code}).json()
    wait = shown["timeline"][-1]
    assert wait["action"] == "wait_for_citizen" and wait["reason"] == "请补充楼栋号"
    r = anon.post("track/supplement", {"number": message.number, "code": code, "supplement": "3栋2单元"})
    assert r.status_code == 200, r.json()
    message.refresh_from_db()
    assert message.state == State.IN_PROGRESS


@pytest.mark.parametrize(
    ("path", "extra", "status", "code"),
    [
        ("track/rate", {"satisfaction": "satisfied", "code": "WRONG123"}, 404, "wrong_code"),
        ("track/rate", {"satisfaction": "satisfied", "version": 0}, 409, "conflict"),
        ("track/rate", {"satisfaction": "unsatisfied"}, 400, "missing_field"),
        ("track/supplement", {"supplement": "x"}, 409, "invalid_transition"),
        ("track/follow-up", {"question": ""}, 400, "missing_field"),
        ("track/follow-up", {}, 422, "invalid_input"),
    ],
)
def test_it_refuses_bad_track_actions_and_changes_nothing(world, anon, path, extra, status, code):
    message, good_code = anonymous_message(world, State.REPLIED)
    before = snapshot(message)
    r = anon.post(path, {"number": message.number, "code": good_code, **extra})
    assert r.status_code == status, r.json()
    assert err(r)["code"] == code
    assert snapshot(message) == before


def test_it_does_not_let_a_code_act_on_another_message(world, anon):
    _first, code = anonymous_message(world, State.REPLIED)
    second, _ = anonymous_message(world, State.REPLIED, title="另一条留言")
    before = snapshot(second)
    r = Api().post("track/rate", {"number": second.number, "code": code, "satisfaction": "satisfied"})
    assert r.status_code == 404
    assert snapshot(second) == before

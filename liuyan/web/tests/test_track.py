"""Tracking by number + 查询码, and the author's loop from the pages: rate, follow up, supplement, as a signed-in
author and as an anonymous author proven in this session."""

import datetime as dt

import pytest
from django.test import Client

from liuyan.common.clock import now
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import Message, Rating
from liuyan.messages.querycode import hash_query_code
from liuyan.messages.states import State
from liuyan.web.tests.helpers import act, client_for
from tests.world import message_in_state, submit

CODE = "K7M2P9QX"


def anonymous_message(world, state: str = State.UNDER_REVIEW, **kw) -> Message:
    """A message written without an account (its author's phone only), in `state`, with a known 查询码."""
    if state == State.UNDER_REVIEW:
        message = submit(world, author="system", **kw).message
    else:
        message = message_in_state(world, state, author="system", **kw)
    Message.objects.filter(pk=message.pk).update(query_code_hash=hash_query_code(message.number, CODE))
    message.refresh_from_db()
    return message


def track(client: Client, number: str, code: str = CODE):
    return client.post("/track/", {"number": number, "code": code})


# ---------------------------------------------------------------------------------------------------------------
# Tracking


def test_it_shows_the_tracking_form_with_the_number_prefilled(world):
    page = Client().get("/track/", {"number": "2026030200001234"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="2026030200001234"' in html and 'name="code"' in html and 'for="id_code"' in html


def test_it_opens_the_message_with_the_right_code_and_remembers_the_proof(world):
    m = anonymous_message(world, body="我的电话13812345678，A1区幸福小区3栋电梯坏了两个月。")
    client = Client()
    page = track(client, m.number, CODE.lower())  # not case-sensitive
    assert page.status_code == 302 and page["Location"] == f"/track/{m.number}/"
    shown = client.get(page["Location"])
    html = shown.content.decode()
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert "13812345678" in html  # the author's own text, unmasked
    assert "139****0009" in html and "13900000009" not in html  # the contact phone stays masked
    assert "审核中" in html


def test_it_keeps_spaces_out_of_the_number(world):
    m = anonymous_message(world)
    spaced = f"{m.number[:8]} {m.number[8:]}"
    assert track(Client(), spaced)["Location"] == f"/track/{m.number}/"


@pytest.mark.parametrize(("number", "code", "field"), [("", CODE, "number"), ("2026", "", "code")])
def test_it_asks_for_both_number_and_code(world, number, code, field):
    page = Client().post("/track/", {"number": number, "code": code})
    html = page.content.decode()
    assert page.status_code == 400 and f'id="id_{field}_error"' in html


def test_it_refuses_a_wrong_code_on_the_form_and_remembers_nothing(world):
    m = anonymous_message(world)
    client = Client()
    page = track(client, m.number, "WRONG234")
    html = page.content.decode()
    assert page.status_code == 400 and "留言编号或查询码不正确" in html and "error-summary" in html
    assert f'value="{m.number}"' in html  # what was typed stays
    follow = client.get(f"/track/{m.number}/")
    assert follow.status_code == 302 and follow["Location"] == f"/track/?number={m.number}"


def test_it_refuses_an_unknown_number_like_a_wrong_code(world):
    page = track(Client(), "2026010100009999")
    assert page.status_code == 400 and "留言编号或查询码不正确" in page.content.decode()


def test_it_refuses_an_expired_code_with_403(world, settings):
    m = anonymous_message(world, State.REPLIED)
    actions.do_close(Actor.system(), m)
    Message.objects.filter(pk=m.pk).update(closed_at=now() - dt.timedelta(days=settings.QUERY_CODE_TTL_DAYS + 1))
    page = track(Client(), m.number)
    assert page.status_code == 403 and "查询码已过期" in page.content.decode()


def test_it_limits_wrong_guesses_with_429(world, settings):
    settings.TRACK_ATTEMPTS_PER_HOUR = 2
    m = anonymous_message(world)
    client = Client()
    assert track(client, m.number, "WRONG234").status_code == 400
    assert track(client, m.number, "WRONG345").status_code == 400
    page = track(client, m.number)  # even the right code, for now
    assert page.status_code == 429 and "操作过于频繁" in page.content.decode()
    assert client.get(f"/track/{m.number}/").status_code == 302


def test_it_sends_the_signed_in_author_to_their_own_message_page(world):
    sub = submit(world)  # written by the signed-in citizen
    client = client_for(world, "citizen")
    assert track(client, sub.message.number, sub.query_code).status_code == 302
    page = client.get(f"/track/{sub.message.number}/")
    assert page.status_code == 302 and page["Location"] == f"/messages/{sub.message.number}/"


def test_it_tracks_in_english(world):
    m = anonymous_message(world)
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/track/").content.decode()
    assert "Track a message" in html and "Query code" in html and "查询码" not in html
    assert "wrong message number or query code" in track(client, m.number, "WRONG234").content.decode()
    track(client, m.number)
    html = client.get(f"/track/{m.number}/").content.decode()
    assert "You are viewing this message with its number and query code" in html and "Under review" in html


# ---------------------------------------------------------------------------------------------------------------
# The author's loop, anonymous: proven by 查询码 in this session


def test_it_lets_the_anonymous_author_rate_after_tracking(world):
    m = anonymous_message(world, State.REPLIED)
    client = Client()
    track(client, m.number)
    html = client.get(f"/track/{m.number}/").content.decode()
    assert 'data-testid="act-rate"' in html and 'data-testid="act-follow_up"' in html
    assert "办理单位已经答复，请您评价" in html
    page = act(client, m, "rate", satisfaction="basic", resolved="yes", reason="")
    assert page.status_code == 302 and page["Location"] == f"/track/{m.number}/"
    m.refresh_from_db()
    assert m.state == State.CLOSED
    rating = Rating.objects.get(message=m)
    assert rating.satisfaction == "basic" and rating.resolved is True
    assert "感谢您的评价" in client.get(page["Location"]).content.decode()


def test_it_keeps_an_unsatisfied_rating_without_reason_on_the_tracking_page(world):
    m = anonymous_message(world, State.REPLIED)
    client = Client()
    track(client, m.number)
    page = act(client, m, "rate", satisfaction="unsatisfied", resolved="no", reason="")
    html = page.content.decode()
    assert page.status_code == 400 and "请说明不满意的原因" in html and 'id="id_rate-reason_error"' in html
    assert "您正在使用留言编号和查询码查看本留言" in html  # still the tracking page
    m.refresh_from_db()
    assert m.state == State.REPLIED


def test_it_lets_the_anonymous_author_follow_up(world):
    m = anonymous_message(world, State.REPLIED)
    client = Client()
    track(client, m.number)
    page = act(client, m, "follow_up", question="电梯修好后又坏了，请再次核查。")
    assert page.status_code == 302
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS and m.follow_up_count == 1
    assert "电梯修好后又坏了" in client.get(f"/track/{m.number}/").content.decode()


def test_it_shows_the_units_question_and_takes_the_supplement(world):
    m = anonymous_message(world, State.WAITING_CITIZEN)
    client = Client()
    track(client, m.number)
    html = client.get(f"/track/{m.number}/").content.decode()
    assert 'data-testid="asked"' in html and "请提供具体楼栋号" in html and "办理单位请您补充情况" in html
    page = act(client, m, "resume", supplement="是幸福小区3栋2单元。")
    assert page.status_code == 302
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS


def test_it_lets_a_signed_in_citizen_act_with_a_relatives_code(world):
    m = anonymous_message(world, State.REPLIED)
    client = client_for(world, "other_citizen")
    track(client, m.number)
    assert 'data-testid="act-rate"' in client.get(f"/track/{m.number}/").content.decode()
    page = act(client, m, "rate", satisfaction="satisfied", resolved="yes")
    assert page.status_code == 302 and page["Location"] == f"/track/{m.number}/"
    m.refresh_from_db()
    assert m.state == State.CLOSED


def test_it_does_not_let_one_messages_proof_act_on_another(world):
    mine = anonymous_message(world, State.REPLIED)
    other = message_in_state(world, State.REPLIED, author="system")
    client = Client()
    track(client, mine.number)
    page = act(client, other, "rate", satisfaction="satisfied", resolved="yes")
    assert page.status_code == 401
    other.refresh_from_db()
    assert other.state == State.REPLIED


# ---------------------------------------------------------------------------------------------------------------
# The author's loop, signed in


def test_it_offers_the_signed_in_author_rate_and_follow_up_and_takes_the_rating(world):
    m = message_in_state(world, State.REPLIED)
    client = client_for(world, "citizen")
    html = client.get(f"/messages/{m.number}/").content.decode()
    assert 'data-testid="act-rate"' in html and 'data-testid="act-follow_up"' in html
    assert "经核查" in html  # the reply
    page = act(client, m, "rate", satisfaction="unsatisfied", resolved="no", reason="电梯仍然经常停运")
    assert page.status_code == 302 and page["Location"] == f"/messages/{m.number}/"
    m.refresh_from_db()
    assert m.state == State.RATED
    html = client.get(page["Location"]).content.decode()
    assert "不满意" in html and "电梯仍然经常停运" in html
    assert 'data-testid="act-rate"' not in html and 'data-testid="act-follow_up"' in html  # may still ask again


def test_it_lets_the_signed_in_author_follow_up_and_supplement(world):
    replied = message_in_state(world, State.REPLIED)
    client = client_for(world, "citizen")
    assert act(client, replied, "follow_up", question="请问具体哪天维修？").status_code == 302
    replied.refresh_from_db()
    assert replied.state == State.IN_PROGRESS
    waiting = message_in_state(world, State.WAITING_CITIZEN)
    assert "请提供具体楼栋号" in client.get(f"/messages/{waiting.number}/").content.decode()
    assert act(client, waiting, "resume", supplement="3栋。").status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == State.IN_PROGRESS


def test_it_refuses_another_citizen(world):
    m = message_in_state(world, State.REPLIED)
    other = client_for(world, "other_citizen")
    html = other.get(f"/messages/{m.number}/").content.decode()
    assert 'data-testid="act-rate"' not in html  # the public page, without the author's forms
    page = act(other, m, "rate", satisfaction="satisfied", resolved="yes")
    assert page.status_code == 403
    m.refresh_from_db()
    assert m.state == State.REPLIED and not Rating.objects.exists()


def test_it_hides_a_confidential_message_from_another_citizen(world):
    m = message_in_state(world, State.REPLIED, is_public=False)
    other = client_for(world, "other_citizen")
    assert other.get(f"/messages/{m.number}/").status_code == 404
    assert act(other, m, "rate", satisfaction="satisfied", resolved="yes").status_code == 404


def test_it_shows_the_author_their_forms_in_english(world):
    m = message_in_state(world, State.REPLIED)
    client = client_for(world, "citizen")
    client.cookies["django_language"] = "en"
    html = client.get(f"/messages/{m.number}/").content.decode()
    assert "Send my rating" in html and "The unit has replied: please rate the reply." in html
    assert "评价" not in html.split('id="my-actions"')[1]

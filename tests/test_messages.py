"""Submission rules, bad input, 查询码 tracking, visibility and privacy, duplicate groups, the audit trail."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liuyan.accounts.models import User
from liuyan.common.clock import frozen_at
from liuyan.common.errors import Forbidden, InvalidInput, NotFound, RateLimited, ServiceUnavailable
from liuyan.messages import actions as a
from liuyan.messages.access import (
    Actor,
    access_by_query_code,
    access_message_for,
    sees_personal_data,
    visible_messages_for,
)
from liuyan.messages.models import Assignment, AssignmentRole, Attachment, Event, Message, MessageType, ReplyKind
from liuyan.messages.privacy import mask_personal_data
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from tests.world import World, message_in_state, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def counts() -> tuple[int, ...]:
    return (Message.objects.count(), Event.objects.count(), Attachment.objects.count(), Notification.objects.count())


BAD_SUBMISSIONS: list[tuple[str, dict[str, Any], str]] = [
    ("empty title", {"title": "   "}, "invalid_input"),
    ("long title", {"title": "长" * 101}, "invalid_input"),
    ("empty body", {"body": " \n "}, "invalid_input"),
    ("long body", {"body": "长" * 10_001}, "invalid_input"),
    ("bad type", {"type": "gossip"}, "invalid_choice"),
    ("bad phone", {"contact_phone": "call me maybe"}, "invalid_phone"),
    (
        "too large",
        {"attachments": [SimpleUploadedFile("a.png", PNG + b"0" * (11 * 1024 * 1024), "image/png")]},
        "attachment_too_large",
    ),
    (
        "wrong type",
        {"attachments": [SimpleUploadedFile("a.exe", b"MZ....", "application/octet-stream")]},
        "attachment_type",
    ),
    ("disguised", {"attachments": [SimpleUploadedFile("a.png", b"MZ not a png", "image/png")]}, "attachment_type"),
    (
        "too many",
        {"attachments": [SimpleUploadedFile(f"{i}.png", PNG, "image/png") for i in range(10)]},
        "too_many_attachments",
    ),
]


@pytest.mark.parametrize(("case", "changes", "code"), BAD_SUBMISSIONS, ids=[c[0] for c in BAD_SUBMISSIONS])
def test_it_refuses_bad_submissions_and_writes_nothing(
    world: World, case: str, changes: dict[str, Any], code: str
) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        submit(world, **changes)
    assert caught.value.code == code
    assert caught.value.zh and caught.value.en and caught.value.zh != caught.value.en
    assert counts() == before


def test_it_asks_anonymous_authors_for_a_phone_number(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        a.do_submit(Actor(None, "citizen"), board=world.a_board, type=MessageType.HELP, title="求助", body="路灯不亮")
    assert caught.value.code == "missing_contact"


def test_it_refuses_an_inactive_board(world: World) -> None:
    world.a_board.is_active = False
    world.a_board.save()
    with pytest.raises(InvalidInput) as caught:
        submit(world)
    assert caught.value.code == "invalid_board"


def test_the_kill_switch_pauses_submissions(world: World, settings: Any) -> None:
    settings.SUBMISSIONS_PAUSED = True
    with pytest.raises(ServiceUnavailable):
        submit(world)


def test_it_refuses_the_same_text_twice_in_a_day(world: World) -> None:
    submit(world, body="同样的内容")
    with pytest.raises(InvalidInput) as caught:
        submit(world, body="同样的内容")
    assert caught.value.code == "duplicate_submission"


def test_a_good_submission_is_numbered_queued_for_review_and_stored_with_its_attachment(world: World) -> None:
    with frozen_at(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)):
        sub = submit(world, attachments=[SimpleUploadedFile("photo.png", PNG, "image/png")])
    m = sub.message
    assert m.number.startswith("20260302") and len(sub.query_code) == 8
    assert m.state == State.UNDER_REVIEW
    assert [e.action for e in m.events.all()] == ["submit", "intake"]
    assert m.attachments.get().size == len(PNG)
    assert Notification.objects.filter(message=m, recipient=world.users["citizen"], kind="submitted").exists()


def test_it_tracks_by_number_and_query_code_and_refuses_wrong_or_expired_codes(world: World) -> None:
    sub = a.do_submit(
        Actor(None, "citizen"),
        board=world.a_board,
        type=MessageType.HELP,
        title="求助",
        body="路灯不亮",
        contact_phone="13911112222",
        is_public=False,
    )
    assert access_by_query_code(sub.message.number, sub.query_code.lower()).pk == sub.message.pk
    with pytest.raises(NotFound) as caught:
        access_by_query_code(sub.message.number, "WRONGCOD")
    assert caught.value.code == "wrong_code"
    Message.objects.filter(pk=sub.message.pk).update(closed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(Forbidden) as expired:
        access_by_query_code(sub.message.number, sub.query_code)
    assert expired.value.code == "code_expired"


def test_it_limits_query_code_guesses(world: World, settings: Any) -> None:
    settings.TRACK_ATTEMPTS_PER_HOUR = 3
    sub = submit(world)
    for _ in range(3):
        with pytest.raises(NotFound):
            access_by_query_code(sub.message.number, "AAAAAAAA", client="10.0.0.1")
    with pytest.raises(RateLimited):
        access_by_query_code(sub.message.number, sub.query_code, client="10.0.0.2")


def test_public_text_masks_phone_id_card_and_email() -> None:
    text = "我的电话13812345678，身份证110101199003071234，邮箱zhang.san@example.com，座机010-88886666"
    masked = mask_personal_data(text)
    for secret in ("13812345678", "110101199003071234", "zhang.san@", "88886666"):
        assert secret not in masked
    assert "138****5678" in masked


def test_submission_stores_masked_public_text_and_keeps_the_original(world: World) -> None:
    m = submit(world, body="请联系我13812345678，小区门口路灯不亮").message
    assert "13812345678" in m.body and "13812345678" not in m.public_body


def visible(user: User | None, m: Message) -> bool:
    from django.contrib.auth.models import AnonymousUser

    return visible_messages_for(user or AnonymousUser()).filter(pk=m.pk).exists()


def test_the_permission_matrix_for_seeing_messages(world: World) -> None:
    u = world.users
    public = message_in_state(world, State.IN_PROGRESS)
    secret = message_in_state(world, State.IN_PROGRESS, is_public=False)
    in_review = message_in_state(world, State.UNDER_REVIEW)
    expectations = {
        # user: (public in progress, confidential in progress, public under review)
        None: (True, False, False),
        "citizen": (True, True, True),  # the author of all three
        "other_citizen": (True, False, False),
        "handler": (True, True, False),
        "unit_head": (True, True, False),
        "parent_head": (True, True, False),
        "foreign_handler": (False, False, False),
        "sub_handler": (False, False, False),
        "reviewer": (True, True, True),
        "region_b_reviewer": (False, False, False),
        "dispatcher": (True, True, True),
        "supervisor": (True, True, True),
        "analyst": (True, True, True),
    }
    for key, expected in expectations.items():
        user = u[key] if key else None
        got = (visible(user, public), visible(user, secret), visible(user, in_review))
        assert got == expected, key


@pytest.mark.parametrize("inline_limit", [1000, 0], ids=["ids-inline", "subquery"])
def test_co_handling_units_see_their_messages_however_many_they_hold(
    world: World, monkeypatch: pytest.MonkeyPatch, inline_limit: int
) -> None:
    from liuyan.messages import access

    monkeypatch.setattr(access, "CO_HANDLED_INLINE_LIMIT", inline_limit)
    m = message_in_state(world, State.IN_PROGRESS, is_public=False)
    other = message_in_state(world, State.IN_PROGRESS, is_public=False)
    env_handler = world.users["env_handler"]
    assert not visible(env_handler, m)
    Assignment.objects.create(message=m, unit=world.a_env, role=AssignmentRole.CO, created_at=m.submitted_at)
    assert visible(env_handler, m) and not visible(env_handler, other)
    assert visible(world.users["handler"], m)  # the main unit still sees it


def test_opening_a_message_by_url_gives_clear_refusals(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    secret = message_in_state(world, State.IN_PROGRESS, is_public=False)
    with pytest.raises(Forbidden) as caught:
        access_message_for(world.users["foreign_handler"], secret.number)
    assert caught.value.code == "message_forbidden"
    for user in (AnonymousUser(), world.users["other_citizen"]):
        with pytest.raises(NotFound):  # confidential messages do not reveal that they exist
            access_message_for(user, secret.number)
    assert access_message_for(world.users["handler"], secret.pk).pk == secret.pk


def test_personal_data_is_for_the_author_and_handling_staff_only(world: World) -> None:
    m = message_in_state(world, State.IN_PROGRESS)
    u = world.users
    assert sees_personal_data(u["citizen"], m) and sees_personal_data(u["handler"], m)
    assert sees_personal_data(u["reviewer"], m)
    assert not sees_personal_data(u["analyst"], m)
    assert not sees_personal_data(u["other_citizen"], m)
    assert not sees_personal_data(u["foreign_handler"], m)


def test_one_reply_answers_a_group_of_merged_duplicates(world: World) -> None:
    primary = message_in_state(world, State.ACCEPTED)
    dupes = [message_in_state(world, State.UNDER_REVIEW, author="other_citizen") for _ in range(2)]
    for d in dupes:
        a.do_merge_duplicate(world.actor("reviewer"), d, primary=primary)
    a.do_dispatch(world.actor("dispatcher"), primary, unit=world.a_housing)
    a.do_sign(world.actor("handler"), primary)
    a.do_submit_reply(world.actor("handler"), primary, body="已统一处理该小区电梯问题。")
    a.do_approve_reply(world.actor("unit_head"), primary)
    for d in dupes:
        d.refresh_from_db()
        assert d.state == State.REPLIED
        assert d.replies.get().kind == ReplyKind.GROUP
    late = message_in_state(world, State.UNDER_REVIEW, author="other_citizen")
    a.do_merge_duplicate(world.actor("reviewer"), late, primary=primary)
    assert late.state == State.REPLIED  # merged after publication: answered at once


def test_a_platform_reviewed_board_needs_both_approvals(world: World) -> None:
    m = submit(world, board=world.b_board).message
    a.do_accept(world.actor("reviewer"), m)
    a.do_dispatch(world.actor("dispatcher"), m, unit=world.b_housing)
    a.do_sign(world.actor("foreign_handler"), m)
    a.do_submit_reply(world.actor("foreign_handler"), m, body="答复")
    a.do_approve_reply(world.actor("foreign_head"), m)
    assert (m.state, m.review_stage) == (State.REPLY_REVIEW, "platform")
    a.do_approve_reply(world.actor("reviewer"), m)
    assert m.state == State.REPLIED


def test_a_return_goes_back_to_the_dispatch_queue_and_a_refusal_keeps_it_with_the_unit(world: World) -> None:
    m = message_in_state(world, State.IN_PROGRESS)
    a.do_request_return(world.actor("handler"), m, reason="不属于住建职能", basis="function")
    a.do_refuse_return(world.actor("dispatcher"), m, reason="属于物业监管职责")
    assert m.state == State.IN_PROGRESS and m.return_count == 0
    a.do_request_return(world.actor("handler"), m, reason="确不属于本单位", basis="function")
    a.do_approve_return(world.actor("dispatcher"), m)
    assert (m.state, m.unit_id, m.return_count) == (State.ACCEPTED, None, 1)
    assert not m.assignments.filter(is_active=True).exists()


def test_a_transfer_request_moves_the_message_to_the_named_unit(world: World) -> None:
    m = message_in_state(world, State.IN_PROGRESS)
    a.do_request_transfer(world.actor("handler"), m, target_unit=world.a_env, reason="属于环保职能")
    a.do_approve_return(world.actor("dispatcher"), m)
    assert (m.state, m.unit_id, m.transfer_count) == (State.DISPATCHED, world.a_env.pk, 1)


def test_events_are_append_only(world: World) -> None:
    event = submit(world).message.events.first()
    assert event is not None
    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_importing_is_idempotent_by_external_id(world: World) -> None:
    item = a.ImportedMessage(
        external_id="tipdm:1",
        board=world.a_board,
        type=MessageType.COMPLAINT,
        title="噪音扰民",
        body="夜间施工噪音",
        submitted_at=dt.datetime(2019, 9, 8, 13, 1, tzinfo=dt.UTC),
        reply_body="已责令整改",
        replied_at=dt.datetime(2019, 9, 20, tzinfo=dt.UTC),
    )
    first, created = a.do_import_message(Actor.system(), item)
    again, created_again = a.do_import_message(Actor.system(), item)
    assert created and not created_again and first.pk == again.pk
    assert first.state == State.REPLIED and first.replies.get().kind == ReplyKind.IMPORTED
    assert Message.objects.filter(external_id="tipdm:1").count() == 1


def test_the_client_address_comes_from_the_trusted_proxy_only(settings: Any) -> None:
    from django.test import RequestFactory

    from liuyan.common.net import client_ip

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"  # no proxy configured: the header is ignored
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request) == "203.0.113.7"  # what our load balancer saw, not what the client claimed

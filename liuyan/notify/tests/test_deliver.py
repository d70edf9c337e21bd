"""E-mail delivery of notifications: who gets mail, exactly once, what it says, and how failures are retried."""

import datetime as dt
import io
import os
import signal
import smtplib
import threading
import time
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection

from liuyan.accounts.models import Role, User
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import Message, MessageType
from liuyan.messages.states import State
from liuyan.notify import deliver
from liuyan.notify.deliver import MAX_ATTEMPTS, claim, send_pending
from liuyan.notify.models import Notification
from tests.world import World, build_world, message_in_state

SITE = "https://liuyan.example.cn"
FAILING = "liuyan.notify.tests.test_deliver.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE + "/"
    settings.DEFAULT_FROM_EMAIL = "liuyan@example.cn"


def _email(world: World, key: str, address: str) -> User:
    user = world.users[key]
    user.email = address
    user.save(update_fields=["email"])
    return user


def _staff(username: str, role: str, address: str, **extra: Any) -> User:
    return User.objects.create_user(username=username, password="x-test-pw-2026", role=role, email=address, **extra)


def _to(outbox: list[mail.EmailMessage]) -> list[str]:
    return sorted(a for m in outbox for a in m.to)


def _anonymous(world: World, phone: str, email: str = "") -> Message:
    return actions.do_submit(
        Actor(user=None, role=Role.CITIZEN),
        board=world.a_board,
        type=MessageType.HELP,
        title="路灯不亮",
        body="A1区幸福路的路灯坏了一个月，晚上走路很不安全，请尽快修理。",
        region=world.county_a1,
        contact_phone=phone,
        contact_email=email,
    ).message


def test_it_emails_the_author_once_even_when_run_twice(world: World, mailoutbox: list[mail.EmailMessage]) -> None:
    message = message_in_state(world, State.ACCEPTED)  # "submitted" and "accepted" for the author

    first = send_pending()
    second = send_pending()

    assert (first.emailed, first.emails, first.none) == (2, 2, 0)
    assert second.as_dict() == dict.fromkeys(second.as_dict(), 0)
    assert _to(mailoutbox) == ["citizen@example.cn"] * 2
    rows = Notification.objects.filter(message=message)
    assert {(n.delivery, n.attempts) for n in rows} == {("email:1", 1)}
    assert all(n.delivered_at is not None for n in rows)


def test_it_writes_a_plain_bilingual_email_with_the_citizens_link(
    world: World, mailoutbox: list[mail.EmailMessage]
) -> None:
    message = message_in_state(world, State.REJECTED)  # the rejection carries the reviewer's reason as its body
    Notification.objects.exclude(kind="rejected").update(delivery="none", delivered_at=message.submitted_at)

    send_pending()

    (email,) = mailoutbox
    assert (
        email.subject
        == f"【留言 Liuyan】您的留言 {message.number} 不予受理 / Your message {message.number} was not accepted"
    )
    assert email.content_subtype == "plain" and not getattr(email, "alternatives", [])
    assert email.from_email == "liuyan@example.cn"
    body = email.body
    link = f"{SITE}/messages/{message.number}/"
    assert body.index("不予受理") < body.index("不属于受理范围") < body.index(f"查看留言：{link}")
    assert body.index(f"查看留言：{link}") < body.index("was not accepted") < body.index(f"View the message: {link}")
    assert body.count("留言 Liuyan") == 2


def test_it_emails_every_active_staff_member_of_the_unit_with_the_work_link(
    world: World, mailoutbox: list[mail.EmailMessage]
) -> None:
    _email(world, "handler", "handler@a.example.cn")
    _email(world, "unit_head", "head@a.example.cn")
    _email(world, "parent_head", "head@province.example.cn")  # a parent unit's head: not this unit's inbox
    _email(world, "foreign_handler", "handler@b.example.cn")
    _staff("retired", Role.HANDLER, "retired@a.example.cn", unit=world.a_housing, is_active=False)
    message = message_in_state(world, State.DISPATCHED)

    report = send_pending()

    dispatched = Notification.objects.get(message=message, kind="dispatched")
    assert dispatched.delivery == "email:2"
    assert report.emails == 4  # the author's "submitted" and "accepted", and the unit's two staff
    staff_mail = [m for m in mailoutbox if m.to != ["citizen@example.cn"]]
    assert _to(staff_mail) == ["handler@a.example.cn", "head@a.example.cn"]
    assert all(f"{SITE}/work/m/{message.number}/" in m.body for m in staff_mail)
    assert all(f"/messages/{message.number}/" not in m.body for m in staff_mail)


def test_it_emails_role_holders_whose_region_reaches_the_message(
    world: World, mailoutbox: list[mail.EmailMessage]
) -> None:
    _email(world, "dispatcher", "dispatcher@example.cn")  # no region: the whole platform
    _staff("a_dispatcher", Role.DISPATCHER, "a-dispatcher@example.cn", region=world.city_a)
    _staff("b_dispatcher", Role.DISPATCHER, "b-dispatcher@example.cn", region=world.city_b)
    _staff("gone_dispatcher", Role.DISPATCHER, "gone@example.cn", is_active=False)
    _staff("reviewer_with_mail", Role.REVIEWER, "reviewer@example.cn")
    message = message_in_state(world, State.RETURN_REQUESTED)  # "request_pending" for the dispatchers
    Notification.objects.exclude(kind="request_pending").update(delivery="none", delivered_at=message.submitted_at)

    send_pending()

    assert _to(mailoutbox) == ["a-dispatcher@example.cn", "dispatcher@example.cn"]
    assert Notification.objects.get(kind="request_pending").delivery == "email:2"


def test_it_emails_an_anonymous_author_at_the_address_they_left(
    world: World, mailoutbox: list[mail.EmailMessage]
) -> None:
    message = _anonymous(world, "13900000009", "anon@example.cn")
    # Anonymous messages must leave a phone, which becomes the notification's contact; a contact that is
    # an e-mail address (older rows, imports) is used as it is.
    Notification.objects.create(kind="accepted", message=message, contact="writer@example.cn", title="t", title_en="t")

    send_pending()

    assert Notification.objects.get(kind="submitted").contact == "13900000009"
    assert _to(mailoutbox) == ["anon@example.cn", "writer@example.cn"]
    assert all(f"{SITE}/messages/{message.number}/" in m.body for m in mailoutbox)


def test_it_marks_a_notification_with_nobody_to_email_as_processed(
    world: World, mailoutbox: list[mail.EmailMessage]
) -> None:
    phone_only = _anonymous(world, "13900000009")  # SMS is not built: nobody to e-mail
    dispatched = message_in_state(world, State.DISPATCHED, author="other_citizen")  # nobody has an address

    first = send_pending()
    second = send_pending()

    assert mailoutbox == []
    assert first.none == Notification.objects.count() == 4 and second.processed == 0
    rows = Notification.objects.filter(message__in=[phone_only, dispatched])
    assert {n.delivery for n in rows} == {"none"}
    assert all(n.delivered_at is not None for n in rows)


def test_it_keeps_a_notification_whose_send_failed_and_retries_it_later(
    world: World, settings: Any, mailoutbox: list[mail.EmailMessage]
) -> None:
    message_in_state(world, State.UNDER_REVIEW)  # one "submitted" for the author
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    settings.EMAIL_BACKEND = FAILING

    failed = send_pending(at=at)

    assert (failed.retrying, failed.emailed) == (1, 0)
    assert failed.errors and "SMTPServerDisconnected" in failed.errors[0]
    row = Notification.objects.get()
    assert row.delivered_at is None and row.attempts == 1
    assert row.delivery == "retry: SMTPServerDisconnected: Connection unexpectedly closed"
    assert row.next_attempt_at == at + dt.timedelta(minutes=2)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_pending(at=at + dt.timedelta(minutes=1)).processed == 0  # backing off
    retried = send_pending(at=at + dt.timedelta(minutes=2))

    assert retried.emailed == 1
    assert _to(mailoutbox) == ["citizen@example.cn"]
    row = Notification.objects.get()
    assert (row.delivery, row.attempts, row.next_attempt_at) == ("email:1", 2, None)


def test_it_backs_off_and_gives_up_after_the_last_attempt_with_the_error(world: World, settings: Any) -> None:
    message_in_state(world, State.UNDER_REVIEW)
    settings.EMAIL_BACKEND = FAILING
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        assert send_pending(at=at).retrying == 1
        row = Notification.objects.get()
        assert row.next_attempt_at is not None
        waits.append(row.next_attempt_at - at)
        at = row.next_attempt_at

    last = send_pending(at=at)

    assert waits == [dt.timedelta(minutes=2 * 2**i) for i in range(MAX_ATTEMPTS - 1)]
    assert last.failed == 1
    row = Notification.objects.get()
    assert row.attempts == MAX_ATTEMPTS and row.delivered_at is not None
    assert row.delivery == "failed: SMTPServerDisconnected: Connection unexpectedly closed"
    assert send_pending(at=at + dt.timedelta(days=30)).processed == 0


def test_it_lets_only_one_of_two_senders_claim_a_row(world: World, mailoutbox: list[mail.EmailMessage]) -> None:
    message_in_state(world, State.UNDER_REVIEW)
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    mine, theirs = Notification.objects.get(), Notification.objects.get()  # both read it pending

    assert claim(mine, at) is True
    assert claim(theirs, at) is False
    assert deliver.deliver(Notification.objects.get(), at, mail.get_connection()).lost == 1
    assert mailoutbox == []


def test_it_takes_over_a_row_whose_sender_died_mid_send(world: World, mailoutbox: list[mail.EmailMessage]) -> None:
    message_in_state(world, State.UNDER_REVIEW)
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    Notification.objects.update(delivery="sending", delivered_at=at - dt.timedelta(minutes=1), attempts=1)

    assert send_pending(at=at).processed == 0  # still being sent by someone
    taken_over = send_pending(at=at + deliver.STALE_CLAIM)

    assert taken_over.emailed == 1 and len(mailoutbox) == 1
    assert Notification.objects.get().attempts == 2


def test_it_respects_the_limit_oldest_first(world: World, mailoutbox: list[mail.EmailMessage]) -> None:
    message_in_state(world, State.ACCEPTED)

    assert send_pending(limit=1).emailed == 1
    assert mailoutbox[0].subject.count("已提交") == 1
    assert send_pending(limit=5).emailed == 1


def test_it_prints_what_the_command_did(world: World, settings: Any, mailoutbox: list[mail.EmailMessage]) -> None:
    message_in_state(world, State.ACCEPTED)
    _anonymous(world, "13900000009")
    out, err = io.StringIO(), io.StringIO()

    call_command("notify", "send", "--limit", "3", stdout=out, stderr=err)
    call_command("notify", "send", stdout=out, stderr=err)

    assert out.getvalue().splitlines() == [
        "emailed=2 emails=2 none=1 retrying=0 failed=0 lost=0",
        "emailed=0 emails=0 none=0 retrying=0 failed=0 lost=0",
    ]
    assert err.getvalue() == ""
    settings.EMAIL_BACKEND = FAILING
    message_in_state(world, State.UNDER_REVIEW)
    call_command("notify", "send", stdout=out, stderr=err)
    assert out.getvalue().splitlines()[-1] == "emailed=0 emails=0 none=0 retrying=1 failed=0 lost=0"
    assert "SMTPServerDisconnected" in err.getvalue()


def test_it_loops_until_sigterm_and_prints_each_busy_pass(
    world: World, monkeypatch: pytest.MonkeyPatch, mailoutbox: list[mail.EmailMessage]
) -> None:
    message_in_state(world, State.ACCEPTED)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # the command's handler asks the loop to stop

    monkeypatch.setattr(time, "sleep", nap)
    out = io.StringIO()
    call_command("notify", "send", "--loop", "--interval", "0.5", "--limit", "1", stdout=out)

    assert out.getvalue().splitlines() == [
        "emailed=1 emails=1 none=0 retrying=0 failed=0 lost=0",  # a full pass: the next one follows at once
        "emailed=1 emails=1 none=0 retrying=0 failed=0 lost=0",
        "total emailed=2 emails=2 none=0 retrying=0 failed=0 lost=0",
    ]
    assert naps == [0.5, 0.5] and len(mailoutbox) == 2


def test_it_refuses_a_bad_limit() -> None:
    with pytest.raises(CommandError, match="--limit"):
        call_command("notify", "send", "--limit", "0")


needs_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrency needs PostgreSQL")


@needs_postgres
def test_it_sends_each_email_once_when_senders_run_at_the_same_time(
    transactional_db: None, mailoutbox: list[mail.EmailMessage]
) -> None:
    world = build_world()
    for _ in range(3):
        message_in_state(world, State.ACCEPTED)
    expected = Notification.objects.count()
    barrier = threading.Barrier(3)
    reports: list[deliver.Report] = []

    def sender() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(send_pending())
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(reports) == 3
    assert sum(r.emailed for r in reports) == expected == len(mailoutbox) == 6
    assert set(Notification.objects.values_list("delivery", flat=True)) == {"email:1"}

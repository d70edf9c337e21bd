"""E-mail delivery of queued notifications: each row claimed once by compare-and-set, mailed, retried on failure."""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import close_old_connections
from django.db import connection as db
from django.db.models import F, Q, QuerySet

from liuyan.accounts.models import PLATFORM_ROLES, UNIT_ROLES, Role, User
from liuyan.common.clock import now as clock_now
from liuyan.messages.access import visible_messages_for
from liuyan.notify.models import Notification

PLATFORM_NAME = "留言 Liuyan"
SENDING = "sending"
NOBODY = "none"
MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=2)  # doubles after each failure: 2, 4, 8 … 128 minutes, about 4 hours in all
# A row claimed this long ago and never finished lost its sender mid-send (killed machine): it is claimed again, so
# a crash costs at worst a duplicate e-mail, never a lost one.
STALE_CLAIM = dt.timedelta(minutes=15)
BATCH = 100


class Recipient(NamedTuple):
    address: str
    staff: bool  # staff follow the link to the work pages, citizens to the public message page


@dataclass
class Report:
    """What one pass did, in notifications (and, for `emails`, in e-mails sent)."""

    emailed: int = 0
    emails: int = 0
    none: int = 0
    retrying: int = 0
    failed: int = 0
    lost: int = 0  # claimed first by another sender
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "emailed": self.emailed,
            "emails": self.emails,
            "none": self.none,
            "retrying": self.retrying,
            "failed": self.failed,
            "lost": self.lost,
        }

    @property
    def processed(self) -> int:
        return self.emailed + self.none + self.retrying + self.failed + self.lost

    def add(self, other: "Report") -> None:
        for key, value in other.as_dict().items():
            setattr(self, key, getattr(self, key) + value)
        self.errors.extend(other.errors)


def due(at: dt.datetime) -> "QuerySet[Notification]":
    """Rows to work on at `at`: never tried, due for a retry, or claimed by a sender that died."""
    fresh = Q(delivered_at__isnull=True) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
    abandoned = Q(delivery=SENDING, delivered_at__lt=at - STALE_CLAIM)
    return Notification.objects.filter(fresh | abandoned).order_by("created_at", "id")


def claim(notification: Notification, at: dt.datetime) -> bool:
    """Compare-and-set on the row as it was read, if it is still due: of several senders, exactly one gets True."""
    rows = due(at).filter(pk=notification.pk, attempts=notification.attempts, delivery=notification.delivery)
    if notification.delivered_at is None:
        rows = rows.filter(delivered_at__isnull=True)
    else:
        rows = rows.filter(delivered_at=notification.delivered_at)
    won = rows.update(delivered_at=at, delivery=SENDING, attempts=F("attempts") + 1) == 1
    if won:
        notification.delivered_at, notification.delivery = at, SENDING
        notification.attempts += 1
    return won


def _valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _with_address(users: "QuerySet[User]") -> "QuerySet[User]":
    return users.filter(is_active=True).exclude(email="")


def _recipient(user: User) -> Recipient:
    return Recipient(user.email, user.role != Role.CITIZEN)


def recipients_of(notification: Notification) -> list[Recipient]:
    """Everyone this notification reaches by e-mail — the people whose inbox shows it (liuyan.notify.inbox), when
    they have an address. Anonymous authors only through an e-mail address they left (SMS is not built)."""
    n = notification
    found: list[Recipient] = []
    if n.recipient_id is not None:
        found += [_recipient(u) for u in _with_address(User.objects.filter(pk=n.recipient_id))]
    if n.unit_id is not None:
        found += [_recipient(u) for u in _with_address(User.objects.filter(unit_id=n.unit_id, role__in=UNIT_ROLES))]
    if n.role in PLATFORM_ROLES:
        for user in _with_address(User.objects.filter(role=n.role)).select_related("region"):
            # The region scope is the inbox's: the holders who may open the message.
            if n.message_id is None or visible_messages_for(user).filter(pk=n.message_id).exists():
                found.append(_recipient(user))
    if n.contact and n.recipient_id is None:
        # Anonymous messages must leave a phone, so `contact` is usually the phone: then the e-mail address they
        # may have left beside it is the one to use.
        if _valid(n.contact):
            found.append(Recipient(n.contact, False))
        elif n.message is not None and n.message.contact_email:
            found.append(Recipient(n.message.contact_email, False))
    unique: dict[str, Recipient] = {}
    for r in found:
        if _valid(r.address):
            unique.setdefault(r.address.lower(), r)
    return list(unique.values())


def link_for(notification: Notification, *, staff: bool) -> str:
    base = settings.SITE_URL.rstrip("/")
    if notification.message is None:
        return f"{base}/work/" if staff else f"{base}/"
    number = notification.message.number
    return f"{base}/work/m/{number}/" if staff else f"{base}/messages/{number}/"


def compose(notification: Notification, recipient: Recipient) -> mail.EmailMessage:
    """A plain-text, bilingual e-mail: Chinese first, then English."""
    n = notification
    title_en = n.title_en or n.title
    subject = " ".join(f"【{PLATFORM_NAME}】{n.title} / {title_en}".split())  # no line breaks in a header
    link = link_for(n, staff=recipient.staff)
    zh = [n.title, ""]
    if n.body:
        zh += [n.body, ""]
    zh += [f"查看留言：{link}", "", f"—— {PLATFORM_NAME} 政府留言板平台（系统自动发送，请勿直接回复）"]
    en = [title_en, ""]
    if n.body:
        en += ["(The details are above, in Chinese.)", ""]
    en += [
        f"View the message: {link}",
        "",
        f"-- {PLATFORM_NAME}, the government message-board platform (sent automatically; please do not reply)",
    ]
    body = "\n".join([*zh, "", "", *en]) + "\n"
    return mail.EmailMessage(subject=subject, body=body, to=[recipient.address])


def _finish(notification: Notification, **changes: object) -> None:
    """Record the outcome, unless another sender took the row over meanwhile (it then owns the outcome)."""
    Notification.objects.filter(pk=notification.pk, attempts=notification.attempts, delivery=SENDING).update(**changes)


def _retry_or_give_up(notification: Notification, at: dt.datetime, error: str, report: Report) -> None:
    n = notification
    report.errors.append(f"{n.pk}: {error}")
    if n.attempts >= MAX_ATTEMPTS:
        _finish(n, delivery=f"failed: {error}"[:255], next_attempt_at=None)  # stays processed (delivered_at set)
        report.failed += 1
    else:
        wait = FIRST_RETRY * 2 ** (n.attempts - 1)
        _finish(n, delivered_at=None, delivery=f"retry: {error}"[:255], next_attempt_at=at + wait)
        report.retrying += 1


def deliver(notification: Notification, at: dt.datetime, mailer: BaseEmailBackend) -> Report:
    """Claim one row and e-mail it; the report counts it in exactly one bucket."""
    report = Report()
    n = notification
    if not claim(n, at):
        report.lost += 1
        return report
    if n.attempts > MAX_ATTEMPTS:  # a row whose senders keep dying while sending it
        _finish(n, delivery=f"failed: sender stopped while sending ({MAX_ATTEMPTS} attempts)", next_attempt_at=None)
        report.failed += 1
        return report
    try:
        recipients = recipients_of(n)
        if not recipients:
            _finish(n, delivery=NOBODY, next_attempt_at=None)
            report.none += 1
            return report
        sent = mailer.send_messages([compose(n, r) for r in recipients]) or 0
    except Exception as exc:  # the mail server, the network, a bad address: keep the row, try again later
        mailer.close()  # the next row opens a fresh connection
        _retry_or_give_up(n, at, f"{type(exc).__name__}: {exc}", report)
        return report
    _finish(n, delivery=f"email:{sent}", next_attempt_at=None)
    report.emailed += 1
    report.emails += sent
    return report


def send_pending(
    *, limit: int | None = None, at: dt.datetime | None = None, should_stop: Callable[[], bool] = lambda: False
) -> Report:
    """One pass: e-mail every due notification (oldest first, at most `limit`). Idempotent, and safe to run on
    several machines at once: each row is claimed by one sender only."""
    at = at or clock_now()
    report = Report()
    seen: set[int] = set()
    mailer = mail.get_connection()
    try:
        while limit is None or len(seen) < limit:
            size = BATCH if limit is None else min(BATCH, limit - len(seen))
            # A row leaves the due list once touched (sent, none, retry later, failed, or claimed by another
            # sender); `seen` only guards against looping on one that did not.
            batch = [n for n in due(at).select_related("message", "recipient")[:size] if n.pk not in seen]
            if not batch:
                break
            for n in batch:
                if should_stop():
                    return report
                seen.add(n.pk)
                report.add(deliver(n, at, mailer))
    finally:
        mailer.close()
    return report


def run_loop(
    *,
    interval: float,
    limit: int | None = None,
    on_pass: Callable[[Report], None] = lambda report: None,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] | None = None,
) -> Report:
    """Pass after pass until `should_stop()`: a full pass (it hit `limit`) goes on at once, others wait `interval`."""
    total = Report()
    while not should_stop():
        if not db.in_atomic_block:  # (tests run inside one: nothing to recycle there)
            close_old_connections()  # a long-running sender must not keep a connection the database dropped
        report = send_pending(limit=limit, should_stop=should_stop)
        total.add(report)
        on_pass(report)
        if limit is None or report.processed < limit:
            (sleep or time.sleep)(interval)
    return total

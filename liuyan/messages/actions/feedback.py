"""The feedback loop (反馈): rating, follow-up, reopening, closing and archiving."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from liuyan.accounts.models import Role
from liuyan.common.clock import now as clock_now
from liuyan.common.errors import InvalidInput, InvalidTransition
from liuyan.deadlines.policy import due_for, span_for
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import SLA_RESET, S, begin, choice, commit, required
from liuyan.messages.models import (
    Message,
    MessageType,
    Rating,
    Satisfaction,
    SupervisionLevel,
    WarningLight,
)
from liuyan.notify.queue import queue, queue_for_author


def do_rate(
    actor: Actor, message: Message, *, satisfaction: str, resolved: bool | None = None, reason: str = ""
) -> Rating:
    """评价. A satisfied rating closes the message; an unsatisfied one (with its reason) goes to supervisors."""
    begin(actor, message, "rate")
    choice(satisfaction, Satisfaction, "满意度", "satisfaction")
    if satisfaction == Satisfaction.UNSATISFIED:
        reason = required(reason, "不满意的原因", "reason for dissatisfaction")
    at = clock_now()
    with transaction.atomic():
        rating = Rating.objects.create(
            message=message,
            satisfaction=satisfaction,
            resolved=resolved,
            reason=reason.strip(),
            round=message.reopen_count,
            created_at=at,
        )
        commit(
            actor,
            message,
            "rate",
            to_state=S.RATED,
            fields={"rated_at": at},
            reason=reason,
            at=at,
            data={"satisfaction": satisfaction, "resolved": resolved, "rating": rating.pk},
            rating=rating,
        )
        if message.unit is not None:
            queue("rated", message, unit=message.unit)
        if satisfaction == Satisfaction.UNSATISFIED:
            queue("unsatisfied", message, role=Role.SUPERVISOR, body=reason)
        else:
            close_message(Actor.system(), message, reason="评价满意，自动办结 / closed on a satisfied rating", at=at)
    return rating


def do_follow_up(actor: Actor, message: Message, *, question: str) -> Message:
    """追问: the citizen asks again; the unit answers within the inquiry (咨询) deadline."""
    begin(actor, message, "follow_up")
    question = required(question, "追问内容", "question")
    if message.follow_up_count >= settings.MAX_FOLLOW_UPS:
        raise InvalidInput(
            f"每件留言最多追问{settings.MAX_FOLLOW_UPS}次",
            f"at most {settings.MAX_FOLLOW_UPS} follow-ups per message",
            code="too_many_follow_ups",
        )
    at = clock_now()
    count = {"follow_up_count": message.follow_up_count + 1}
    with transaction.atomic():
        if message.unit is None:
            commit(actor, message, "follow_up", to_state=S.UNDER_REVIEW, fields=count, reason=question, at=at)
            queue("follow_up", message, role=Role.REVIEWER, body=question)
            return message
        span = span_for(
            "handle",
            message_type=MessageType.INQUIRY,
            category=message.category,
            board=message.board,
            urgent=message.is_urgent,
        )
        commit(
            actor,
            message,
            "follow_up",
            to_state=S.IN_PROGRESS,
            reason=question,
            at=at,
            fields={**count, "due_at": span.due_after(at), "replied_at": None, "replied_on_time": None, **SLA_RESET},
        )
        queue("follow_up", message, unit=message.unit, body=question)
    return message


def do_reopen(actor: Actor, message: Message, *, reason: str) -> Message:
    """重办 after a justified 不满意: back to handling with a new deadline; too many rounds escalate (提级督办)."""
    begin(actor, message, "reopen")
    reason = required(reason, "重办理由", "reason")
    latest = message.ratings.order_by("-created_at", "-id").first()
    if latest is None or latest.satisfaction != Satisfaction.UNSATISFIED:
        raise InvalidTransition(
            "只有评价为不满意的留言可以重办", "only messages rated unsatisfied can be reopened", code="not_unsatisfied"
        )
    at = clock_now()
    rounds = message.reopen_count + 1
    escalate = rounds >= settings.MAX_REOPEN_ROUNDS
    fields: dict[str, Any] = {
        "reopen_count": rounds,
        "replied_at": None,
        "replied_on_time": None,
        "rated_at": None,
        **SLA_RESET,
    }
    if escalate:
        fields.update(supervision_level=SupervisionLevel.ESCALATED, is_problem_case=True)
    with transaction.atomic():
        if message.unit is None:
            commit(
                actor,
                message,
                "reopen",
                to_state=S.ACCEPTED,
                fields=fields,
                reason=reason,
                at=at,
                data={"round": rounds, "escalated": escalate},
            )
        else:
            fields["due_at"] = due_for("handle", message, at)
            commit(
                actor,
                message,
                "reopen",
                to_state=S.IN_PROGRESS,
                fields=fields,
                reason=reason,
                at=at,
                data={"round": rounds, "escalated": escalate},
            )
            queue("reopened", message, unit=message.unit, body=reason)
        queue_for_author("reopened", message)
        if escalate:
            queue("escalated", message, role=Role.SUPERVISOR, body=reason)
    return message


def close_message(actor: Actor, message: Message, *, reason: str = "", at: dt.datetime | None = None) -> None:
    begin(actor, message, "close")
    at = at or clock_now()
    commit(
        actor,
        message,
        "close",
        to_state=S.CLOSED,
        fields={"closed_at": at, "warning": WarningLight.NONE},
        reason=reason,
        at=at,
    )
    queue_for_author("closed", message)


def do_close(actor: Actor, message: Message, *, reason: str = "") -> Message:
    """办结: after a rating, or automatically when the citizen has not rated within the configured period."""
    begin(actor, message, "close")
    with transaction.atomic():
        close_message(actor, message, reason=reason)
    return message


def do_archive(actor: Actor, message: Message) -> Message:
    begin(actor, message, "archive")
    at = clock_now()
    with transaction.atomic():
        commit(actor, message, "archive", to_state=S.ARCHIVED, fields={"archived_at": at}, at=at)
    return message

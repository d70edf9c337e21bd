"""Replies (答复): the unit's draft, its review by the unit head and the platform, publication, group replies."""

from collections.abc import Sequence

from django.db import transaction

from liuyan.accounts.models import Role
from liuyan.common.clock import now as clock_now
from liuyan.common.errors import InvalidTransition
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import S, begin, commit, required
from liuyan.messages.models import (
    REVIEWER_OF_STAGE,
    Message,
    Reply,
    ReplyKind,
    ReplyStatus,
    ReviewStage,
    WarningLight,
)
from liuyan.notify.queue import queue, queue_for_author


def do_submit_reply(actor: Actor, message: Message, *, body: str, regulations: Sequence[str] = ()) -> Reply:
    """The unit submits its reply draft for review by the unit head."""
    begin(actor, message, "submit_reply")
    body = required(body, "答复内容", "reply body")
    at = clock_now()
    with transaction.atomic():
        reply = Reply.objects.create(
            message=message,
            kind=ReplyKind.UNIT,
            body=body,
            regulations=list(regulations),
            unit=message.unit,
            author=actor.user,
            round=message.reopen_count,
            created_at=at,
        )
        commit(
            actor,
            message,
            "submit_reply",
            to_state=S.REPLY_REVIEW,
            fields={"review_stage": ReviewStage.UNIT},
            at=at,
            data={"reply": reply.pk},
        )
        queue("reply_to_review", message, unit=message.unit)
    return reply


def _check_review_stage(actor: Actor, message: Message) -> None:
    """The unit stage of reply review belongs to the unit head, the platform stage to a reviewer."""
    if REVIEWER_OF_STAGE.get(ReviewStage(message.review_stage)) != actor.role:
        raise InvalidTransition(
            "答复不在您的审核环节",
            "the reply is not at your review stage",
            code="wrong_stage",
            details={"stage": message.review_stage},
        )


def _reply_under_review(message: Message) -> Reply:
    reply = message.replies.filter(status=ReplyStatus.IN_REVIEW).order_by("-created_at").first()
    if reply is None:
        raise InvalidTransition("没有待审核的答复", "there is no reply under review", code="no_reply")
    return reply


def do_approve_reply(actor: Actor, message: Message, *, note: str = "") -> Message:
    """Unit head approval, then platform review where the board asks for it; the last approval publishes."""
    begin(actor, message, "approve_reply")
    _check_review_stage(actor, message)
    reply = _reply_under_review(message)
    at = clock_now()
    with transaction.atomic():
        if message.review_stage == ReviewStage.UNIT and message.board.platform_reviews_replies:
            commit(
                actor,
                message,
                "approve_reply",
                to_state=S.REPLY_REVIEW,
                fields={"review_stage": ReviewStage.PLATFORM},
                reason=note,
                at=at,
                data={"reply": reply.pk, "stage": "unit"},
            )
            queue("reply_to_review", message, role=Role.REVIEWER)
            return message
        Reply.objects.filter(pk=reply.pk).update(status=ReplyStatus.PUBLISHED, published_at=at)
        on_time = message.due_at is None or at <= message.due_at
        commit(
            actor,
            message,
            "approve_reply",
            to_state=S.REPLIED,
            reason=note,
            at=at,
            fields={
                "review_stage": ReviewStage.NONE,
                "replied_at": at,
                "replied_on_time": on_time,
                "warning": WarningLight.NONE,
            },
            data={"reply": reply.pk, "stage": message.review_stage, "on_time": on_time},
        )
        queue_for_author("answered", message)
        reply.status = ReplyStatus.PUBLISHED
        reply.published_at = at
        reply_to_group(message, reply)
    return message


def do_send_back_reply(actor: Actor, message: Message, *, reason: str) -> Message:
    begin(actor, message, "send_back_reply")
    _check_review_stage(actor, message)
    reason = required(reason, "退回理由", "reason")
    reply = _reply_under_review(message)
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(status=ReplyStatus.SENT_BACK)
        commit(
            actor,
            message,
            "send_back_reply",
            to_state=S.IN_PROGRESS,
            fields={"review_stage": ReviewStage.NONE},
            reason=reason,
            data={"reply": reply.pk},
        )
        queue("reply_sent_back", message, unit=message.unit, body=reason)
    return message


def reply_to_group(primary: Message, reply: Reply, only: Sequence[Message] | None = None) -> None:
    """Messages merged into `primary` get its published reply as their own (one reply answers the group)."""
    members = list(only) if only is not None else list(primary.duplicates.select_related("board", "author"))
    for member in members:
        if member.state == S.MERGED:
            do_group_reply(Actor.system(), member, reply=reply)


def do_group_reply(actor: Actor, message: Message, *, reply: Reply | None = None) -> Message:
    """A merged duplicate receives the reply published on its primary message."""
    begin(actor, message, "group_reply")
    if reply is None:
        reply = (
            Reply.objects.filter(message=message.duplicate_of, status=ReplyStatus.PUBLISHED)
            .order_by("-published_at")
            .first()
        )
    if reply is None:
        raise InvalidTransition("主留言尚未答复", "the primary message has no published reply yet", code="no_reply")
    at = clock_now()
    with transaction.atomic():
        copy = Reply.objects.create(
            message=message,
            kind=ReplyKind.GROUP,
            body=reply.body,
            regulations=reply.regulations,
            unit=reply.unit,
            author=reply.author,
            source_reply=reply,
            status=ReplyStatus.PUBLISHED,
            created_at=at,
            published_at=reply.published_at or at,
        )
        commit(
            actor,
            message,
            "group_reply",
            to_state=S.REPLIED,
            at=at,
            fields={"replied_at": copy.published_at, "replied_on_time": True},
            data={"reply": copy.pk, "primary_reply": reply.pk},
        )
        queue_for_author("answered", message)
    return message

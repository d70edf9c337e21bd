"""Review actions (审核): accept, reject, answer directly, merge duplicates, reclassify, redact."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from liuyan.common.clock import now as clock_now
from liuyan.common.errors import InvalidInput
from liuyan.geo.models import Region
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import S, begin, choice, commit, required
from liuyan.messages.actions.replies import reply_to_group
from liuyan.messages.models import (
    Message,
    MessageType,
    RejectReason,
    Reply,
    ReplyKind,
    ReplyStatus,
    validate_text,
)
from liuyan.notify.queue import queue_for_author
from liuyan.orgs.models import Board
from liuyan.search.index import index_message
from liuyan.taxonomy.models import Category


def do_accept(actor: Actor, message: Message, *, note: str = "") -> Message:
    begin(actor, message, "accept")
    at = clock_now()
    with transaction.atomic():
        commit(actor, message, "accept", to_state=S.ACCEPTED, fields={"accepted_at": at}, reason=note, at=at)
        queue_for_author("accepted", message)
        from liuyan.intake.hooks import dispatch_if_confident

        message = dispatch_if_confident(message)  # 自动交办, where the board allows it and the pipeline is sure
    return message


def do_reject(
    actor: Actor, message: Message, *, reason_code: str, reason: str = "", duplicate_of: Message | None = None
) -> Message:
    begin(actor, message, "reject")
    choice(reason_code, RejectReason, "不予受理原因", "reject reason")
    if reason_code == RejectReason.DUPLICATE and duplicate_of is not None and duplicate_of.pk == message.pk:
        raise InvalidInput("不能标记为自身的重复", "a message cannot duplicate itself", code="invalid_duplicate")
    fields: dict[str, Any] = {"reject_reason": reason_code, "closed_at": clock_now()}
    if duplicate_of is not None:
        fields["duplicate_of"] = duplicate_of
    with transaction.atomic():
        commit(
            actor,
            message,
            "reject",
            to_state=S.REJECTED,
            fields=fields,
            reason=reason,
            data={"reason_code": reason_code},
        )
        queue_for_author("rejected", message, body=reason)
    return message


def do_answer_directly(actor: Actor, message: Message, *, body: str, regulations: Sequence[str] = ()) -> Message:
    """直接答复: the reviewer answers from the knowledge base without involving a unit."""
    begin(actor, message, "answer_directly")
    body = required(body, "答复内容", "reply body")
    at = clock_now()
    with transaction.atomic():
        reply = Reply.objects.create(
            message=message,
            kind=ReplyKind.DIRECT,
            body=body,
            regulations=list(regulations),
            author=actor.user,
            status=ReplyStatus.PUBLISHED,
            created_at=at,
            published_at=at,
        )
        commit(
            actor,
            message,
            "answer_directly",
            to_state=S.ANSWERED_DIRECTLY,
            fields={"accepted_at": at, "replied_at": at, "replied_on_time": True},
            data={"reply": reply.pk},
        )
        queue_for_author("answered", message)
        reply_to_group(message, reply)
    return message


def do_merge_duplicate(actor: Actor, message: Message, *, primary: Message, reason: str = "") -> Message:
    """Merge a message into another about the same problem (办好一类事): the primary's reply answers both."""
    begin(actor, message, "merge_duplicate")
    if primary.pk == message.pk or primary.state in (S.REJECTED, S.MERGED, S.ARCHIVED, S.SUBMITTED):
        raise InvalidInput("不能合并到该留言", "cannot merge into that message", code="invalid_duplicate")
    at = clock_now()
    with transaction.atomic():
        commit(
            actor,
            message,
            "merge_duplicate",
            to_state=S.MERGED,
            fields={"duplicate_of": primary, "accepted_at": message.accepted_at or at},
            reason=reason,
            data={"primary": primary.number},
        )
        published = primary.replies.filter(status=ReplyStatus.PUBLISHED).order_by("-published_at").first()
        if published is not None:
            reply_to_group(primary, published, only=[message])
    return message


def do_reclassify(
    actor: Actor,
    message: Message,
    *,
    type: str | None = None,
    category: Category | None = None,
    region: Region | None = None,
    board: Board | None = None,
    is_urgent: bool | None = None,
    reason: str = "",
) -> Message:
    begin(actor, message, "reclassify")
    fields: dict[str, Any] = {}
    if type is not None and type != message.type:
        fields["type"] = choice(type, MessageType, "留言类型", "message type")
    if category is not None and category.pk != message.category_id:
        if not category.is_active:
            raise InvalidInput("该领域已停用", "this category is inactive", code="invalid_category")
        fields["category"] = category
    if region is not None and region.pk != message.region_id:
        fields["region"] = region
    if board is not None and board.pk != message.board_id:
        fields["board"] = board
    if is_urgent is not None and is_urgent != message.is_urgent:
        fields["is_urgent"] = is_urgent
    if not fields:
        raise InvalidInput("没有需要修改的内容", "nothing to change", code="no_change")
    before = {k: getattr(message, f"{k}_id" if k in ("category", "region", "board") else k) for k in fields}
    with transaction.atomic():
        commit(
            actor,
            message,
            "reclassify",
            fields=fields,
            reason=reason,
            data={"before": before, "after": {k: getattr(v, "pk", v) for k, v in fields.items()}},
        )
        if actor.user is not None:  # a person's correction: training data for the classifiers
            from liuyan.intake.hooks import record_decision
            from liuyan.intake.models import ExampleSource

            if "category" in fields:
                record_decision(
                    actor, message, task="category", label=fields["category"].path, source=ExampleSource.RECLASSIFY
                )
            if "type" in fields:
                record_decision(actor, message, task="type", label=fields["type"], source=ExampleSource.RECLASSIFY)
    return message


def do_redact(actor: Actor, message: Message, *, public_title: str, public_body: str, reason: str) -> Message:
    """Mask personal data in what the public sees; the original text stays for authorised staff and audit."""
    begin(actor, message, "redact")
    reason = required(reason, "屏蔽原因", "reason")
    errors = validate_text(public_title, public_body)
    if errors:
        raise InvalidInput("公开标题或内容无效", "public title or body is invalid", details=errors)
    with transaction.atomic():
        commit(
            actor,
            message,
            "redact",
            fields={"public_title": public_title, "public_body": public_body},
            reason=reason,
            data={"previous_title": message.public_title, "previous_body": message.public_body},
        )
        index_message(message)
    return message

"""Lifecycle actions: the only code that changes a message's state.

Each `do_*` function checks the actor's role and scope and the message's state against the transition table
(`liuyan.messages.states.TRANSITIONS`), then, in one transaction, moves the message with a compare-and-set on its
`version` (two people acting at once: exactly one wins, the other gets `Conflict`), writes the append-only event,
sets or clears deadlines and queues notifications. Nothing else may write `Message.state`.
"""

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from liuyan.accounts.models import Role
from liuyan.common.clock import now as clock_now
from liuyan.common.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, ServiceUnavailable
from liuyan.deadlines.clock import add_working_time, working_time_between
from liuyan.deadlines.policy import due_for, span_for
from liuyan.geo.models import Region
from liuyan.messages.access import Actor, check_scope
from liuyan.messages.models import (
    Assignment,
    AssignmentRole,
    Attachment,
    ContactLog,
    Event,
    HandlingRequest,
    Message,
    MessageType,
    Note,
    Rating,
    RejectReason,
    Reply,
    ReplyKind,
    ReplyStatus,
    RequestKind,
    RequestStatus,
    ReturnBasis,
    ReviewStage,
    Satisfaction,
    Source,
    SupervisionLevel,
    WarningLight,
    validate_text,
)
from liuyan.messages.privacy import mask_personal_data
from liuyan.messages.querycode import hash_query_code, new_query_code
from liuyan.messages.states import TRANSITIONS, State
from liuyan.notify.queue import queue, queue_for_author
from liuyan.orgs.models import Board, Unit
from liuyan.taxonomy.models import Category

S = State

# ---------------------------------------------------------------------------------------------------------------
# The engine: check, compare-and-set, record.


def _begin(actor: Actor, message: Message, action: str) -> None:
    """Refuse the action unless the table allows it for this role, scope and state."""
    t = TRANSITIONS[action]
    if actor.role not in t.roles:
        raise Forbidden(
            f"当前角色不能执行「{t.zh}」",
            f"your role may not {t.en}",
            code="role_forbidden",
            details={"action": action, "role": actor.role},
        )
    check_scope(actor, message, action)
    if message.state not in t.sources:
        raise InvalidTransition(
            f"留言当前状态为「{State(message.state).label}」，不能执行「{t.zh}」",
            f"cannot {t.en} a message in state '{message.state}'",
            details={"action": action, "state": message.state},
        )


def _commit(
    actor: Actor,
    message: Message,
    action: str,
    *,
    to_state: str | None = None,
    fields: dict[str, Any] | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Event:
    """Compare-and-set the message row, then append the event. Call inside `transaction.atomic()`."""
    t = TRANSITIONS[action]
    new_state = to_state or message.state
    if to_state is not None and to_state not in t.targets:
        raise AssertionError(f"{action} cannot lead to {to_state}")
    changes = dict(fields or {})
    updated = Message.objects.filter(pk=message.pk, version=message.version).update(
        state=new_state, version=message.version + 1, **changes
    )
    if updated != 1:
        raise Conflict(
            "该留言刚被他人处理，请刷新后重试",
            "someone else acted on this message first: reload and try again",
            details={"action": action, "number": message.number},
        )
    from_state = message.state
    message.state = new_state
    message.version += 1
    for name, value in changes.items():
        setattr(message, name, value)
    return Event.objects.create(
        message=message,
        action=action,
        actor=actor.user,
        actor_role=actor.role,
        at=at or clock_now(),
        from_state=from_state,
        to_state=new_state,
        reason=reason,
        data=data or {},
    )


def _required(text: str | None, zh: str, en: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"请填写{zh}", f"{en} is required", code="missing_field", details={"field": en})
    return text


def _choice(value: str, choices: Any, zh: str, en: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            f"{zh}无效：{value}",
            f"invalid {en}: {value}",
            code="invalid_choice",
            details={"field": en, "allowed": list(choices.values)},
        )
    return value


def _active_unit(unit: Unit | None) -> Unit:
    if unit is None or not unit.is_active:
        raise InvalidInput("办理单位无效或已停用", "the unit does not exist or is inactive", code="invalid_unit")
    return unit


_SLA_RESET: dict[str, Any] = {"warning": WarningLight.NONE, "is_overdue": False, "sla_stage": 0}


def _sla_reset(message: Message) -> dict[str, Any]:
    """Fields that start the deadline ladder afresh (after a new deadline); empty if it already is fresh."""
    if message.sla_stage == 0 and not message.is_overdue and message.warning == WarningLight.NONE:
        return {}
    return dict(_SLA_RESET)


# ---------------------------------------------------------------------------------------------------------------
# Submission and intake


class UploadedFileLike(Protocol):
    name: str
    size: int
    content_type: str

    def read(self, size: int = -1) -> bytes: ...
    def seek(self, offset: int) -> Any: ...


_MAGIC: dict[str, tuple[bytes, ...]] = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG",),
    "gif": (b"GIF8",),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF",),
    "docx": (b"PK",),
    "xlsx": (b"PK",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
}


def _check_attachments(files: Sequence[UploadedFileLike]) -> None:
    if len(files) > settings.ATTACHMENT_MAX_COUNT:
        raise InvalidInput(
            f"附件不能超过{settings.ATTACHMENT_MAX_COUNT}个",
            f"at most {settings.ATTACHMENT_MAX_COUNT} attachments",
            code="too_many_attachments",
        )
    for f in files:
        ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else ""
        if ext not in settings.ATTACHMENT_TYPES:
            raise InvalidInput(
                f"不支持的附件类型：{f.name}",
                f"attachment type not allowed: {f.name}",
                code="attachment_type",
                details={"allowed": settings.ATTACHMENT_TYPES},
            )
        if f.size > settings.ATTACHMENT_MAX_BYTES:
            mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
            raise InvalidInput(
                f"附件过大（上限{mb}MB）：{f.name}",
                f"attachment larger than {mb} MB: {f.name}",
                code="attachment_too_large",
            )
        if f.size == 0:
            raise InvalidInput(f"附件为空：{f.name}", f"attachment is empty: {f.name}", code="attachment_empty")
        magic = _MAGIC.get(ext)
        if magic:
            head = f.read(8)
            f.seek(0)
            if not any(head.startswith(m) for m in magic):
                raise InvalidInput(
                    f"附件内容与类型不符：{f.name}",
                    f"attachment content does not match its type: {f.name}",
                    code="attachment_type",
                )


_PHONE_CHARS = set("0123456789+- ")


def _check_phone(phone: str) -> str:
    phone = phone.strip()
    digits = "".join(c for c in phone if c.isdigit())
    if phone and (not set(phone) <= _PHONE_CHARS or not 7 <= len(digits) <= 15):
        raise InvalidInput("联系电话格式不正确", "the contact phone number is not valid", code="invalid_phone")
    return phone


@dataclass
class Submission:
    message: Message
    query_code: str


def do_submit(
    actor: Actor,
    *,
    board: Board,
    type: str,
    title: str,
    body: str,
    category: Category | None = None,
    region: Region | None = None,
    is_public: bool = True,
    is_urgent: bool = False,
    nickname: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    attachments: Sequence[UploadedFileLike] = (),
    source: str = Source.WEB,
    at: dt.datetime | None = None,
) -> Submission:
    """A citizen (signed in or anonymous), or staff filing on a caller's behalf (帮办), writes a message."""
    if actor.role not in (Role.CITIZEN, Role.REVIEWER, Role.DISPATCHER, Role.SYSTEM):
        raise Forbidden("当前角色不能提交留言", "your role may not submit messages", code="role_forbidden")
    if settings.SUBMISSIONS_PAUSED:
        raise ServiceUnavailable(
            "留言提交暂停中，请稍后再试", "submissions are paused; please try again later", code="submissions_paused"
        )
    errors = validate_text(title, body)
    if errors:
        raise InvalidInput(
            "；".join(e.split(" / ")[0] for e in errors.values()),
            "; ".join(e.split(" / ")[1] for e in errors.values()),
            details=errors,
        )
    _choice(type, MessageType, "留言类型", "message type")
    if not board.is_active:
        raise InvalidInput("该留言对象已停用", "this board is closed", code="invalid_board")
    if category is not None and not category.is_active:
        raise InvalidInput("该领域已停用", "this category is inactive", code="invalid_category")
    contact_phone = _check_phone(contact_phone)
    author = actor.user if actor.role == Role.CITIZEN else None
    if author is None and not contact_phone:
        raise InvalidInput(
            "匿名留言请留下联系电话，以便办理单位联系您",
            "anonymous messages need a contact phone so the unit can reach you",
            code="missing_contact",
        )
    if author is not None:
        contact_phone = contact_phone or (author.phone or "")
        contact_email = contact_email or author.email
        nickname = nickname or author.nickname
    _check_attachments(attachments)
    at = at or clock_now()
    _refuse_repeat(author, contact_phone, title, body, at)

    code = new_query_code()
    saved_files: list[Attachment] = []
    try:
        with transaction.atomic():
            message = _create_numbered(
                query_code=code,
                source=source,
                type=type,
                category=category,
                region=region,
                board=board,
                title=title,
                body=body,
                is_public=is_public,
                is_urgent=is_urgent,
                author=author,
                nickname=(nickname or "网友").strip()[:40],
                contact_name=contact_name.strip(),
                contact_phone=contact_phone,
                contact_email=contact_email.strip(),
                state=S.SUBMITTED,
                submitted_at=at,
            )
            for f in attachments:
                att = Attachment(message=message, name=f.name[:200], content_type=f.content_type[:100], size=f.size)
                att.file.save(f.name, f, save=False)  # type: ignore[arg-type]
                saved_files.append(att)
                att.save()
            Event.objects.create(
                message=message,
                action="submit",
                actor=actor.user,
                actor_role=actor.role,
                at=at,
                from_state="",
                to_state=S.SUBMITTED,
                data={"source": source, "attachments": len(attachments), "public": is_public},
            )
            queue_for_author("submitted", message)
            do_intake(Actor.system(), message, at=at)
    except BaseException:
        for att in saved_files:
            att.file.delete(save=False)
        raise
    return Submission(message=message, query_code=code)


def _refuse_repeat(author: Any, phone: str, title: str, body: str, at: dt.datetime) -> None:
    """The same text from the same person within a day is flooding, not a new message."""
    since = at - dt.timedelta(days=1)
    same = Message.objects.filter(title=title.strip(), body=body.strip(), submitted_at__gte=since)
    same = same.filter(author=author) if author is not None else same.filter(contact_phone=phone)
    if same.exists():
        raise InvalidInput(
            "请勿重复提交相同内容的留言", "you already sent this same message today", code="duplicate_submission"
        )


def _create_numbered(
    *, title: str, body: str, submitted_at: dt.datetime, query_code: str | None, **fields: Any
) -> Message:
    """Insert a message with its masked public text and its number: the submission day and the row id
    (20260302 00001234), unique without a counter table. Call inside a transaction."""
    message = Message.objects.create(
        number=f"tmp-{secrets.token_hex(6)}",
        title=title.strip(),
        body=body.strip(),
        public_title=mask_personal_data(title.strip()),
        public_body=mask_personal_data(body.strip()),
        submitted_at=submitted_at,
        **fields,
    )
    message.number = f"{timezone.localtime(submitted_at):%Y%m%d}{message.pk:08d}"
    message.query_code_hash = hash_query_code(message.number, query_code) if query_code else ""
    Message.objects.filter(pk=message.pk).update(number=message.number, query_code_hash=message.query_code_hash)
    return message


def do_intake(actor: Actor, message: Message, *, at: dt.datetime | None = None) -> Message:
    """Queue a new message for review. The intelligent intake pipeline (智能录入) hooks in here."""
    _begin(actor, message, "intake")
    with transaction.atomic():
        _commit(actor, message, "intake", to_state=S.UNDER_REVIEW, at=at)
    return message


# ---------------------------------------------------------------------------------------------------------------
# Review


def do_accept(actor: Actor, message: Message, *, note: str = "") -> Message:
    _begin(actor, message, "accept")
    at = clock_now()
    with transaction.atomic():
        _commit(actor, message, "accept", to_state=S.ACCEPTED, fields={"accepted_at": at}, reason=note, at=at)
        queue_for_author("accepted", message)
    return message


def do_reject(
    actor: Actor, message: Message, *, reason_code: str, reason: str = "", duplicate_of: Message | None = None
) -> Message:
    _begin(actor, message, "reject")
    _choice(reason_code, RejectReason, "不予受理原因", "reject reason")
    if reason_code == RejectReason.DUPLICATE and duplicate_of is not None and duplicate_of.pk == message.pk:
        raise InvalidInput("不能标记为自身的重复", "a message cannot duplicate itself", code="invalid_duplicate")
    fields: dict[str, Any] = {"reject_reason": reason_code, "closed_at": clock_now()}
    if duplicate_of is not None:
        fields["duplicate_of"] = duplicate_of
    with transaction.atomic():
        _commit(
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
    _begin(actor, message, "answer_directly")
    body = _required(body, "答复内容", "reply body")
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
        _commit(
            actor,
            message,
            "answer_directly",
            to_state=S.ANSWERED_DIRECTLY,
            fields={"accepted_at": at, "replied_at": at, "replied_on_time": True},
            data={"reply": reply.pk},
        )
        queue_for_author("answered", message)
        _reply_to_group(message, reply)
    return message


def do_merge_duplicate(actor: Actor, message: Message, *, primary: Message, reason: str = "") -> Message:
    """Merge a message into another about the same problem (办好一类事): the primary's reply answers both."""
    _begin(actor, message, "merge_duplicate")
    if primary.pk == message.pk or primary.state in (S.REJECTED, S.MERGED, S.ARCHIVED, S.SUBMITTED):
        raise InvalidInput("不能合并到该留言", "cannot merge into that message", code="invalid_duplicate")
    at = clock_now()
    with transaction.atomic():
        _commit(
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
            _reply_to_group(primary, published, only=[message])
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
    _begin(actor, message, "reclassify")
    fields: dict[str, Any] = {}
    if type is not None and type != message.type:
        fields["type"] = _choice(type, MessageType, "留言类型", "message type")
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
        _commit(
            actor,
            message,
            "reclassify",
            fields=fields,
            reason=reason,
            data={"before": before, "after": {k: getattr(v, "pk", v) for k, v in fields.items()}},
        )
    return message


def do_redact(actor: Actor, message: Message, *, public_title: str, public_body: str, reason: str) -> Message:
    """Mask personal data in what the public sees; the original text stays for authorised staff and audit."""
    _begin(actor, message, "redact")
    reason = _required(reason, "屏蔽原因", "reason")
    errors = validate_text(public_title, public_body)
    if errors:
        raise InvalidInput("公开标题或内容无效", "public title or body is invalid", details=errors)
    with transaction.atomic():
        _commit(
            actor,
            message,
            "redact",
            fields={"public_title": public_title, "public_body": public_body},
            reason=reason,
            data={"previous_title": message.public_title, "previous_body": message.public_body},
        )
    return message


# ---------------------------------------------------------------------------------------------------------------
# Dispatch and handling


def _assign(message: Message, unit: Unit, co_units: Iterable[Unit], at: dt.datetime) -> None:
    Assignment.objects.filter(message=message, is_active=True, role=AssignmentRole.MAIN).update(
        is_active=False, ended_at=at
    )
    Assignment.objects.filter(message=message, is_active=True, unit=unit).update(is_active=False, ended_at=at)
    Assignment.objects.create(message=message, unit=unit, role=AssignmentRole.MAIN, created_at=at)
    for co in co_units:
        if co.pk != unit.pk:
            Assignment.objects.get_or_create(
                message=message, unit=co, is_active=True, defaults={"role": AssignmentRole.CO, "created_at": at}
            )


def _dispatch_fields(message: Message, unit: Unit, at: dt.datetime) -> dict[str, Any]:
    message.unit = unit  # deadline policies may depend on it later; keeps the in-memory copy honest
    return {
        "unit": unit,
        "dispatched_at": at,
        "sign_due_at": due_for("sign", message, at),
        "due_at": due_for("handle", message, at),
        "signed_at": None,
        "signed_on_time": None,
        "contact_due_at": None,
        "paused_at": None,
        "resume_state": "",
        "review_stage": ReviewStage.NONE,
        **_SLA_RESET,
    }


def do_dispatch(
    actor: Actor,
    message: Message,
    *,
    unit: Unit,
    co_units: Sequence[Unit] = (),
    note: str = "",
    confidence: float | None = None,
) -> Message:
    """交办: send an accepted message to its main unit (and co-handling units), starting the deadline clocks."""
    _begin(actor, message, "dispatch")
    unit = _active_unit(unit)
    for co in co_units:
        _active_unit(co)
    at = clock_now()
    with transaction.atomic():
        _commit(
            actor,
            message,
            "dispatch",
            to_state=S.DISPATCHED,
            fields=_dispatch_fields(message, unit, at),
            reason=note,
            at=at,
            data={
                "unit": unit.code,
                "co_units": [u.code for u in co_units],
                **({"confidence": confidence} if confidence is not None else {}),
            },
        )
        _assign(message, unit, co_units, at)
        queue("dispatched", message, unit=unit)
        for co in co_units:
            queue("dispatched", message, unit=co)
    return message


def do_sign(actor: Actor, message: Message) -> Message:
    """签收: the unit takes the message on; the first-contact clock starts."""
    _begin(actor, message, "sign")
    at = clock_now()
    on_time = message.sign_due_at is None or at <= message.sign_due_at
    with transaction.atomic():
        _commit(
            actor,
            message,
            "sign",
            to_state=S.IN_PROGRESS,
            at=at,
            fields={"signed_at": at, "signed_on_time": on_time, "contact_due_at": due_for("contact", message, at)},
            data={"on_time": on_time},
        )
    return message


def _open_request(
    actor: Actor,
    message: Message,
    kind: str,
    reason: str,
    *,
    basis: str = "",
    targets: Sequence[Unit] = (),
    requested_due_at: dt.datetime | None = None,
) -> HandlingRequest:
    assert actor.user is not None and message.unit is not None
    try:
        with transaction.atomic():
            request = HandlingRequest.objects.create(
                message=message,
                kind=kind,
                unit=message.unit,
                requested_by=actor.user,
                requested_at=clock_now(),
                reason=reason,
                basis=basis,
                requested_due_at=requested_due_at,
            )
    except IntegrityError:
        raise InvalidInput(
            "已有同类申请待审批", "a request of this kind is already pending", code="request_pending"
        ) from None
    if targets:
        request.target_units.set(targets)
    return request


def do_request_return(actor: Actor, message: Message, *, reason: str, basis: str) -> Message:
    """申请退回: the unit says the message is not theirs (职能不符/属地不符/权属不清)."""
    _begin(actor, message, "request_return")
    reason = _required(reason, "退回理由", "reason")
    _choice(basis, ReturnBasis, "退回依据", "return basis")
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.RETURN, reason, basis=basis)
        _commit(
            actor,
            message,
            "request_return",
            to_state=S.RETURN_REQUESTED,
            fields={"resume_state": message.state},
            reason=reason,
            data={"request": request.pk, "basis": basis},
        )
        queue("request_pending", message, role=Role.DISPATCHER)
    return message


def do_request_transfer(actor: Actor, message: Message, *, target_unit: Unit, reason: str, basis: str = "") -> Message:
    """申请转办: the unit names the unit that should handle it; the platform decides."""
    _begin(actor, message, "request_transfer")
    reason = _required(reason, "转办理由", "reason")
    _active_unit(target_unit)
    if target_unit.pk == message.unit_id:
        raise InvalidInput("不能转办给本单位", "cannot transfer to your own unit", code="invalid_unit")
    if basis:
        _choice(basis, ReturnBasis, "转办依据", "basis")
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.TRANSFER, reason, basis=basis, targets=[target_unit])
        _commit(
            actor,
            message,
            "request_transfer",
            to_state=S.RETURN_REQUESTED,
            fields={"resume_state": message.state},
            reason=reason,
            data={"request": request.pk, "target_unit": target_unit.code},
        )
        queue("request_pending", message, role=Role.DISPATCHER)
    return message


def _pending(message: Message, *kinds: str) -> HandlingRequest:
    request = message.requests.filter(kind__in=kinds, status=RequestStatus.PENDING).first()
    if request is None:
        raise InvalidTransition("没有待审批的申请", "there is no pending request", code="no_pending_request")
    return request


def _decide(request: HandlingRequest, actor: Actor, approved: bool, note: str) -> None:
    request.status = RequestStatus.APPROVED if approved else RequestStatus.REFUSED
    request.decided_by = actor.user
    request.decided_at = clock_now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


def do_approve_return(actor: Actor, message: Message, *, to_unit: Unit | None = None, note: str = "") -> Message:
    """Approve a return (back to the dispatch queue, or straight to `to_unit`) or a transfer request."""
    _begin(actor, message, "approve_return")
    request = _pending(message, RequestKind.RETURN, RequestKind.TRANSFER)
    at = clock_now()
    if request.kind == RequestKind.TRANSFER and to_unit is None:
        to_unit = request.target_units.first()
    old_unit = message.unit
    with transaction.atomic():
        _decide(request, actor, True, note)
        counters = (
            {"transfer_count": message.transfer_count + 1}
            if request.kind == RequestKind.TRANSFER
            else {"return_count": message.return_count + 1}
        )
        if to_unit is None:
            Assignment.objects.filter(message=message, is_active=True).update(is_active=False, ended_at=at)
            _commit(
                actor,
                message,
                "approve_return",
                to_state=S.ACCEPTED,
                reason=note,
                at=at,
                fields={
                    "unit": None,
                    "dispatched_at": None,
                    "sign_due_at": None,
                    "due_at": None,
                    "signed_at": None,
                    "signed_on_time": None,
                    "contact_due_at": None,
                    "resume_state": "",
                    **counters,
                    **_SLA_RESET,
                },
                data={"request": request.pk, "kind": request.kind},
            )
        else:
            _active_unit(to_unit)
            _commit(
                actor,
                message,
                "approve_return",
                to_state=S.DISPATCHED,
                reason=note,
                at=at,
                fields={**_dispatch_fields(message, to_unit, at), **counters},
                data={"request": request.pk, "kind": request.kind, "unit": to_unit.code},
            )
            _assign(message, to_unit, (), at)
            queue("dispatched", message, unit=to_unit)
        queue("request_decided", message, unit=old_unit, body=note)
    return message


def do_refuse_return(actor: Actor, message: Message, *, reason: str) -> Message:
    """强制派单: the platform keeps the message with the unit, which carries on where it was."""
    _begin(actor, message, "refuse_return")
    reason = _required(reason, "不同意理由", "reason")
    request = _pending(message, RequestKind.RETURN, RequestKind.TRANSFER)
    back_to = message.resume_state or (S.IN_PROGRESS if message.signed_at else S.DISPATCHED)
    with transaction.atomic():
        _decide(request, actor, False, reason)
        _commit(
            actor,
            message,
            "refuse_return",
            to_state=back_to,
            fields={"resume_state": ""},
            reason=reason,
            data={"request": request.pk, "kind": request.kind},
        )
        queue("request_decided", message, unit=message.unit, body=reason)
    return message


def do_transfer(actor: Actor, message: Message, *, unit: Unit, reason: str) -> Message:
    """转办 by the platform: the message moves to another main unit and its clocks restart there."""
    _begin(actor, message, "transfer")
    reason = _required(reason, "转办理由", "reason")
    unit = _active_unit(unit)
    if unit.pk == message.unit_id:
        raise InvalidInput("已由该单位办理", "that unit already handles it", code="invalid_unit")
    at = clock_now()
    old_unit = message.unit
    with transaction.atomic():
        _commit(
            actor,
            message,
            "transfer",
            to_state=S.DISPATCHED,
            reason=reason,
            at=at,
            fields={**_dispatch_fields(message, unit, at), "transfer_count": message.transfer_count + 1},
            data={"from_unit": old_unit.code if old_unit else None, "unit": unit.code},
        )
        _assign(message, unit, (), at)
        queue("dispatched", message, unit=unit)
    return message


def do_request_cohandling(actor: Actor, message: Message, *, units: Sequence[Unit], reason: str) -> Message:
    _begin(actor, message, "request_cohandling")
    reason = _required(reason, "协办理由", "reason")
    if not units:
        raise InvalidInput("请选择协办单位", "choose the co-handling units", code="missing_field")
    for unit in units:
        _active_unit(unit)
        if unit.pk == message.unit_id:
            raise InvalidInput("主办单位不能同时协办", "the main unit cannot co-handle", code="invalid_unit")
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.COHANDLING, reason, targets=units)
        _commit(
            actor,
            message,
            "request_cohandling",
            reason=reason,
            data={"request": request.pk, "units": [u.code for u in units]},
        )
        queue("request_pending", message, role=Role.DISPATCHER)
    return message


def do_decide_cohandling(actor: Actor, message: Message, *, approve: bool, note: str = "") -> Message:
    _begin(actor, message, "decide_cohandling")
    request = _pending(message, RequestKind.COHANDLING)
    if not approve:
        _required(note, "不同意理由", "reason")
    at = clock_now()
    with transaction.atomic():
        _decide(request, actor, approve, note)
        units = list(request.target_units.all()) if approve else []
        for unit in units:
            Assignment.objects.get_or_create(
                message=message, unit=unit, is_active=True, defaults={"role": AssignmentRole.CO, "created_at": at}
            )
            queue("dispatched", message, unit=unit)
        _commit(
            actor,
            message,
            "decide_cohandling",
            reason=note,
            at=at,
            data={"request": request.pk, "approved": approve, "units": [u.code for u in units]},
        )
        queue("request_decided", message, unit=message.unit, body=note)
    return message


def do_request_extension(actor: Actor, message: Message, *, due_at: dt.datetime, reason: str) -> Message:
    """申请延期: one extension per message, decided by the platform."""
    _begin(actor, message, "request_extension")
    reason = _required(reason, "延期理由", "reason")
    if message.extension_count >= 1:
        raise InvalidInput("每件留言只能延期一次", "a message can be extended only once", code="extension_used")
    if timezone.is_naive(due_at):
        raise InvalidInput("日期需带时区", "the date needs a time zone", code="invalid_date")
    if message.due_at is not None and due_at <= message.due_at:
        raise InvalidInput(
            "延期后的期限须晚于当前期限", "the new deadline must be later than the current one", code="invalid_date"
        )
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.EXTENSION, reason, requested_due_at=due_at)
        _commit(
            actor,
            message,
            "request_extension",
            reason=reason,
            data={"request": request.pk, "due_at": due_at.isoformat()},
        )
        queue("request_pending", message, role=Role.DISPATCHER)
    return message


def do_decide_extension(
    actor: Actor, message: Message, *, approve: bool, due_at: dt.datetime | None = None, note: str = ""
) -> Message:
    _begin(actor, message, "decide_extension")
    request = _pending(message, RequestKind.EXTENSION)
    if not approve:
        _required(note, "不同意理由", "reason")
    new_due = due_at or request.requested_due_at
    with transaction.atomic():
        _decide(request, actor, approve, note)
        fields: dict[str, Any] = {}
        if approve and new_due is not None:
            fields = {"due_at": new_due, "extension_count": message.extension_count + 1, **_sla_reset(message)}
        _commit(
            actor,
            message,
            "decide_extension",
            fields=fields,
            reason=note,
            data={
                "request": request.pk,
                "approved": approve,
                "due_at": new_due.isoformat() if approve and new_due else None,
            },
        )
        queue("request_decided", message, unit=message.unit, body=note)
        if approve:
            queue_for_author("extended", message)
    return message


def do_record_contact(actor: Actor, message: Message, *, summary: str, channel: str = "phone") -> Message:
    """Log a contact with the citizen; the first one settles the response-time (响应率) measure."""
    _begin(actor, message, "record_contact")
    summary = _required(summary, "联系情况", "summary")
    assert actor.user is not None
    at = clock_now()
    fields: dict[str, Any] = {}
    if message.contacted_at is None:
        fields = {
            "contacted_at": at,
            "contacted_on_time": message.contact_due_at is None or at <= message.contact_due_at,
        }
    with transaction.atomic():
        ContactLog.objects.create(message=message, by=actor.user, channel=channel[:20], summary=summary, at=at)
        _commit(actor, message, "record_contact", fields=fields, at=at, data={"channel": channel})
    return message


def do_wait_for_citizen(actor: Actor, message: Message, *, question: str) -> Message:
    """待补充: ask the citizen for more information; the handling clock pauses."""
    _begin(actor, message, "wait_for_citizen")
    question = _required(question, "需补充的内容", "question")
    at = clock_now()
    with transaction.atomic():
        _commit(
            actor,
            message,
            "wait_for_citizen",
            to_state=S.WAITING_CITIZEN,
            fields={"paused_at": at},
            reason=question,
            at=at,
        )
        queue_for_author("need_info", message, body=question)
    return message


def do_resume(actor: Actor, message: Message, *, supplement: str = "") -> Message:
    """The citizen supplies what was asked (or the unit resumes); the deadline moves by the paused time."""
    _begin(actor, message, "resume")
    if actor.role == Role.CITIZEN:
        supplement = _required(supplement, "补充内容", "supplement")
    at = clock_now()
    fields: dict[str, Any] = {"paused_at": None}
    if message.paused_at is not None and message.due_at is not None:
        remaining = working_time_between(message.paused_at, message.due_at)
        fields["due_at"] = add_working_time(at, remaining)
        fields.update(_sla_reset(message))
    with transaction.atomic():
        _commit(
            actor,
            message,
            "resume",
            to_state=S.IN_PROGRESS,
            fields=fields,
            reason=supplement,
            at=at,
            data={"due_at": fields["due_at"].isoformat() if "due_at" in fields else None},
        )
        if actor.role == Role.CITIZEN:
            queue("info_supplied", message, unit=message.unit)
    return message


def do_add_note(actor: Actor, message: Message, *, body: str) -> Note:
    _begin(actor, message, "add_note")
    body = _required(body, "备注内容", "note")
    assert actor.user is not None
    at = clock_now()
    with transaction.atomic():
        note = Note.objects.create(message=message, by=actor.user, body=body, at=at)
        _commit(actor, message, "add_note", at=at, data={"note": note.pk})
    return note


# ---------------------------------------------------------------------------------------------------------------
# Replies


def do_submit_reply(actor: Actor, message: Message, *, body: str, regulations: Sequence[str] = ()) -> Reply:
    """The unit submits its reply draft for review by the unit head."""
    _begin(actor, message, "submit_reply")
    body = _required(body, "答复内容", "reply body")
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
        _commit(
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


_STAGE_REVIEWER = {ReviewStage.UNIT: Role.UNIT_HEAD, ReviewStage.PLATFORM: Role.REVIEWER}


def _check_review_stage(actor: Actor, message: Message) -> None:
    """The unit stage of reply review belongs to the unit head, the platform stage to a reviewer."""
    if _STAGE_REVIEWER.get(ReviewStage(message.review_stage)) != actor.role:
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
    _begin(actor, message, "approve_reply")
    _check_review_stage(actor, message)
    reply = _reply_under_review(message)
    at = clock_now()
    with transaction.atomic():
        if message.review_stage == ReviewStage.UNIT and message.board.platform_reviews_replies:
            _commit(
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
        _commit(
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
        _reply_to_group(message, reply)
    return message


def do_send_back_reply(actor: Actor, message: Message, *, reason: str) -> Message:
    _begin(actor, message, "send_back_reply")
    _check_review_stage(actor, message)
    reason = _required(reason, "退回理由", "reason")
    reply = _reply_under_review(message)
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(status=ReplyStatus.SENT_BACK)
        _commit(
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


def _reply_to_group(primary: Message, reply: Reply, only: Sequence[Message] | None = None) -> None:
    """Messages merged into `primary` get its published reply as their own (one reply answers the group)."""
    members = list(only) if only is not None else list(primary.duplicates.select_related("board", "author"))
    for member in members:
        if member.state == S.MERGED:
            do_group_reply(Actor.system(), member, reply=reply)


def do_group_reply(actor: Actor, message: Message, *, reply: Reply | None = None) -> Message:
    """A merged duplicate receives the reply published on its primary message."""
    _begin(actor, message, "group_reply")
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
        _commit(
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


# ---------------------------------------------------------------------------------------------------------------
# Feedback: rating, follow-up, reopening, closing


def do_rate(
    actor: Actor, message: Message, *, satisfaction: str, resolved: bool | None = None, reason: str = ""
) -> Rating:
    """评价. A satisfied rating closes the message; an unsatisfied one (with its reason) goes to supervisors."""
    _begin(actor, message, "rate")
    _choice(satisfaction, Satisfaction, "满意度", "satisfaction")
    if satisfaction == Satisfaction.UNSATISFIED:
        reason = _required(reason, "不满意的原因", "reason for dissatisfaction")
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
        _commit(
            actor,
            message,
            "rate",
            to_state=S.RATED,
            fields={"rated_at": at},
            reason=reason,
            at=at,
            data={"satisfaction": satisfaction, "resolved": resolved, "rating": rating.pk},
        )
        if message.unit is not None:
            queue("rated", message, unit=message.unit)
        if satisfaction == Satisfaction.UNSATISFIED:
            queue("unsatisfied", message, role=Role.SUPERVISOR, body=reason)
        else:
            _close(Actor.system(), message, reason="评价满意，自动办结 / closed on a satisfied rating", at=at)
    return rating


def do_follow_up(actor: Actor, message: Message, *, question: str) -> Message:
    """追问: the citizen asks again; the unit answers within the inquiry (咨询) deadline."""
    _begin(actor, message, "follow_up")
    question = _required(question, "追问内容", "question")
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
            _commit(actor, message, "follow_up", to_state=S.UNDER_REVIEW, fields=count, reason=question, at=at)
            queue("follow_up", message, role=Role.REVIEWER, body=question)
            return message
        span = span_for(
            "handle",
            message_type=MessageType.INQUIRY,
            category=message.category,
            board=message.board,
            urgent=message.is_urgent,
        )
        _commit(
            actor,
            message,
            "follow_up",
            to_state=S.IN_PROGRESS,
            reason=question,
            at=at,
            fields={**count, "due_at": span.due_after(at), "replied_at": None, "replied_on_time": None, **_SLA_RESET},
        )
        queue("follow_up", message, unit=message.unit, body=question)
    return message


def do_reopen(actor: Actor, message: Message, *, reason: str) -> Message:
    """重办 after a justified 不满意: back to handling with a new deadline; too many rounds escalate (提级督办)."""
    _begin(actor, message, "reopen")
    reason = _required(reason, "重办理由", "reason")
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
        **_SLA_RESET,
    }
    if escalate:
        fields.update(supervision_level=SupervisionLevel.ESCALATED, is_problem_case=True)
    with transaction.atomic():
        if message.unit is None:
            _commit(
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
            _commit(
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


def _close(actor: Actor, message: Message, *, reason: str = "", at: dt.datetime | None = None) -> None:
    _begin(actor, message, "close")
    at = at or clock_now()
    _commit(
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
    _begin(actor, message, "close")
    with transaction.atomic():
        _close(actor, message, reason=reason)
    return message


def do_archive(actor: Actor, message: Message) -> Message:
    _begin(actor, message, "archive")
    at = clock_now()
    with transaction.atomic():
        _commit(actor, message, "archive", to_state=S.ARCHIVED, fields={"archived_at": at}, at=at)
    return message


# ---------------------------------------------------------------------------------------------------------------
# Supervision overlays


def do_urge(actor: Actor, message: Message, *, note: str = "", sla_stage: int | None = None) -> Message:
    """催办: a reminder to the unit, counted."""
    _begin(actor, message, "urge")
    fields: dict[str, Any] = {"urge_count": message.urge_count + 1}
    if sla_stage is not None:
        fields["sla_stage"] = sla_stage
    with transaction.atomic():
        _commit(actor, message, "urge", fields=fields, reason=note, data={"count": fields["urge_count"]})
        queue("urged", message, unit=message.unit, body=note)
    return message


def do_supervise(
    actor: Actor, message: Message, *, level: str, note: str = "", sla_stage: int | None = None
) -> Message:
    """督办: put the message under supervision (一般/重点/提级)."""
    _begin(actor, message, "supervise")
    _choice(level, SupervisionLevel, "督办级别", "supervision level")
    fields: dict[str, Any] = {"supervision_level": level}
    if sla_stage is not None:
        fields["sla_stage"] = sla_stage
    with transaction.atomic():
        _commit(actor, message, "supervise", fields=fields, reason=note, data={"level": level})
        if message.unit is not None:
            queue("supervised", message, unit=message.unit, body=note)
    return message


def do_flag_key(actor: Actor, message: Message, *, reason: str, is_key: bool = True) -> Message:
    """重点留言: safety hazards, threats to life or property, wage arrears … go on the supervisors' screen."""
    _begin(actor, message, "flag_key")
    reason = _required(reason, "原因", "reason")
    with transaction.atomic():
        _commit(
            actor,
            message,
            "flag_key",
            fields={"is_key": is_key, "key_reason": reason if is_key else ""},
            reason=reason,
            data={"is_key": is_key},
        )
        if is_key:
            queue("key_message", message, role=Role.SUPERVISOR, body=reason)
    return message


def do_set_sla_light(actor: Actor, message: Message, *, warning: str, overdue: bool, sla_stage: int) -> Message:
    """The deadline ladder's own rung: yellow light before the deadline, red light and overdue after it."""
    _begin(actor, message, "sla_light")
    with transaction.atomic():
        _commit(
            actor,
            message,
            "sla_light",
            fields={"warning": warning, "is_overdue": overdue, "sla_stage": sla_stage},
            data={"warning": warning, "overdue": overdue},
        )
        queue("overdue" if overdue else "due_soon", message, unit=message.unit)
    return message


# ---------------------------------------------------------------------------------------------------------------
# Imported history


@dataclass
class ImportedMessage:
    external_id: str
    board: Board
    type: str
    title: str
    body: str
    submitted_at: dt.datetime
    category: Category | None = None
    region: Region | None = None
    nickname: str = ""
    supports: int = 0
    opposes: int = 0
    reply_body: str = ""
    replied_at: dt.datetime | None = None
    closed: bool = False


def do_import_message(actor: Actor, item: ImportedMessage) -> tuple[Message, bool]:
    """Load a message from another system with its known outcome. Idempotent by external id."""
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise Forbidden("只有管理员可以导入", "only admins may import", code="role_forbidden")
    existing = Message.objects.filter(external_id=item.external_id).order_by().first()
    if existing is not None:
        return existing, False
    errors = validate_text(item.title, item.body)
    if errors:
        raise InvalidInput("标题或内容无效", "invalid title or body", details=errors)
    _choice(item.type, MessageType, "留言类型", "message type")
    if item.reply_body:
        state = S.CLOSED if item.closed else S.REPLIED
    else:
        state = S.UNDER_REVIEW
    replied_at = item.replied_at or item.submitted_at
    with transaction.atomic():
        message = _create_numbered(
            query_code=None,
            external_id=item.external_id,
            source=Source.IMPORT,
            type=item.type,
            category=item.category,
            region=item.region,
            board=item.board,
            title=item.title,
            body=item.body,
            nickname=(item.nickname or "网友")[:40],
            state=state,
            submitted_at=item.submitted_at,
            accepted_at=item.submitted_at if item.reply_body else None,
            replied_at=replied_at if item.reply_body else None,
            closed_at=replied_at if state == S.CLOSED else None,
            supports=item.supports,
            opposes=item.opposes,
        )
        if item.reply_body:
            Reply.objects.create(
                message=message,
                kind=ReplyKind.IMPORTED,
                body=item.reply_body.strip(),
                status=ReplyStatus.PUBLISHED,
                created_at=replied_at,
                published_at=replied_at,
            )
        Event.objects.create(
            message=message,
            action="import",
            actor=actor.user,
            actor_role=actor.role,
            at=clock_now(),
            from_state="",
            to_state=state,
            data={"external_id": item.external_id, "submitted_at": item.submitted_at.isoformat()},
        )
    return message, True

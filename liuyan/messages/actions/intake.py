"""Creating messages: citizen submission (and intake for review), and import of history from other systems."""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liuyan.accounts.models import Role
from liuyan.common.clock import now as clock_now
from liuyan.common.errors import Forbidden, InvalidInput, ServiceUnavailable
from liuyan.geo.models import Region
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import S, begin, choice, commit
from liuyan.messages.models import (
    Attachment,
    Event,
    Message,
    MessageType,
    Reply,
    ReplyKind,
    ReplyStatus,
    Source,
    validate_text,
)
from liuyan.messages.privacy import mask_personal_data
from liuyan.messages.querycode import hash_query_code, new_query_code
from liuyan.notify.queue import queue_for_author
from liuyan.orgs.models import Board
from liuyan.rollups import upkeep as rollups
from liuyan.search.index import index_message
from liuyan.taxonomy.models import Category


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
    choice(type, MessageType, "留言类型", "message type")
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
            message = create_numbered(
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


def create_numbered(
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
    rollups.record(None, rollups.snapshot(message, None))
    index_message(message)
    return message


def do_intake(actor: Actor, message: Message, *, at: dt.datetime | None = None) -> Message:
    """Queue a new message for review after the intake pipeline (智能录入 · 智能判处) has read it: it fills in an
    empty category or region it is sure of, keeps its reading for staff, and puts key messages on the
    supervisors' screen."""
    from liuyan.intake.hooks import key_reason, run_intake

    begin(actor, message, "intake")
    with transaction.atomic():
        result, fill = run_intake(message)
        commit(
            actor,
            message,
            "intake",
            to_state=S.UNDER_REVIEW,
            fields=fill,
            at=at,
            data={
                "decision": result.decision,
                "confidence": result.confidence,
                "filled": {k: v.pk for k, v in fill.items()},
                "flags": [f.get("code") for f in result.flags],
                "problems": [p.get("code") for p in result.problems],
            },
        )
        reason = key_reason(result)
        if reason and not message.is_key:
            from liuyan.messages.actions.supervision import do_flag_key

            do_flag_key(actor, message, reason=f"智能识别：{reason}"[:200])
    return message


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
    choice(item.type, MessageType, "留言类型", "message type")
    if item.reply_body:
        state = S.CLOSED if item.closed else S.REPLIED
    else:
        state = S.UNDER_REVIEW
    replied_at = item.replied_at or item.submitted_at
    with transaction.atomic():
        message = create_numbered(
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
        from liuyan.intake.hooks import key_reason, run_intake

        result, fill = run_intake(message)  # 智能录入 for imports too: an empty category or region it is sure of
        if fill:
            before = rollups.snapshot(message, None)
            Message.objects.filter(pk=message.pk).update(**fill)
            for name, value in fill.items():
                setattr(message, name, value)
            rollups.record(before, rollups.snapshot(message, None))
        Event.objects.create(
            message=message,
            action="import",
            actor=actor.user,
            actor_role=actor.role,
            at=clock_now(),
            from_state="",
            to_state=state,
            data={
                "external_id": item.external_id,
                "submitted_at": item.submitted_at.isoformat(),
                "intake": {
                    "decision": result.decision,
                    "filled": {k: v.pk for k, v in fill.items()},
                    "flags": [f.get("code") for f in result.flags],
                },
            },
        )
        reason = key_reason(result)
        if reason and state == S.UNDER_REVIEW:
            from liuyan.messages.actions.supervision import do_flag_key

            do_flag_key(Actor.system(), message, reason=f"智能识别：{reason}"[:200])
    return message, True

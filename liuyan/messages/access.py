"""Who may see and act on which message: the one home of permission-checked fetches."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from liuyan.accounts.models import PLATFORM_ROLES, Role, User
from liuyan.common import ratelimit
from liuyan.common.clock import now
from liuyan.common.errors import Forbidden, NotFound
from liuyan.messages.models import REVIEWER_OF_STAGE, Assignment, AssignmentRole, Message, ReviewStage
from liuyan.messages.querycode import hash_query_code
from liuyan.messages.states import PUBLIC_LISTED_STATES, allowed_actions
from liuyan.orgs.models import Unit


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user in a role, the system, or an anonymous author proven by number + 查询码."""

    user: User | None
    role: str
    proven_message_id: int | None = None

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user=user, role=user.role)

    @classmethod
    def system(cls) -> "Actor":
        return cls(user=None, role=Role.SYSTEM)

    @classmethod
    def anonymous_author(cls, message: Message) -> "Actor":
        return cls(user=None, role=Role.CITIZEN, proven_message_id=message.pk)

    def is_author_of(self, message: Message) -> bool:
        if self.proven_message_id is not None:
            return self.proven_message_id == message.pk
        return self.user is not None and message.author_id == self.user.pk

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None


AnyUser = User | AnonymousUser


# Up to this many co-handled (协办) messages a unit's visibility is spelled as a list of ids (see below).
CO_HANDLED_INLINE_LIMIT = 1000


def _unit_scope(user: User) -> list[int]:
    """Units whose messages a unit staff member sees: their unit, plus sub-units for heads.

    Remembered on the user object: one request asks several times (visibility, personal data, every action's
    scope check), and the unit tree walk costs a query per level."""
    assert user.unit is not None
    cached: tuple[int, str, list[int]] | None = getattr(user, "_liuyan_unit_scope", None)
    if cached is not None and cached[:2] == (user.unit.pk, user.role):
        return cached[2]
    scope = user.unit.descendant_ids() if user.role == Role.UNIT_HEAD else [user.unit.pk]
    user._liuyan_unit_scope = (user.unit.pk, user.role, scope)  # type: ignore[attr-defined]
    return scope


def _region_q(user: User, prefix: str = "") -> Q:
    if user.region is None:
        return Q()
    return Q(**{f"{prefix}board__region__path__startswith": user.region.path})


def visible_messages_for(user: AnyUser) -> "QuerySet[Message]":
    """Every message `user` may open. Public pages further restrict to public, listed messages."""
    messages = Message.objects.all()
    if not user.is_authenticated:
        return messages.filter(is_public=True, state__in=PUBLIC_LISTED_STATES)
    assert isinstance(user, User)
    if user.role == Role.CITIZEN:
        return messages.filter(Q(author=user) | Q(is_public=True, state__in=PUBLIC_LISTED_STATES))
    if user.role in (Role.HANDLER, Role.UNIT_HEAD):
        units = _unit_scope(user)
        # The main unit is the message's own column; co-handling units (协办) are the few active co-assignments,
        # read first as a list so that both databases can answer `unit IN … OR id IN …` from two indexes
        # instead of testing a correlated EXISTS on every message (a million-row scan for every unit list).
        co_assignments = Assignment.objects.filter(unit_id__in=units, is_active=True, role=AssignmentRole.CO)
        co_handled = list(co_assignments.values_list("message_id", flat=True)[: CO_HANDLED_INLINE_LIMIT + 1])
        if not co_handled:
            return messages.filter(unit_id__in=units)
        if len(co_handled) > CO_HANDLED_INLINE_LIMIT:  # years of co-handling: let the database join instead
            return messages.filter(Q(unit_id__in=units) | Q(pk__in=co_assignments.values("message_id")))
        return messages.filter(Q(unit_id__in=units) | Q(pk__in=co_handled))
    if user.role in PLATFORM_ROLES:
        return messages.filter(_region_q(user))
    return messages.none()


def on_visible_message(user: AnyUser, column: str = "message_id") -> Exists:
    """For rows that point at a message (notifications, handling requests): is it one `user` may open? A probe of
    each row's message, not `message IN (every visible message)`, which SQLite builds as a list first: 5.5 million
    ids for national staff, on every page."""
    return Exists(visible_messages_for(user).filter(pk=OuterRef(column)))


def access_message_for(user: AnyUser, message_id: int | str, *, related: bool = True) -> Message:
    """Fetch a message by id or number if `user` may see it; otherwise a clear, bilingual error."""
    lookup: dict[str, Any] = (
        {"pk": int(message_id)}
        if isinstance(message_id, int) or (str(message_id).isdigit() and len(str(message_id)) < 12)
        else {"number": str(message_id)}
    )
    base = (
        Message.objects.select_related("board", "category", "region", "unit", "author")
        if related
        else Message.objects.all()
    )
    message = base.filter(**lookup).first()
    if message is None:
        raise NotFound("留言不存在", "message not found", code="message_not_found")
    if visible_messages_for(user).filter(pk=message.pk).exists():
        return message
    if not user.is_authenticated or getattr(user, "role", None) == Role.CITIZEN:
        # Confidential or unpublished messages do not reveal that they exist.
        raise NotFound("留言不存在", "message not found", code="message_not_found")
    raise Forbidden("无权查看该留言", "you may not see this message", code="message_forbidden")


def sees_personal_data(user: AnyUser, message: Message) -> bool:
    """Contact details and unmasked text: the author, the handling units and platform staff (not analysts)."""
    if not user.is_authenticated:
        return False
    assert isinstance(user, User)
    if user.role == Role.CITIZEN:
        return message.author_id == user.pk
    if user.role == Role.ANALYST:
        return False
    return visible_messages_for(user).filter(pk=message.pk).exists()


def check_scope(actor: Actor, message: Message, action: str) -> None:
    """Raise Forbidden unless the actor's role reaches this message (own message, own unit, own region)."""
    role = actor.role
    if role == Role.SYSTEM or role == Role.ADMIN:
        return
    if role == Role.CITIZEN:
        if not actor.is_author_of(message):
            raise Forbidden("只有留言人本人可以操作", "only the author may do this", code="not_author")
        return
    user = actor.user
    if user is None:
        raise Forbidden("需要登录", "you need to log in", code="not_authenticated")
    if role in (Role.HANDLER, Role.UNIT_HEAD):
        if user.unit_id is None:
            raise Forbidden("账号未关联办理单位", "your account has no unit", code="no_unit")
        units = _unit_scope(user)
        if message.unit_id in units:
            return
        if (
            action in CO_UNIT_ACTIONS
            and Assignment.objects.filter(message=message, unit_id__in=units, is_active=True).exists()
        ):
            return
        raise Forbidden("该留言不属于本单位", "this message is not assigned to your unit", code="foreign_unit")
    if role in PLATFORM_ROLES:
        if user.region is not None and not message.board.region.path.startswith(user.region.path):
            raise Forbidden("该留言不在您的管辖地区", "this message is outside your region", code="foreign_region")
        return
    raise Forbidden("无权操作", "you may not do this", code="forbidden")


def open_actions(actor: Actor, message: Message) -> list[str]:
    """What `actor` may do to `message` now: the transition table for the role and state, narrowed by scope
    (own message, unit, region) and by whose turn it is to review a reply."""
    out: list[str] = []
    for action in allowed_actions(message.state, actor.role):
        if action in ("approve_reply", "send_back_reply") and (
            REVIEWER_OF_STAGE.get(ReviewStage(message.review_stage)) != actor.role
        ):
            continue
        try:
            check_scope(actor, message, action)
        except (Forbidden, NotFound):
            continue
        out.append(action)
    return out


# Actions a co-handling (协办) unit may take; everything else needs the main unit.
CO_UNIT_ACTIONS = frozenset({"add_note", "record_contact"})


def units_of(user: User) -> "QuerySet[Unit]":
    return Unit.objects.filter(pk__in=_unit_scope(user)) if user.unit_id else Unit.objects.none()


def access_by_query_code(number: str, code: str, *, client: str = "") -> Message:
    """An anonymous author's way in: message number + 查询码. Wrong guesses are limited per client and number."""
    number, code = (number or "").strip(), (code or "").strip()
    if not number or not code:
        raise NotFound("请输入留言编号和查询码", "enter the message number and the query code", code="missing_code")
    keys = [f"track-fail:n:{number}"] + ([f"track-fail:c:{client}"] if client else [])
    ratelimit.check([(k, settings.TRACK_ATTEMPTS_PER_HOUR) for k in keys])
    message = Message.objects.select_related("board", "category", "region", "unit").filter(number=number).first()
    if message is None or not message.query_code_hash or message.query_code_hash != hash_query_code(number, code):
        ratelimit.hit(keys)
        raise NotFound("留言编号或查询码不正确", "wrong message number or query code", code="wrong_code")
    if message.closed_at is not None and now() > message.closed_at + dt.timedelta(days=settings.QUERY_CODE_TTL_DAYS):
        raise Forbidden(
            "查询码已过期，请登录账号查看",
            "this query code has expired; log in to see the message",
            code="code_expired",
        )
    return message

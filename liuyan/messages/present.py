"""How a message looks to one viewer (public, its author, staff): the one privacy filter of the API and the portal."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.urls import reverse

from liuyan.accounts.models import STAFF_ROLES, Role, User
from liuyan.geo.models import Region
from liuyan.messages.access import Actor, open_actions, sees_personal_data
from liuyan.messages.models import (
    Assignment,
    ContactLog,
    Event,
    HandlingRequest,
    Message,
    MessageType,
    Note,
    Rating,
    Reply,
    ReplyStatus,
    Satisfaction,
    WarningLight,
)
from liuyan.messages.privacy import mask_name, mask_personal_data, mask_phone
from liuyan.messages.states import CREATION_ACTIONS, PUBLIC_STATUS, TRANSITIONS, PublicStatus, State
from liuyan.orgs.models import Board, Unit
from liuyan.taxonomy.models import Category

AnyUser = User | AnonymousUser

# ---------------------------------------------------------------------------------------------------------------
# Small renderings


def split_label(label: str) -> tuple[str, str]:
    """`"投诉 Complaint"` → `("投诉", "Complaint")`: the choices carry both languages in one label."""
    zh, _, en = str(label).partition(" ")
    return zh, en or zh


def choice(value: str, choices: Any) -> dict[str, str]:
    try:
        label = choices(value).label
    except ValueError:
        label = value
    zh, en = split_label(label)
    return {"value": value, "zh": zh, "en": en}


def region_ref(region: Region | None) -> dict[str, Any] | None:
    return None if region is None else {"code": region.code, "name": region.name, "level": region.level}


def category_ref(category: Category | None) -> dict[str, Any] | None:
    return None if category is None else {"id": category.pk, "name": category.name, "path": category.path}


def unit_ref(unit: Unit | None) -> dict[str, Any] | None:
    return None if unit is None else {"code": unit.code, "name": unit.name}


def board_ref(board: Board) -> dict[str, Any]:
    return {"code": board.code, "name": board.name, "level": board.level}


def person(user: User | None) -> str:
    return "" if user is None else f"{user.display_name} ({user.username})"


def action_label(action: str) -> tuple[str, str]:
    if action in TRANSITIONS:
        return TRANSITIONS[action].zh, TRANSITIONS[action].en
    if action in CREATION_ACTIONS:
        return CREATION_ACTIONS[action][0], CREATION_ACTIONS[action][1]
    return action, action


# ---------------------------------------------------------------------------------------------------------------
# The viewer


@dataclass(frozen=True)
class Viewer:
    """Who is looking, decided once per request."""

    user: AnyUser
    actor: Actor | None  # None: nobody who could act (anonymous public)
    kind: str  # "public" | "author" | "staff"
    personal: bool  # may see contact data and the unmasked text
    mask_contact: bool = False  # author proven only by 查询码: contact data stays masked

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


def viewer_for(user: AnyUser, message: Message) -> Viewer:
    if not isinstance(user, User):
        return Viewer(user=AnonymousUser(), actor=None, kind="public", personal=False)
    personal = sees_personal_data(user, message)
    if user.role in STAFF_ROLES:
        return Viewer(user=user, actor=Actor.of(user), kind="staff", personal=personal)
    kind = "author" if message.author_id == user.pk else "public"
    return Viewer(user=user, actor=Actor.of(user), kind=kind, personal=personal)


def viewer_for_query_code(message: Message) -> Viewer:
    """The anonymous author who proved number + 查询码: sees their own text; contact data stays masked."""
    return Viewer(
        user=AnonymousUser(),
        actor=Actor.anonymous_author(message),
        kind="author",
        personal=True,
        mask_contact=True,
    )


def personal_list_view(user: AnyUser) -> bool:
    """Whether list rows of `user` may show original titles: staff who see personal data (not analysts)."""
    return isinstance(user, User) and user.role in STAFF_ROLES and user.role != Role.ANALYST


# ---------------------------------------------------------------------------------------------------------------
# List rows

LIST_RELATED = ("board", "region", "category", "unit")


def message_item(message: Message, *, original_title: bool) -> dict[str, Any]:
    return {
        "number": message.number,
        "title": message.title if original_title else message.public_title,
        "type": choice(message.type, MessageType),
        "state": choice(message.state, State),
        "public_status": choice(PUBLIC_STATUS[message.state], PublicStatus),
        "board": board_ref(message.board),
        "region": region_ref(message.region),
        "category": category_ref(message.category),
        "unit": unit_ref(message.unit),
        "nickname": message.nickname,
        "is_public": message.is_public,
        "is_urgent": message.is_urgent,
        "submitted_at": message.submitted_at,
        "replied_at": message.replied_at,
        "closed_at": message.closed_at,
        "due_at": message.due_at,
        "warning": message.warning,
        "is_overdue": message.is_overdue,
        "is_key": message.is_key,
        "supports": message.supports,
        "opposes": message.opposes,
        "version": message.version,
    }


def list_item_for(message: Message, user: AnyUser) -> dict[str, Any]:
    own = isinstance(user, User) and user.role == Role.CITIZEN and message.author_id == user.pk
    return message_item(message, original_title=own or personal_list_view(user))


# ---------------------------------------------------------------------------------------------------------------
# Timeline

# What the author and the public see of the timeline: the visible lifecycle, not internal handling.
CITIZEN_EVENTS = frozenset(
    {
        "submit",
        "import",
        "intake",
        "accept",
        "reject",
        "answer_directly",
        "merge_duplicate",
        "dispatch",
        "sign",
        "transfer",
        "wait_for_citizen",
        "resume",
        "approve_reply",
        "group_reply",
        "decide_extension",
        "rate",
        "follow_up",
        "reopen",
        "close",
        "archive",
    }
)
# Reasons the author may read (what was asked of them, why it was refused, and their own words).
AUTHOR_REASONS = frozenset({"reject", "wait_for_citizen", "resume", "follow_up", "rate"})


def _citizen_sees(event: Event) -> bool:
    if event.action not in CITIZEN_EVENTS:
        return False
    if event.action == "approve_reply":
        return event.to_state == State.REPLIED
    if event.action == "decide_extension":
        return bool(event.data.get("approved"))
    return True


def event_out(event: Event, viewer: Viewer) -> dict[str, Any] | None:
    zh, en = action_label(event.action)
    if viewer.is_staff:
        full = viewer.personal
        return {
            "action": event.action,
            "zh": zh,
            "en": en,
            "at": event.at,
            "actor_role": event.actor_role,
            "actor": person(event.actor) if event.actor is not None else None,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "reason": event.reason if full else None,
            "data": event.data if full else None,
        }
    if not _citizen_sees(event):
        return None
    own_reason = viewer.kind == "author" and event.action in AUTHOR_REASONS
    return {
        "action": event.action,
        "zh": zh,
        "en": en,
        "at": event.at,
        "actor_role": event.actor_role,
        "actor": None,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason if own_reason else None,
        "data": None,
    }


# ---------------------------------------------------------------------------------------------------------------
# Allowed actions

# action → path under /messages/{number}/ (and, for an anonymous author, under /track/)
ACTION_PATHS: dict[str, str] = {
    "accept": "accept",
    "reject": "reject",
    "answer_directly": "answer-directly",
    "merge_duplicate": "merge",
    "reclassify": "reclassify",
    "redact": "redact",
    "dispatch": "dispatch",
    "sign": "sign",
    "request_return": "request-return",
    "request_transfer": "request-transfer",
    "approve_return": "approve-return",
    "refuse_return": "refuse-return",
    "transfer": "transfer",
    "request_cohandling": "request-cohandling",
    "decide_cohandling": "decide-cohandling",
    "request_extension": "request-extension",
    "decide_extension": "decide-extension",
    "record_contact": "contact",
    "wait_for_citizen": "wait-for-citizen",
    "resume": "resume",
    "add_note": "notes",
    "submit_reply": "reply",
    "approve_reply": "approve-reply",
    "send_back_reply": "send-back-reply",
    "rate": "rate",
    "follow_up": "follow-up",
    "reopen": "reopen",
    "close": "close",
    "archive": "archive",
    "urge": "urge",
    "supervise": "supervise",
    "flag_key": "flag-key",
}
TRACK_PATHS = {"rate": "rate", "follow_up": "follow-up", "resume": "supplement"}


def allowed_for(actor: Actor | None, message: Message, api_root: str) -> list[dict[str, str]]:
    """The actions open to the actor (`open_actions`) with the API path that takes each one."""
    if actor is None:
        return []
    out: list[dict[str, str]] = []
    for action in open_actions(actor, message):
        if action not in ACTION_PATHS:
            continue  # system-only actions
        if actor.proven_message_id is not None and action not in TRACK_PATHS:
            continue
        t = TRANSITIONS[action]
        if actor.proven_message_id is not None:
            path = f"{api_root}track/{TRACK_PATHS[action]}"
        else:
            path = f"{api_root}messages/{message.number}/{ACTION_PATHS[action]}"
        out.append({"action": action, "zh": t.zh, "en": t.en, "path": path})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Detail


def api_root() -> str:
    return reverse("api-v1:api-root")


def attachment_url(message: Message, attachment_id: int) -> str:
    return reverse("api-v1:message_attachment", kwargs={"number": message.number, "attachment_id": attachment_id})


def load_for_detail(message: Message) -> Message:
    """The message again, with everything the detail shows fetched in a fixed number of queries."""
    return (
        Message.objects.select_related("board", "region", "category", "unit", "author", "duplicate_of")
        .prefetch_related(
            Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "id")),
            Prefetch("replies", queryset=Reply.objects.select_related("unit").order_by("created_at", "id")),
            Prefetch("ratings", queryset=Rating.objects.order_by("created_at", "id")),
            "attachments",
        )
        .get(pk=message.pk)
    )


def _staff_block(message: Message) -> dict[str, Any]:
    requests = (
        HandlingRequest.objects.filter(message=message)
        .select_related("unit", "requested_by")
        .prefetch_related("target_units")
        .order_by("-requested_at", "-id")
    )
    return {
        "source": message.source,
        "review_stage": message.review_stage,
        "reject_reason": message.reject_reason,
        "supervision_level": message.supervision_level,
        "urge_count": message.urge_count,
        "key_reason": message.key_reason,
        "is_problem_case": message.is_problem_case,
        "reopen_count": message.reopen_count,
        "follow_up_count": message.follow_up_count,
        "transfer_count": message.transfer_count,
        "return_count": message.return_count,
        "assignments": [
            {"unit": unit_ref(a.unit), "role": a.role, "is_active": a.is_active}
            for a in Assignment.objects.filter(message=message).select_related("unit").order_by("created_at", "id")
        ],
        "requests": [
            {
                "id": r.pk,
                "kind": r.kind,
                "status": r.status,
                "unit": unit_ref(r.unit),
                "requested_by": person(r.requested_by),
                "requested_at": r.requested_at,
                "reason": r.reason,
                "basis": r.basis,
                "target_units": [unit_ref(u) for u in r.target_units.all()],
                "requested_due_at": r.requested_due_at,
                "decided_at": r.decided_at,
                "decision_note": r.decision_note,
            }
            for r in requests
        ],
        "notes": [
            {"at": n.at, "by": person(n.by), "body": n.body}
            for n in Note.objects.filter(message=message).select_related("by").order_by("at", "id")
        ],
        "contacts": [
            {"at": c.at, "by": person(c.by), "channel": c.channel, "summary": c.summary}
            for c in ContactLog.objects.filter(message=message).select_related("by").order_by("at", "id")
        ],
    }


def message_detail(message: Message, viewer: Viewer) -> dict[str, Any]:
    """Everything `viewer` may see of `message`. Unmasked text and contact data only where the rules allow."""
    m = load_for_detail(message)
    data = message_item(m, original_title=False)
    published_only = not viewer.is_staff or not viewer.personal
    replies = [r for r in m.replies.all() if not published_only or r.status == ReplyStatus.PUBLISHED]
    timeline = [e for e in (event_out(ev, viewer) for ev in m.events.all()) if e is not None]
    sees_reasons = viewer.personal
    personal = None
    if viewer.personal:
        personal = {
            "title": m.title,
            "body": m.body,
            "contact_name": mask_name(m.contact_name) if viewer.mask_contact else m.contact_name,
            "contact_phone": mask_phone(m.contact_phone) if viewer.mask_contact else m.contact_phone,
            "contact_email": mask_personal_data(m.contact_email) if viewer.mask_contact else m.contact_email,
            "author": m.author.username if m.author is not None and not viewer.mask_contact else None,
        }
    data.update(
        {
            "body": m.public_body,
            "viewer": viewer.kind,
            "accepted_at": m.accepted_at,
            "rated_at": m.rated_at,
            "duplicate_of": m.duplicate_of.number if m.duplicate_of is not None else None,
            "deadlines": {
                "due_at": m.due_at,
                "sign_due_at": m.sign_due_at,
                "contact_due_at": m.contact_due_at,
                "paused_at": m.paused_at,
                "warning": choice(m.warning, WarningLight),
                "is_overdue": m.is_overdue,
                "extension_count": m.extension_count,
            },
            "timeline": timeline,
            "replies": [
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "status": r.status,
                    "body": r.body,
                    "regulations": [str(x) for x in r.regulations or []],
                    "unit": unit_ref(r.unit),
                    "round": r.round,
                    "created_at": r.created_at,
                    "published_at": r.published_at,
                }
                for r in replies
            ],
            "ratings": [
                {
                    "satisfaction": choice(r.satisfaction, Satisfaction),
                    "resolved": r.resolved,
                    "reason": r.reason if sees_reasons else None,
                    "round": r.round,
                    "created_at": r.created_at,
                }
                for r in m.ratings.all()
            ],
            "attachments": [
                {
                    "id": a.pk,
                    "name": a.name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": attachment_url(m, a.pk),
                }
                for a in m.attachments.all()
            ]
            if viewer.personal and not viewer.mask_contact
            else [],
            "personal": personal,
            "staff": _staff_block(m) if viewer.is_staff and viewer.personal else None,
            "allowed_actions": allowed_for(viewer.actor, m, api_root()),
        }
    )
    return data

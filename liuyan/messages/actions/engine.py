"""The engine of every action: check the table, compare-and-set the message row, append the event."""

import datetime as dt
from typing import Any

from liuyan.common.clock import now as clock_now
from liuyan.common.errors import Conflict, Forbidden, InvalidInput, InvalidTransition
from liuyan.messages.access import Actor, check_scope
from liuyan.messages.models import (
    Event,
    Message,
    Rating,
    WarningLight,
)
from liuyan.messages.states import TRANSITIONS, State
from liuyan.orgs.models import Unit
from liuyan.rollups import upkeep as rollups

S = State


def begin(actor: Actor, message: Message, action: str) -> None:
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


def check_version(message: Message, version: int | None) -> None:
    """Optimistic concurrency for clients holding a copy: a stale `version` is refused before anything runs."""
    if version is not None and version != message.version:
        raise Conflict(
            "该留言已被更新，请刷新后重试",
            "the message changed since you loaded it: reload and try again",
            details={"current_version": message.version, "your_version": version},
        )


def commit(
    actor: Actor,
    message: Message,
    action: str,
    *,
    to_state: str | None = None,
    fields: dict[str, Any] | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    rating: Rating | None = None,
) -> Event:
    """Compare-and-set the message row, keep the rollups, then append the event. Call inside
    `transaction.atomic()`. `rating`: the rating this action has just created (`rate`), so that the rollups'
    "before" does not see it yet."""
    t = TRANSITIONS[action]
    new_state = to_state or message.state
    if to_state is not None and to_state not in t.targets:
        raise AssertionError(f"{action} cannot lead to {to_state}")
    changes = dict(fields or {})
    # The rollups: the stored row before (the in-memory copy may already hold some of the changes), and after:
    # its fields as loaded, if the copy still has them at this version, else read again.
    stored = rollups.loaded_snapshot(message, exclude_rating=rating)
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
    if stored is not None:
        before, rating_before, fields_before = stored
        after = rollups.changed(fields_before, new_state, changes)
        rollups.record(before, rollups.snapshot(after, _rating_after(after, rating_before, rating)))
        rollups.remember(message, after)
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


def _rating_after(message: Any, before: Rating | None, new: Rating | None) -> Rating | None:
    if message.rated_at is None:
        return None
    if new is not None:
        return new
    return before if before is not None else rollups.latest_rating(message)


def required(text: str | None, zh: str, en: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"请填写{zh}", f"{en} is required", code="missing_field", details={"field": en})
    return text


def choice(value: str, choices: Any, zh: str, en: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            f"{zh}无效：{value}",
            f"invalid {en}: {value}",
            code="invalid_choice",
            details={"field": en, "allowed": list(choices.values)},
        )
    return value


def active_unit(unit: Unit | None) -> Unit:
    if unit is None or not unit.is_active:
        raise InvalidInput("办理单位无效或已停用", "the unit does not exist or is inactive", code="invalid_unit")
    return unit


SLA_RESET: dict[str, Any] = {"warning": WarningLight.NONE, "is_overdue": False, "sla_stage": 0}


def sla_reset(message: Message) -> dict[str, Any]:
    """Fields that start the deadline ladder afresh (after a new deadline); empty if it already is fresh."""
    if message.sla_stage == 0 and not message.is_overdue and message.warning == WarningLight.NONE:
        return {}
    return dict(SLA_RESET)

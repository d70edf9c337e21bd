"""Supervision overlays (督查): 催办, 督办, key messages, and the deadline ladder's warning lights."""

from typing import Any

from django.db import transaction

from liuyan.accounts.models import Role
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import begin, choice, commit, required
from liuyan.messages.models import (
    Message,
    SupervisionLevel,
)
from liuyan.notify.queue import queue


def do_urge(actor: Actor, message: Message, *, note: str = "", sla_stage: int | None = None) -> Message:
    """催办: a reminder to the unit, counted."""
    begin(actor, message, "urge")
    fields: dict[str, Any] = {"urge_count": message.urge_count + 1}
    if sla_stage is not None:
        fields["sla_stage"] = sla_stage
    with transaction.atomic():
        commit(actor, message, "urge", fields=fields, reason=note, data={"count": fields["urge_count"]})
        queue("urged", message, unit=message.unit, body=note)
    return message


def do_supervise(
    actor: Actor, message: Message, *, level: str, note: str = "", sla_stage: int | None = None
) -> Message:
    """督办: put the message under supervision (一般/重点/提级)."""
    begin(actor, message, "supervise")
    choice(level, SupervisionLevel, "督办级别", "supervision level")
    fields: dict[str, Any] = {"supervision_level": level}
    if sla_stage is not None:
        fields["sla_stage"] = sla_stage
    with transaction.atomic():
        commit(actor, message, "supervise", fields=fields, reason=note, data={"level": level})
        if message.unit is not None:
            queue("supervised", message, unit=message.unit, body=note)
    return message


def do_flag_key(actor: Actor, message: Message, *, reason: str, is_key: bool = True) -> Message:
    """重点留言: safety hazards, threats to life or property, wage arrears … go on the supervisors' screen."""
    begin(actor, message, "flag_key")
    reason = required(reason, "原因", "reason")
    with transaction.atomic():
        commit(
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
    begin(actor, message, "sla_light")
    with transaction.atomic():
        commit(
            actor,
            message,
            "sla_light",
            fields={"warning": warning, "is_overdue": overdue, "sla_stage": sla_stage},
            data={"warning": warning, "overdue": overdue},
        )
        queue("overdue" if overdue else "due_soon", message, unit=message.unit)
    return message

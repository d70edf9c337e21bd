"""Dispatch and handling (交办·办理): dispatch, sign, returns, transfers, co-handling, extensions, contact, pauses."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from liuyan.accounts.models import Role
from liuyan.common.clock import now as clock_now
from liuyan.common.errors import InvalidInput, InvalidTransition
from liuyan.deadlines.clock import add_working_time, working_time_between
from liuyan.deadlines.policy import due_for
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import SLA_RESET, S, active_unit, begin, choice, commit, required, sla_reset
from liuyan.messages.models import (
    Assignment,
    AssignmentRole,
    ContactLog,
    HandlingRequest,
    Message,
    Note,
    RequestKind,
    RequestStatus,
    ReturnBasis,
    ReviewStage,
)
from liuyan.notify.queue import queue, queue_for_author
from liuyan.orgs.models import Unit


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
        **SLA_RESET,
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
    begin(actor, message, "dispatch")
    unit = active_unit(unit)
    for co in co_units:
        active_unit(co)
    at = clock_now()
    with transaction.atomic():
        commit(
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
        if actor.user is not None:  # a person's choice of unit: training data for the router
            from liuyan.intake.hooks import record_decision

            record_decision(actor, message, task="department", label=unit.code)
    return message


def do_sign(actor: Actor, message: Message) -> Message:
    """签收: the unit takes the message on; the first-contact clock starts."""
    begin(actor, message, "sign")
    at = clock_now()
    on_time = message.sign_due_at is None or at <= message.sign_due_at
    with transaction.atomic():
        commit(
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
    begin(actor, message, "request_return")
    reason = required(reason, "退回理由", "reason")
    choice(basis, ReturnBasis, "退回依据", "return basis")
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.RETURN, reason, basis=basis)
        commit(
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
    begin(actor, message, "request_transfer")
    reason = required(reason, "转办理由", "reason")
    active_unit(target_unit)
    if target_unit.pk == message.unit_id:
        raise InvalidInput("不能转办给本单位", "cannot transfer to your own unit", code="invalid_unit")
    if basis:
        choice(basis, ReturnBasis, "转办依据", "basis")
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.TRANSFER, reason, basis=basis, targets=[target_unit])
        commit(
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
    begin(actor, message, "approve_return")
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
            commit(
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
                    **SLA_RESET,
                },
                data={"request": request.pk, "kind": request.kind},
            )
        else:
            active_unit(to_unit)
            commit(
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
            if actor.user is not None:  # the unit people chose after the first one sent it back
                from liuyan.intake.hooks import record_decision
                from liuyan.intake.models import ExampleSource

                record_decision(actor, message, task="department", label=to_unit.code, source=ExampleSource.RETURN)
        queue("request_decided", message, unit=old_unit, body=note)
    return message


def do_refuse_return(actor: Actor, message: Message, *, reason: str) -> Message:
    """强制派单: the platform keeps the message with the unit, which carries on where it was."""
    begin(actor, message, "refuse_return")
    reason = required(reason, "不同意理由", "reason")
    request = _pending(message, RequestKind.RETURN, RequestKind.TRANSFER)
    back_to = message.resume_state or (S.IN_PROGRESS if message.signed_at else S.DISPATCHED)
    with transaction.atomic():
        _decide(request, actor, False, reason)
        commit(
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
    begin(actor, message, "transfer")
    reason = required(reason, "转办理由", "reason")
    unit = active_unit(unit)
    if unit.pk == message.unit_id:
        raise InvalidInput("已由该单位办理", "that unit already handles it", code="invalid_unit")
    at = clock_now()
    old_unit = message.unit
    with transaction.atomic():
        commit(
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
        if actor.user is not None:
            from liuyan.intake.hooks import record_decision
            from liuyan.intake.models import ExampleSource

            record_decision(actor, message, task="department", label=unit.code, source=ExampleSource.RETURN)
        queue("dispatched", message, unit=unit)
    return message


def do_request_cohandling(actor: Actor, message: Message, *, units: Sequence[Unit], reason: str) -> Message:
    begin(actor, message, "request_cohandling")
    reason = required(reason, "协办理由", "reason")
    if not units:
        raise InvalidInput("请选择协办单位", "choose the co-handling units", code="missing_field")
    for unit in units:
        active_unit(unit)
        if unit.pk == message.unit_id:
            raise InvalidInput("主办单位不能同时协办", "the main unit cannot co-handle", code="invalid_unit")
    with transaction.atomic():
        request = _open_request(actor, message, RequestKind.COHANDLING, reason, targets=units)
        commit(
            actor,
            message,
            "request_cohandling",
            reason=reason,
            data={"request": request.pk, "units": [u.code for u in units]},
        )
        queue("request_pending", message, role=Role.DISPATCHER)
    return message


def do_decide_cohandling(actor: Actor, message: Message, *, approve: bool, note: str = "") -> Message:
    begin(actor, message, "decide_cohandling")
    request = _pending(message, RequestKind.COHANDLING)
    if not approve:
        required(note, "不同意理由", "reason")
    at = clock_now()
    with transaction.atomic():
        _decide(request, actor, approve, note)
        units = list(request.target_units.all()) if approve else []
        for unit in units:
            Assignment.objects.get_or_create(
                message=message, unit=unit, is_active=True, defaults={"role": AssignmentRole.CO, "created_at": at}
            )
            queue("dispatched", message, unit=unit)
        commit(
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
    begin(actor, message, "request_extension")
    reason = required(reason, "延期理由", "reason")
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
        commit(
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
    begin(actor, message, "decide_extension")
    request = _pending(message, RequestKind.EXTENSION)
    if not approve:
        required(note, "不同意理由", "reason")
    new_due = due_at or request.requested_due_at
    with transaction.atomic():
        _decide(request, actor, approve, note)
        fields: dict[str, Any] = {}
        if approve and new_due is not None:
            fields = {"due_at": new_due, "extension_count": message.extension_count + 1, **sla_reset(message)}
        commit(
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
    begin(actor, message, "record_contact")
    summary = required(summary, "联系情况", "summary")
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
        commit(actor, message, "record_contact", fields=fields, at=at, data={"channel": channel})
    return message


def do_wait_for_citizen(actor: Actor, message: Message, *, question: str) -> Message:
    """待补充: ask the citizen for more information; the handling clock pauses."""
    begin(actor, message, "wait_for_citizen")
    question = required(question, "需补充的内容", "question")
    at = clock_now()
    with transaction.atomic():
        commit(
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
    begin(actor, message, "resume")
    if actor.role == Role.CITIZEN:
        supplement = required(supplement, "补充内容", "supplement")
    at = clock_now()
    fields: dict[str, Any] = {"paused_at": None}
    if message.paused_at is not None and message.due_at is not None:
        remaining = working_time_between(message.paused_at, message.due_at)
        fields["due_at"] = add_working_time(at, remaining)
        fields.update(sla_reset(message))
    with transaction.atomic():
        commit(
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
    begin(actor, message, "add_note")
    body = required(body, "备注内容", "note")
    assert actor.user is not None
    at = clock_now()
    with transaction.atomic():
        note = Note.objects.create(message=message, by=actor.user, body=body, at=at)
        commit(actor, message, "add_note", at=at, data={"note": note.pk})
    return note

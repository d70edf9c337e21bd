"""One POST endpoint per lifecycle action: parse, fetch with access check, call the `do_*` action, show the result."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Body, Router

from liuyan.api import lookups
from liuyan.api.auth import AUTH_REQUIRED, require_user, user_of
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.routes.messages import find_message
from liuyan.api.schemas import (
    ActionIn,
    AnswerIn,
    ApproveReturnIn,
    BodyIn,
    CohandlingIn,
    ContactIn,
    DecideExtensionIn,
    DecideIn,
    DispatchIn,
    ExtensionIn,
    FlagKeyIn,
    MergeIn,
    MessageDetail,
    NoteIn,
    QuestionIn,
    RateIn,
    ReasonIn,
    ReclassifyIn,
    RedactIn,
    RejectIn,
    ReplyIn,
    ReturnIn,
    SuperviseIn,
    SupplementIn,
    TransferIn,
    TransferRequestIn,
)
from liuyan.common.errors import Forbidden, InvalidInput, NotFound
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.actions.engine import check_version
from liuyan.messages.models import Message
from liuyan.messages.present import message_detail, viewer_for

router = Router(tags=["lifecycle"])

Run = Callable[[Actor, Message], object]

# Defaults for bodies whose fields are all optional: such actions may be posted with an empty body.
NO_BODY, NO_NOTE, NO_REASON, NO_SUPPLEMENT = ActionIn(), NoteIn(), ReasonIn(), SupplementIn()


def act(request: HttpRequest, number: str, data: ActionIn, run: Run) -> dict[str, Any]:
    """Access check, version check, then `run` (which resolves the body's references and calls the action)."""
    user = require_user(request)
    message = find_message(request, number)
    check_version(message, data.version)
    run(Actor.of(user), message)
    return message_detail(message, viewer_for(user_of(request), message))


def action(path: str, summary: str, description: str = "") -> Callable[[Any], Any]:
    return router.post(
        f"/messages/{{number}}/{path}",
        auth=AUTH_REQUIRED,
        response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
        summary=summary,
        description=description or summary,
    )


def other_message(request: HttpRequest, number: str, field: str) -> Message:
    """A message named in a body (the primary of a merge, the original of a duplicate)."""
    try:
        return find_message(request, number)
    except (NotFound, Forbidden):
        raise InvalidInput(
            f"所引用的留言不存在：{number}",
            f"the referenced message does not exist: {number}",
            code="invalid_message",
            details={"field": field},
        ) from None


# ---------------------------------------------------------------------------------------------------------------
# Review


@action("accept", "受理 Accept", "Reviewer: accept a message under review.")
def accept(request: HttpRequest, number: str, data: Body[NoteIn] = NO_NOTE) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_accept(a, m, note=data.note))


@action("reject", "不予受理 Reject", "Reviewer: reject with a reason code (and the duplicated message's number).")
def reject(request: HttpRequest, number: str, data: RejectIn) -> dict[str, Any]:
    def run(a: Actor, m: Message) -> object:
        duplicate_of = other_message(request, data.duplicate_of, "duplicate_of") if data.duplicate_of else None
        return actions.do_reject(a, m, reason_code=data.reason_code, reason=data.reason, duplicate_of=duplicate_of)

    return act(request, number, data, run)


@action("answer-directly", "直接答复 Answer directly", "Reviewer: answer from the knowledge base, no unit involved.")
def answer_directly(request: HttpRequest, number: str, data: AnswerIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_answer_directly(a, m, body=data.body, regulations=data.regulations),
    )


@action("merge", "合并重复留言 Merge as duplicate", "Merge into the primary message; its reply answers both.")
def merge(request: HttpRequest, number: str, data: MergeIn) -> dict[str, Any]:
    def run(a: Actor, m: Message) -> object:
        primary = other_message(request, data.primary, "primary")
        return actions.do_merge_duplicate(a, m, primary=primary, reason=data.reason)

    return act(request, number, data, run)


@action("reclassify", "修改类型/领域/地区 Reclassify", "Fix type, category (id or path), region (code) or board.")
def reclassify(request: HttpRequest, number: str, data: ReclassifyIn) -> dict[str, Any]:
    def run(a: Actor, m: Message) -> object:
        return actions.do_reclassify(
            a,
            m,
            type=data.type,
            category=lookups.category_ref(data.category) if data.category is not None else None,
            region=lookups.region_ref(data.region) if data.region is not None else None,
            board=lookups.board_ref(data.board) if data.board is not None else None,
            is_urgent=data.is_urgent,
            reason=data.reason,
        )

    return act(request, number, data, run)


@action("redact", "屏蔽个人信息 Redact", "Reviewer: set the public (masked) title and body; the original is kept.")
def redact(request: HttpRequest, number: str, data: RedactIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_redact(
            a, m, public_title=data.public_title, public_body=data.public_body, reason=data.reason
        ),
    )


# ---------------------------------------------------------------------------------------------------------------
# Dispatch and handling


@action("dispatch", "交办 Dispatch", "Dispatcher: send to the main unit (code) and optional co-handling units.")
def dispatch(request: HttpRequest, number: str, data: DispatchIn) -> dict[str, Any]:
    def run(a: Actor, m: Message) -> object:
        unit, co_units = lookups.unit_ref(data.unit), lookups.units_ref(data.co_units)
        return actions.do_dispatch(a, m, unit=unit, co_units=co_units, note=data.note, confidence=data.confidence)

    return act(request, number, data, run)


@action("sign", "签收 Sign for", "Handler or unit head: take the dispatched message on.")
def sign(request: HttpRequest, number: str, data: Body[ActionIn] = NO_BODY) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_sign(a, m))


@action(
    "request-return", "申请退回 Request return", "Unit: the message is not ours (basis: function/territory/ownership)."
)
def request_return(request: HttpRequest, number: str, data: ReturnIn) -> dict[str, Any]:
    return act(
        request, number, data, lambda a, m: actions.do_request_return(a, m, reason=data.reason, basis=data.basis)
    )


@action("request-transfer", "申请转办 Request transfer", "Unit: name the unit that should handle it.")
def request_transfer(request: HttpRequest, number: str, data: TransferRequestIn) -> dict[str, Any]:
    def run(a: Actor, m: Message) -> object:
        target = lookups.unit_ref(data.target_unit)
        return actions.do_request_transfer(a, m, target_unit=target, reason=data.reason, basis=data.basis)

    return act(request, number, data, run)


@action("approve-return", "同意退回/转办 Approve return", "Dispatcher: approve a pending return or transfer request.")
def approve_return(request: HttpRequest, number: str, data: ApproveReturnIn) -> dict[str, Any]:
    def run(a: Actor, m: Message) -> object:
        to_unit = lookups.unit_ref(data.to_unit) if data.to_unit else None
        return actions.do_approve_return(a, m, to_unit=to_unit, note=data.note)

    return act(request, number, data, run)


@action("refuse-return", "不同意退回 Refuse return", "Dispatcher: keep the message with the unit (强制派单).")
def refuse_return(request: HttpRequest, number: str, data: Body[ReasonIn] = NO_REASON) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_refuse_return(a, m, reason=data.reason))


@action("transfer", "转办 Transfer", "Dispatcher: move the message to another main unit.")
def transfer(request: HttpRequest, number: str, data: TransferIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_transfer(a, m, unit=lookups.unit_ref(data.unit), reason=data.reason),
    )


@action("request-cohandling", "申请协办 Request co-handling", "Unit: ask for co-handling units (codes).")
def request_cohandling(request: HttpRequest, number: str, data: CohandlingIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_request_cohandling(a, m, units=lookups.units_ref(data.units), reason=data.reason),
    )


@action("decide-cohandling", "审批协办 Decide co-handling", "Dispatcher: approve or refuse (refusal needs a note).")
def decide_cohandling(request: HttpRequest, number: str, data: DecideIn) -> dict[str, Any]:
    return act(
        request, number, data, lambda a, m: actions.do_decide_cohandling(a, m, approve=data.approve, note=data.note)
    )


@action("request-extension", "申请延期 Request extension", "Unit: one extension per message, to a later deadline.")
def request_extension(request: HttpRequest, number: str, data: ExtensionIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_request_extension(a, m, due_at=data.due_at, reason=data.reason),
    )


@action(
    "decide-extension",
    "审批延期 Decide extension",
    "Dispatcher or supervisor: approve (optionally another date) or refuse.",
)
def decide_extension(request: HttpRequest, number: str, data: DecideExtensionIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_decide_extension(a, m, approve=data.approve, due_at=data.due_at, note=data.note),
    )


@action("contact", "联系群众 Record contact", "Unit: log a contact with the citizen (phone, visit, SMS).")
def record_contact(request: HttpRequest, number: str, data: ContactIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_record_contact(a, m, summary=data.summary, channel=data.channel),
    )


@action(
    "wait-for-citizen", "待群众补充 Wait for the citizen", "Unit: ask the citizen for information; the clock pauses."
)
def wait_for_citizen(request: HttpRequest, number: str, data: QuestionIn) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_wait_for_citizen(a, m, question=data.question))


@action("resume", "补充材料/恢复办理 Supplement / resume", "The author supplies what was asked, or the unit resumes.")
def resume(request: HttpRequest, number: str, data: Body[SupplementIn] = NO_SUPPLEMENT) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_resume(a, m, supplement=data.supplement))


@action("notes", "内部备注 Add an internal note", "Staff: a note visible to staff only.")
def add_note(request: HttpRequest, number: str, data: BodyIn) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_add_note(a, m, body=data.body))


# ---------------------------------------------------------------------------------------------------------------
# Replies


@action("reply", "提交答复 Submit a reply", "Unit: submit the reply draft for review.")
def submit_reply(request: HttpRequest, number: str, data: ReplyIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_submit_reply(a, m, body=data.body, regulations=data.regulations),
    )


@action("approve-reply", "审核通过答复 Approve the reply", "Unit head (then reviewer where the board asks): publish.")
def approve_reply(request: HttpRequest, number: str, data: Body[NoteIn] = NO_NOTE) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_approve_reply(a, m, note=data.note))


@action("send-back-reply", "退回重写答复 Send the reply back", "Reviewer of the current stage: back for rewriting.")
def send_back_reply(request: HttpRequest, number: str, data: Body[ReasonIn] = NO_REASON) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_send_back_reply(a, m, reason=data.reason))


# ---------------------------------------------------------------------------------------------------------------
# Feedback


@action("rate", "评价 Rate the reply", "The author: 满意/基本满意/不满意 (with a reason when unsatisfied).")
def rate(request: HttpRequest, number: str, data: RateIn) -> dict[str, Any]:
    return act(
        request,
        number,
        data,
        lambda a, m: actions.do_rate(a, m, satisfaction=data.satisfaction, resolved=data.resolved, reason=data.reason),
    )


@action("follow-up", "追问 Follow up", "The author asks again after a reply.")
def follow_up(request: HttpRequest, number: str, data: QuestionIn) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_follow_up(a, m, question=data.question))


@action("reopen", "重办 Reopen", "Dispatcher or supervisor: reopen after a justified 不满意.")
def reopen(request: HttpRequest, number: str, data: Body[ReasonIn] = NO_REASON) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_reopen(a, m, reason=data.reason))


@action("close", "办结 Close", "Dispatcher or supervisor: close a replied or rated message.")
def close(request: HttpRequest, number: str, data: Body[ReasonIn] = NO_REASON) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_close(a, m, reason=data.reason))


@action("archive", "归档 Archive", "Admin: archive a closed or rejected message.")
def archive(request: HttpRequest, number: str, data: Body[ActionIn] = NO_BODY) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_archive(a, m))


# ---------------------------------------------------------------------------------------------------------------
# Supervision


@action("urge", "催办 Urge", "Supervisor: a counted reminder to the unit.")
def urge(request: HttpRequest, number: str, data: Body[NoteIn] = NO_NOTE) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_urge(a, m, note=data.note))


@action("supervise", "督办 Supervise", "Supervisor: put under supervision (general/key/escalated).")
def supervise(request: HttpRequest, number: str, data: SuperviseIn) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_supervise(a, m, level=data.level, note=data.note))


@action(
    "flag-key",
    "标记重点留言 Flag as key message",
    "Reviewer, dispatcher or supervisor: flag (or unflag) a key message.",
)
def flag_key(request: HttpRequest, number: str, data: FlagKeyIn) -> dict[str, Any]:
    return act(request, number, data, lambda a, m: actions.do_flag_key(a, m, reason=data.reason, is_key=data.is_key))

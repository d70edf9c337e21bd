"""The message lifecycle: states, and the one table saying which role may take which action from which state.

Every action function in `liuyan.messages.actions` looks itself up here before it touches anything, so this
table is the whole truth about who can do what, and the README's lifecycle section is generated from it.
"""

from dataclasses import dataclass

from django.db import models

from liuyan.accounts.models import Role


class State(models.TextChoices):
    SUBMITTED = "submitted", "已提交 Submitted"
    UNDER_REVIEW = "under_review", "待审核 Under review"
    REJECTED = "rejected", "不予受理 Rejected"
    ANSWERED_DIRECTLY = "answered_directly", "直接答复 Answered directly"
    MERGED = "merged", "已合并 Merged as duplicate"
    ACCEPTED = "accepted", "已受理·待交办 Accepted"
    DISPATCHED = "dispatched", "已交办·待签收 Dispatched"
    IN_PROGRESS = "in_progress", "办理中 In progress"
    RETURN_REQUESTED = "return_requested", "申请退回/转办 Return requested"
    WAITING_CITIZEN = "waiting_citizen", "待补充 Waiting for the citizen"
    REPLY_REVIEW = "reply_review", "答复待审核 Reply under review"
    REPLIED = "replied", "已回复 Replied"
    RATED = "rated", "已评价 Rated"
    CLOSED = "closed", "已办结 Closed"
    ARCHIVED = "archived", "已归档 Archived"


class PublicStatus(models.TextChoices):
    """What a citizen sees: 已提交 → 审核中 → (不予受理 | 已受理) → 办理中 → 已回复 → 已评价 → 已办结."""

    SUBMITTED = "submitted", "已提交 Submitted"
    REVIEWING = "reviewing", "审核中 Under review"
    REJECTED = "rejected", "不予受理 Not accepted"
    ACCEPTED = "accepted", "已受理 Accepted"
    HANDLING = "handling", "办理中 Being handled"
    REPLIED = "replied", "已回复 Replied"
    RATED = "rated", "已评价 Rated"
    CLOSED = "closed", "已办结 Closed"


PUBLIC_STATUS: dict[str, str] = {
    State.SUBMITTED: PublicStatus.SUBMITTED,
    State.UNDER_REVIEW: PublicStatus.REVIEWING,
    State.REJECTED: PublicStatus.REJECTED,
    State.ANSWERED_DIRECTLY: PublicStatus.REPLIED,
    State.MERGED: PublicStatus.ACCEPTED,
    State.ACCEPTED: PublicStatus.ACCEPTED,
    State.DISPATCHED: PublicStatus.HANDLING,
    State.IN_PROGRESS: PublicStatus.HANDLING,
    State.RETURN_REQUESTED: PublicStatus.HANDLING,
    State.WAITING_CITIZEN: PublicStatus.HANDLING,
    State.REPLY_REVIEW: PublicStatus.HANDLING,
    State.REPLIED: PublicStatus.REPLIED,
    State.RATED: PublicStatus.RATED,
    State.CLOSED: PublicStatus.CLOSED,
    State.ARCHIVED: PublicStatus.CLOSED,
}

# States in which a handling unit holds the message and its deadline clock matters.
HANDLING_STATES = frozenset(
    {State.DISPATCHED, State.IN_PROGRESS, State.RETURN_REQUESTED, State.WAITING_CITIZEN, State.REPLY_REVIEW}
)
# States a message can be listed publicly in (if it is not confidential).
PUBLIC_LISTED_STATES = frozenset(
    {
        State.ACCEPTED,
        State.MERGED,
        *HANDLING_STATES,
        State.ANSWERED_DIRECTLY,
        State.REPLIED,
        State.RATED,
        State.CLOSED,
        State.ARCHIVED,
    }
)
TERMINAL_STATES = frozenset({State.ARCHIVED})
OPEN_STATES = frozenset(set(State) - {State.REJECTED, State.CLOSED, State.ARCHIVED})

R = Role
ALL_STATES = frozenset(State)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    targets: tuple[str, ...]  # empty: the state does not change (an overlay action)
    roles: frozenset[str]
    zh: str
    en: str

    @property
    def changes_state(self) -> bool:
        return bool(self.targets)


def _t(
    action: str, sources: set[str] | frozenset[str], targets: tuple[str, ...], roles: set[str], zh: str, en: str
) -> Transition:
    return Transition(action, frozenset(sources), targets, frozenset(roles), zh, en)


S = State
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        # Intake and review
        _t("intake", {S.SUBMITTED}, (S.UNDER_REVIEW,), {R.SYSTEM}, "进入审核", "queue for review"),
        _t("accept", {S.UNDER_REVIEW}, (S.ACCEPTED,), {R.REVIEWER}, "受理", "accept"),
        _t("reject", {S.UNDER_REVIEW}, (S.REJECTED,), {R.REVIEWER}, "不予受理", "reject"),
        _t("answer_directly", {S.UNDER_REVIEW}, (S.ANSWERED_DIRECTLY,), {R.REVIEWER}, "直接答复", "answer directly"),
        _t(
            "merge_duplicate",
            {S.UNDER_REVIEW, S.ACCEPTED},
            (S.MERGED,),
            {R.REVIEWER, R.DISPATCHER},
            "合并重复留言",
            "merge as duplicate",
        ),
        _t(
            "reclassify",
            {S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED},
            (),
            {R.REVIEWER, R.DISPATCHER},
            "修改类型/领域/地区",
            "fix type, category or region",
        ),
        _t("redact", ALL_STATES, (), {R.REVIEWER}, "屏蔽个人信息", "mask personal data"),
        # Dispatch and handling
        _t("dispatch", {S.ACCEPTED}, (S.DISPATCHED,), {R.DISPATCHER, R.SYSTEM}, "交办", "dispatch"),
        _t("sign", {S.DISPATCHED}, (S.IN_PROGRESS,), {R.HANDLER, R.UNIT_HEAD}, "签收", "sign for"),
        _t(
            "request_return",
            {S.DISPATCHED, S.IN_PROGRESS},
            (S.RETURN_REQUESTED,),
            {R.HANDLER, R.UNIT_HEAD},
            "申请退回",
            "request return",
        ),
        _t(
            "request_transfer",
            {S.DISPATCHED, S.IN_PROGRESS},
            (S.RETURN_REQUESTED,),
            {R.HANDLER, R.UNIT_HEAD},
            "申请转办",
            "request transfer",
        ),
        _t(
            "approve_return",
            {S.RETURN_REQUESTED},
            (S.ACCEPTED, S.DISPATCHED),
            {R.DISPATCHER},
            "同意退回/转办",
            "approve return or transfer",
        ),
        _t(
            "refuse_return",
            {S.RETURN_REQUESTED},
            (S.DISPATCHED, S.IN_PROGRESS),
            {R.DISPATCHER},
            "不同意退回（强制派单）",
            "refuse return (keep with unit)",
        ),
        _t("transfer", {S.DISPATCHED, S.IN_PROGRESS}, (S.DISPATCHED,), {R.DISPATCHER}, "转办", "transfer"),
        _t(
            "request_cohandling",
            {S.DISPATCHED, S.IN_PROGRESS},
            (),
            {R.HANDLER, R.UNIT_HEAD},
            "申请协办",
            "request co-handling",
        ),
        _t(
            "decide_cohandling",
            {S.DISPATCHED, S.IN_PROGRESS, S.WAITING_CITIZEN, S.REPLY_REVIEW},
            (),
            {R.DISPATCHER},
            "审批协办",
            "decide co-handling",
        ),
        _t(
            "request_extension",
            {S.IN_PROGRESS, S.WAITING_CITIZEN},
            (),
            {R.HANDLER, R.UNIT_HEAD},
            "申请延期",
            "request extension",
        ),
        _t(
            "decide_extension",
            {S.IN_PROGRESS, S.WAITING_CITIZEN, S.REPLY_REVIEW},
            (),
            {R.DISPATCHER, R.SUPERVISOR},
            "审批延期",
            "decide extension",
        ),
        _t(
            "record_contact",
            {S.IN_PROGRESS, S.WAITING_CITIZEN, S.REPLY_REVIEW},
            (),
            {R.HANDLER, R.UNIT_HEAD},
            "联系群众",
            "record contact with the citizen",
        ),
        _t(
            "wait_for_citizen",
            {S.IN_PROGRESS},
            (S.WAITING_CITIZEN,),
            {R.HANDLER, R.UNIT_HEAD},
            "待群众补充",
            "wait for the citizen",
        ),
        _t(
            "resume",
            {S.WAITING_CITIZEN},
            (S.IN_PROGRESS,),
            {R.HANDLER, R.UNIT_HEAD, R.CITIZEN},
            "补充材料/恢复办理",
            "supplement / resume handling",
        ),
        _t(
            "add_note",
            OPEN_STATES,
            (),
            {R.HANDLER, R.UNIT_HEAD, R.REVIEWER, R.DISPATCHER, R.SUPERVISOR},
            "内部备注",
            "internal note",
        ),
        # Replies
        _t(
            "submit_reply",
            {S.IN_PROGRESS},
            (S.REPLY_REVIEW,),
            {R.HANDLER, R.UNIT_HEAD},
            "提交答复",
            "submit reply for review",
        ),
        _t(
            "approve_reply",
            {S.REPLY_REVIEW},
            (S.REPLIED, S.REPLY_REVIEW),
            {R.UNIT_HEAD, R.REVIEWER},
            "审核通过答复",
            "approve reply",
        ),
        _t("group_reply", {S.MERGED}, (S.REPLIED,), {R.SYSTEM}, "合并答复", "answer with the primary's reply"),
        _t(
            "send_back_reply",
            {S.REPLY_REVIEW},
            (S.IN_PROGRESS,),
            {R.UNIT_HEAD, R.REVIEWER},
            "退回重写答复",
            "send reply back",
        ),
        # Feedback loop
        _t("rate", {S.REPLIED, S.ANSWERED_DIRECTLY}, (S.RATED,), {R.CITIZEN}, "评价", "rate the reply"),
        _t("follow_up", {S.REPLIED, S.RATED}, (S.IN_PROGRESS, S.UNDER_REVIEW), {R.CITIZEN}, "追问", "follow up"),
        _t("reopen", {S.RATED}, (S.IN_PROGRESS, S.ACCEPTED), {R.DISPATCHER, R.SUPERVISOR}, "重办", "reopen"),
        _t(
            "close",
            {S.REPLIED, S.RATED, S.ANSWERED_DIRECTLY},
            (S.CLOSED,),
            {R.DISPATCHER, R.SUPERVISOR, R.SYSTEM},
            "办结",
            "close",
        ),
        _t("archive", {S.CLOSED, S.REJECTED}, (S.ARCHIVED,), {R.ADMIN, R.SYSTEM}, "归档", "archive"),
        # Supervision overlays
        _t("urge", HANDLING_STATES, (), {R.SUPERVISOR, R.SYSTEM}, "催办", "urge"),
        _t("supervise", HANDLING_STATES | {S.ACCEPTED}, (), {R.SUPERVISOR, R.SYSTEM}, "督办", "supervise"),
        _t("sla_light", HANDLING_STATES, (), {R.SYSTEM}, "时限预警", "deadline warning light"),
        _t(
            "flag_key",
            OPEN_STATES,
            (),
            {R.REVIEWER, R.DISPATCHER, R.SUPERVISOR, R.SYSTEM},
            "标记重点留言",
            "flag as key message",
        ),
    ]
}


# Actions that create a message rather than move one (not in the table: there is no "from" state).
CREATION_ACTIONS = {
    "submit": ("提交留言", "submit a message", (R.CITIZEN, R.REVIEWER, R.DISPATCHER, R.SYSTEM)),
    "import": ("导入历史留言", "import a message from another system", (R.SYSTEM, R.ADMIN)),
}


def transition(action: str) -> Transition:
    return TRANSITIONS[action]


def allowed_actions(state: str, role: str) -> list[str]:
    """Actions a role may take on a message in `state` (scope checks such as 'own unit' come on top)."""
    return [t.action for t in TRANSITIONS.values() if state in t.sources and role in t.roles]

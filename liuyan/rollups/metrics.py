"""The metrics of DOMAIN §5, written down once: what one message counts for, and the rates over summed counts.

Every figure (dashboards, rankings, the period report) is a rate over counters summed across rollup rows; every
counter is what one message contributes from its *current* fields (`contribution`). Rollup upkeep, `rollup
rebuild` and any ad-hoc scan call the same function, so they cannot disagree.

Counters (0 or 1 per message unless noted):

| counter | 中文 | one message counts when |
|---|---|---|
| `messages` | 留言总量 | always (every submitted message, rejected ones too) |
| `valid` | 有效留言 | accepted past review (`accepted_at` set), not rejected, not merged as a duplicate |
| `replied` | 已回复 | valid and a reply is published now (`replied_at` set; reopening / 追问 clear it until the next reply) |
| `replied_on_time` | 按时回复 | replied and `replied_on_time` |
| `closed` | 办结 | valid and closed or archived |
| `closed_on_time` | 按时办结 | closed and its reply came within the handling deadline (`replied_on_time`) |
| `dispatched` | 交办 | valid and dispatched to a unit now (`dispatched_at` set; an approved return clears it) |
| `signed_on_time` | 按时签收 | dispatched and `signed_on_time` |
| `contacted_on_time` | 按时联系 | dispatched and `contacted_on_time` (the citizen was contacted in time) |
| `rated` | 已评价 | valid and rated now (`rated_at` set: reopening clears it); the latest rating counts |
| `satisfied` | 满意 | rated 满意 |
| `basically_satisfied` | 基本满意 | rated 基本满意 |
| `unsatisfied` | 不满意 | rated 不满意 |
| `resolution_answered` | 回答是否解决 | rated and the citizen said 已解决 or 未解决 |
| `resolved` | 已解决 | rated 已解决 |
| `returns` | 退回次数 | valid: its number of approved returns (`return_count`, a count, not 0/1) |
| `transfers` | 转办次数 | valid: its number of transfers (`transfer_count`, a count) |
| `reopened` | 重办 | valid and reopened (重办) at least once |
| `answered_directly` | 直接答复 | valid, replied by the reviewer without a unit (not an imported reply) |
| `suggestions` | 建言 | valid and of type 建言 |
| `suggestions_replied` | 建言已回复 | replied and of type 建言 |
| `reply_hours` | 回复用时 | replied: whole hours from submission to the published reply (a sum, not 0/1) |

Rates (`None` when the denominator is 0):

| rate | 中文 | formula |
|---|---|---|
| `reply_rate` | 回复率 | replied / valid |
| `closure_rate` | 办结率 | closed / valid |
| `on_time_rate` | 按时办结率 | closed_on_time / closed |
| `sign_on_time_rate` | 按时签收率 | signed_on_time / dispatched |
| `response_rate` | 响应率 | contacted_on_time / dispatched |
| `resolution_rate` | 解决率 | resolved / resolution_answered |
| `satisfaction_rate` | 满意率 | (satisfied + basically_satisfied) / rated; `strict=True`: satisfied / rated |
| `reopen_rate` | 重办率 | reopened / replied |
| `return_rate` | 退回率 | returns / dispatched |
| `direct_answer_rate` | 直接答复率 | answered_directly / valid |
| `suggestion_share` | 建言占比 | suggestions / valid (the national report counts valid messages throughout) |
| `mean_reply_days` | 平均回复用时 | reply_hours / replied / 24, in days |

All figures are *current status* of messages attributed to the day they were submitted: a message submitted in
2021 and replied in 2022 counts as a 2021 message with a reply.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from liuyan.messages.models import MessageType, Satisfaction, Source
from liuyan.messages.states import State

COUNTERS: tuple[str, ...] = (
    "messages",
    "valid",
    "replied",
    "replied_on_time",
    "closed",
    "closed_on_time",
    "dispatched",
    "signed_on_time",
    "contacted_on_time",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "resolution_answered",
    "resolved",
    "returns",
    "transfers",
    "reopened",
    "answered_directly",
    "suggestions",
    "suggestions_replied",
    "reply_hours",
)

Counts = Mapping[str, int]

_CLOSED = frozenset({State.CLOSED, State.ARCHIVED})


class MessageLike(Protocol):
    @property
    def submitted_at(self) -> Any: ...
    @property
    def state(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def accepted_at(self) -> object: ...
    @property
    def replied_at(self) -> Any: ...
    @property
    def dispatched_at(self) -> object: ...
    @property
    def rated_at(self) -> object: ...
    @property
    def reject_reason(self) -> str: ...
    @property
    def duplicate_of_id(self) -> int | None: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def replied_on_time(self) -> bool | None: ...
    @property
    def signed_on_time(self) -> bool | None: ...
    @property
    def contacted_on_time(self) -> bool | None: ...
    @property
    def return_count(self) -> int: ...
    @property
    def transfer_count(self) -> int: ...
    @property
    def reopen_count(self) -> int: ...


class RatingLike(Protocol):
    @property
    def satisfaction(self) -> str: ...
    @property
    def resolved(self) -> bool | None: ...


def contribution(message: MessageLike, rating: RatingLike | None) -> dict[str, int]:
    """One message's counters from its current fields; `rating` is its latest rating (or None)."""
    c = dict.fromkeys(COUNTERS, 0)
    c["messages"] = 1
    valid = (
        message.accepted_at is not None
        and message.duplicate_of_id is None
        and not message.reject_reason
        and message.state not in (State.MERGED, State.REJECTED)
    )
    if not valid:
        return c
    c["valid"] = 1
    suggestion = message.type == MessageType.SUGGESTION
    c["suggestions"] = int(suggestion)
    if message.replied_at is not None:
        c["replied"] = 1
        c["replied_on_time"] = int(bool(message.replied_on_time))
        c["suggestions_replied"] = int(suggestion)
        c["answered_directly"] = int(message.unit_id is None and message.source != Source.IMPORT)
        if message.submitted_at is not None:
            c["reply_hours"] = max(0, int((message.replied_at - message.submitted_at).total_seconds() // 3600))
    if message.state in _CLOSED:
        c["closed"] = 1
        c["closed_on_time"] = int(bool(message.replied_on_time))
    if message.dispatched_at is not None:
        c["dispatched"] = 1
        c["signed_on_time"] = int(bool(message.signed_on_time))
        c["contacted_on_time"] = int(bool(message.contacted_on_time))
    if message.rated_at is not None and rating is not None:
        c["rated"] = 1
        c["satisfied"] = int(rating.satisfaction == Satisfaction.SATISFIED)
        c["basically_satisfied"] = int(rating.satisfaction == Satisfaction.BASIC)
        c["unsatisfied"] = int(rating.satisfaction == Satisfaction.UNSATISFIED)
        c["resolution_answered"] = int(rating.resolved is not None)
        c["resolved"] = int(bool(rating.resolved))
    c["returns"] = message.return_count
    c["transfers"] = message.transfer_count
    c["reopened"] = int(message.reopen_count > 0)
    return c


def total(rows: Iterable[Counts]) -> dict[str, int]:
    """Sum counters over rollup rows (or contributions)."""
    out = dict.fromkeys(COUNTERS, 0)
    for row in rows:
        for name in COUNTERS:
            out[name] += row[name]
    return out


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def reply_rate(c: Counts) -> float | None:
    """回复率 = valid messages with a published reply / valid messages."""
    return ratio(c["replied"], c["valid"])


def closure_rate(c: Counts) -> float | None:
    """办结率 = closed / valid."""
    return ratio(c["closed"], c["valid"])


def on_time_rate(c: Counts) -> float | None:
    """按时办结率 = closed on time / closed."""
    return ratio(c["closed_on_time"], c["closed"])


def sign_on_time_rate(c: Counts) -> float | None:
    """按时签收率 = signed on time / dispatched."""
    return ratio(c["signed_on_time"], c["dispatched"])


def response_rate(c: Counts) -> float | None:
    """响应率 = dispatched messages whose citizen was contacted in time / dispatched."""
    return ratio(c["contacted_on_time"], c["dispatched"])


def resolution_rate(c: Counts) -> float | None:
    """解决率 = ratings saying 已解决 / ratings with a resolution answer."""
    return ratio(c["resolved"], c["resolution_answered"])


def satisfaction_rate(c: Counts, *, strict: bool = False) -> float | None:
    """满意率 = (满意 + 基本满意) / ratings; `strict`: 满意 only / ratings (the national report's 83.3%)."""
    happy = c["satisfied"] if strict else c["satisfied"] + c["basically_satisfied"]
    return ratio(happy, c["rated"])


def reopen_rate(c: Counts) -> float | None:
    """重办率 = reopened / replied."""
    return ratio(c["reopened"], c["replied"])


def return_rate(c: Counts) -> float | None:
    """退回率 = returns / dispatched."""
    return ratio(c["returns"], c["dispatched"])


def direct_answer_rate(c: Counts) -> float | None:
    """直接答复率 = answered directly / accepted (valid)."""
    return ratio(c["answered_directly"], c["valid"])


def mean_reply_days(c: Counts) -> float | None:
    """平均回复用时 = hours from submission to reply, summed over replied messages / replied / 24."""
    return ratio(c["reply_hours"], c["replied"] * 24)


def suggestion_share(c: Counts) -> float | None:
    """建言占比 = suggestions / valid messages (of the same slice, e.g. one domain and year)."""
    return ratio(c["suggestions"], c["valid"])

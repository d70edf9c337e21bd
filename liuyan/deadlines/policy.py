"""Which deadline span applies to a message: configured `DeadlinePolicy` rows, else the built-in defaults.

Matching. An active row matches when every scope it sets fits the message: `message_type` equal, `category` equal
to the message's category or one of its ancestors, `board` equal, `urgent_only` only for urgent messages.

Specificity. Among matching rows the most specific wins, compared in this order: has a board; category depth
(deeper wins, none = 0); has a message type; is urgent-only. On a full tie the newest row wins (the admin form
refuses two active rows with the same scope). Urgency comes before specificity: for an urgent message a matching
`urgent_only` row wins, else the built-in urgent span (2 h for signing and handling), and only then ordinary rows —
a "complaints: 15 working days" row must never give a life-or-property emergency 15 days.

Defaults (DOMAIN.md §4), used when no row matches: sign 1 working day (urgent 2 h); first contact 1 working day;
handle 咨询 3, 求助 5, 投诉/建言 15, 感谢 15 working days (感谢 is our choice); urgent (life-or-property
emergencies) 2 h.

Category rules such as "water/power/gas/heating: 24 hours" are data, not code: add a `DeadlinePolicy` row with
`kind=handle`, `category=<the 供水/供电/燃气/供暖 category>` and `hours=24` — in the Django admin, or from a seeding
script with `set_policy(...)`, which is idempotent — so that any taxonomy can carry it.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from liuyan.deadlines.caching import SharedVersionCache
from liuyan.deadlines.clock import Span
from liuyan.deadlines.models import DeadlineKind, DeadlinePolicy

if TYPE_CHECKING:
    from liuyan.messages.models import Message
    from liuyan.orgs.models import Board
    from liuyan.taxonomy.models import Category

URGENT_SPAN = Span(hours=2)
DEFAULT_HANDLE_WORKING_DAYS: dict[str, float] = {
    "inquiry": 3,  # 咨询
    "help": 5,  # 求助
    "complaint": 15,  # 投诉
    "suggestion": 15,  # 建言
    "thanks": 15,  # 感谢: not in DOMAIN.md; a design choice
}


def default_span(kind: str, *, message_type: str, urgent: bool) -> Span:
    """The built-in span for `kind` when no `DeadlinePolicy` row matches."""
    if kind == DeadlineKind.SIGN:
        return URGENT_SPAN if urgent else Span(working_days=1)
    if kind == DeadlineKind.CONTACT:
        return Span(working_days=1)
    if kind == DeadlineKind.HANDLE:
        if urgent:
            return URGENT_SPAN
        if message_type not in DEFAULT_HANDLE_WORKING_DAYS:
            raise ValueError(f"未知留言类型 / unknown message type: {message_type!r}")
        return Span(working_days=DEFAULT_HANDLE_WORKING_DAYS[message_type])
    raise ValueError(f"未知时限种类 / unknown deadline kind: {kind!r}")


@dataclass(frozen=True)
class _Rule:
    id: int
    kind: str
    message_type: str
    category_id: int | None
    category_depth: int
    board_id: int | None
    urgent_only: bool
    span: Span

    @property
    def specificity(self) -> tuple[bool, int, bool, bool, int]:
        return (self.board_id is not None, self.category_depth, bool(self.message_type), self.urgent_only, self.id)


@dataclass(frozen=True)
class _Policies:
    rules_by_kind: dict[str, tuple[_Rule, ...]]  # most specific first
    category_parent: dict[int, int | None]  # loaded only when some rule is category-scoped


def _load_policies() -> _Policies:
    from liuyan.taxonomy.models import Category

    rows = list(DeadlinePolicy.objects.filter(is_active=True))
    parent: dict[int, int | None] = {}
    if any(row.category_id is not None for row in rows):
        parent = dict(Category.objects.values_list("id", "parent_id"))
    by_kind: dict[str, list[_Rule]] = {}
    for row in rows:
        span = Span(hours=row.hours) if row.hours is not None else Span(working_days=row.working_days)
        depth = len(_ancestry(row.category_id, parent)) if row.category_id is not None else 0
        by_kind.setdefault(row.kind, []).append(
            _Rule(row.pk, row.kind, row.message_type, row.category_id, depth, row.board_id, row.urgent_only, span)
        )
    ordered = {kind: tuple(sorted(rules, key=lambda r: r.specificity, reverse=True)) for kind, rules in by_kind.items()}
    return _Policies(ordered, parent)


def _ancestry(category_id: int | None, parent: dict[int, int | None]) -> list[int]:
    """`category_id` and its ancestors, nearest first."""
    chain: list[int] = []
    node = category_id
    while node is not None and node not in chain:  # `not in chain` guards against a cycle in bad data
        chain.append(node)
        node = parent.get(node)
    return chain


policy_cache: SharedVersionCache[_Policies] = SharedVersionCache("liuyan:deadlines:policies", _load_policies)


def invalidate_policies() -> None:
    policy_cache.invalidate()


def span_for_ids(kind: str, *, message_type: str, category_id: int | None, board_id: int | None, urgent: bool) -> Span:
    """`span_for` taking primary keys, so callers holding a message need no extra query."""
    if kind not in DeadlineKind.values:
        raise ValueError(f"未知时限种类 / unknown deadline kind: {kind!r}")
    policies = policy_cache.get()
    rules = policies.rules_by_kind.get(kind, ())
    ancestry = set(_ancestry(category_id, policies.category_parent)) if category_id is not None else set()

    def matches(rule: _Rule) -> bool:
        return (
            (rule.board_id is None or rule.board_id == board_id)
            and (rule.category_id is None or rule.category_id in ancestry)
            and (not rule.message_type or rule.message_type == message_type)
            and (not rule.urgent_only or urgent)
        )

    if urgent:
        # Life-or-property emergencies: an urgent rule, or the urgent default, beats any ordinary rule
        # (a "complaints: 15 working days" row must not give an emergency 15 days).
        for rule in rules:
            if rule.urgent_only and matches(rule):
                return rule.span
        urgent_default = default_span(kind, message_type=message_type, urgent=True)
        if urgent_default != default_span(kind, message_type=message_type, urgent=False):
            return urgent_default
    for rule in rules:  # most specific first: the first match wins
        if matches(rule):
            return rule.span
    return default_span(kind, message_type=message_type, urgent=urgent)


def span_for(kind: str, *, message_type: str, category: "Category | None", board: "Board | None", urgent: bool) -> Span:
    """The span of deadline `kind` ("sign", "contact", "handle") for a message with these attributes."""
    return span_for_ids(
        kind,
        message_type=message_type,
        category_id=category.pk if category is not None else None,
        board_id=board.pk if board is not None else None,
        urgent=urgent,
    )


def due_for(kind: str, message: "Message", start: dt.datetime) -> dt.datetime:
    """When deadline `kind` falls for `message` if its clock starts at `start`."""
    span = span_for_ids(
        kind,
        message_type=message.type,
        category_id=message.category_id,
        board_id=message.board_id,
        urgent=message.is_urgent,
    )
    return span.due_after(start)


def set_policy(
    kind: str,
    *,
    working_days: int | None = None,
    hours: float | None = None,
    message_type: str = "",
    category: "Category | None" = None,
    board: "Board | None" = None,
    urgent_only: bool = False,
    note: str = "",
) -> DeadlinePolicy:
    """Create or update the active policy with exactly this scope (idempotent; for seeding scripts)."""
    if kind not in DeadlineKind.values:
        raise ValueError(f"未知时限种类 / unknown deadline kind: {kind!r}")
    if (working_days is None) == (hours is None):
        raise ValueError("请填写工作日或小时数之一 / give either working days or hours, not both")
    policy, _ = DeadlinePolicy.objects.update_or_create(
        kind=kind,
        message_type=message_type,
        category=category,
        board=board,
        urgent_only=urgent_only,
        is_active=True,
        defaults={"working_days": working_days, "hours": hours, "note": note},
    )
    return policy

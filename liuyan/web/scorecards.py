"""Unit scorecards (单位办理成效) for a period: each figure defined once here, by the metrics of DOMAIN.md §5.

Two aggregate queries over the viewer's visible messages (and one for the units' names), cached for a few minutes. The governance-data work
(rollups kept current by the lifecycle actions) replaces the queries in `_compute`, not the definitions.

Which messages count for a unit in a period: those whose main unit is the unit and that were dispatched to it in
the period (a transfer dispatches anew, so a transferred message counts for the unit that received it, from then).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from liuyan.messages.models import Message, RequestKind, RequestStatus, Satisfaction
from liuyan.orgs.models import Unit
from liuyan.web.i18n import bi

CACHE_SECONDS = 300


@dataclass(frozen=True)
class Metric:
    """One column: its name and its definition, in both languages. `rate`: a share (shown as a percentage)."""

    key: str
    zh: str
    en: str
    rate: bool
    definition_zh: str
    definition_en: str

    @property
    def label(self) -> str:
        return bi(self.zh, self.en)

    @property
    def definition(self) -> str:
        return bi(self.definition_zh, self.definition_en)


METRICS: tuple[Metric, ...] = (
    Metric(
        "dispatched",
        "交办",
        "Dispatched",
        False,
        "期内交办（含转办）给本单位的留言",
        "messages dispatched (or transferred) to the unit in the period",
    ),
    Metric("replied", "已回复", "Replied", False, "其中已公开答复的", "of which a reply is published"),
    Metric(
        "reply_rate",
        "回复率",
        "Reply rate",
        True,
        "已回复 ÷ 交办（§5 回复率：交办的都是有效留言）",
        "replied ÷ dispatched (§5 reply rate: every dispatched message is a valid one)",
    ),
    Metric(
        "on_time_reply_rate",
        "按时答复率",
        "Replied on time",
        True,
        "在办理期限内答复的 ÷ 已回复",
        "replied within the deadline ÷ replied",
    ),
    Metric(
        "signed_on_time_rate",
        "按时签收率",
        "Signed on time",
        True,
        "按时签收 ÷ 交办（§5 按时签收率）",
        "signed for in time ÷ dispatched (§5)",
    ),
    Metric(
        "satisfaction_rate",
        "满意率",
        "Satisfaction",
        True,
        "（满意 + 基本满意）÷ 评价数（§5 满意率，每轮评价各计一次）",
        "(satisfied + basically satisfied) ÷ ratings (§5; each round's rating counts)",
    ),
    Metric(
        "returns",
        "退回",
        "Returns",
        False,
        "期内获同意的本单位退回申请（§5 退回率的分子）",
        "the unit's return requests approved in the period (numerator of §5 return rate)",
    ),
    Metric(
        "transfers",
        "转办",
        "Transfers",
        False,
        "期内获同意的本单位转办申请",
        "the unit's transfer requests approved in the period",
    ),
    Metric(
        "reopened",
        "重办",
        "Reopened",
        False,
        "交办留言中因不满意而重办过的（§5 重办率的分子）",
        "dispatched messages reopened after an unsatisfied rating (numerator of §5 reopen rate)",
    ),
)
METRIC_KEYS = frozenset(m.key for m in METRICS)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class UnitScore:
    unit_code: str
    unit_name: str
    dispatched: int = 0
    replied: int = 0
    replied_on_time: int = 0
    signed_on_time: int = 0
    ratings: int = 0
    satisfied: int = 0  # 满意 + 基本满意
    returns: int = 0
    transfers: int = 0
    reopened: int = 0

    @property
    def reply_rate(self) -> float | None:
        return share(self.replied, self.dispatched)

    @property
    def on_time_reply_rate(self) -> float | None:
        return share(self.replied_on_time, self.replied)

    @property
    def signed_on_time_rate(self) -> float | None:
        return share(self.signed_on_time, self.dispatched)

    @property
    def satisfaction_rate(self) -> float | None:
        return share(self.satisfied, self.ratings)

    def value(self, key: str) -> float | int | None:
        if key not in METRIC_KEYS:
            raise KeyError(key)
        value: float | int | None = getattr(self, key)
        return value


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, local time."""

    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        begin = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        stop = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        return begin, stop


def _compute(messages: "QuerySet[Message]", period: Period) -> list[UnitScore]:
    begin, stop = period.bounds()
    cohort = messages.filter(unit__isnull=False, dispatched_at__gte=begin, dispatched_at__lt=stop)
    # Query 1: the message figures, one row per unit (grouped by the unit's id alone, so that the database can hash
    # the few groups instead of sorting every row).
    rows = cohort.values("unit_id").annotate(
        n_dispatched=Count("pk"),
        n_replied=Count("pk", filter=Q(replied_at__isnull=False)),
        n_replied_on_time=Count("pk", filter=Q(replied_at__isnull=False, replied_on_time=True)),
        n_signed_on_time=Count("pk", filter=Q(signed_on_time=True)),
        n_reopened=Count("pk", filter=Q(reopen_count__gt=0)),
    )
    scores: dict[int, UnitScore] = {}
    for r in rows:
        scores[r["unit_id"]] = UnitScore(
            unit_code="",
            unit_name="",
            dispatched=r["n_dispatched"],
            replied=r["n_replied"],
            replied_on_time=r["n_replied_on_time"],
            signed_on_time=r["n_signed_on_time"],
            reopened=r["n_reopened"],
        )
    # Query 2, two grouped parts in one UNION ALL (so that neither multiplies the other's rows): the ratings of those
    # messages, and the approved return and transfer requests, counted for the unit that asked (which no longer
    # holds the message).
    zero = Value(0, output_field=IntegerField())
    ratings = cohort.values(held_by=F("unit_id")).annotate(
        n_ratings=Count("ratings"),
        n_satisfied=Count("ratings", filter=Q(ratings__satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
        n_returns=zero,
        n_transfers=zero,
    )
    decided = messages.filter(
        requests__status=RequestStatus.APPROVED,
        requests__kind__in=[RequestKind.RETURN, RequestKind.TRANSFER],
        requests__decided_at__gte=begin,
        requests__decided_at__lt=stop,
    )
    requests = decided.values(held_by=F("requests__unit_id")).annotate(
        n_ratings=zero,
        n_satisfied=zero,
        n_returns=Count("requests", filter=Q(requests__kind=RequestKind.RETURN)),
        n_transfers=Count("requests", filter=Q(requests__kind=RequestKind.TRANSFER)),
    )
    for q in ratings.order_by().union(requests.order_by(), all=True):
        # (A unit may have approved requests and no message dispatched to it in the period.)
        score = scores.setdefault(q["held_by"], UnitScore(unit_code="", unit_name=""))
        score.ratings += q["n_ratings"]
        score.satisfied += q["n_satisfied"]
        score.returns += q["n_returns"]
        score.transfers += q["n_transfers"]
    # And the units' names.
    for unit in Unit.objects.filter(pk__in=list(scores)).only("code", "name"):
        scores[unit.pk].unit_code, scores[unit.pk].unit_name = unit.code, unit.name
    return sorted(scores.values(), key=lambda s: s.unit_code)


def unit_scorecards(messages: "QuerySet[Message]", period: Period, *, scope: str) -> list[UnitScore]:
    """Every unit with messages (or approved requests) in the period among `messages` (the viewer's visible ones,
    e.g. `visible_messages_for(user)`), by unit code. `scope` names that set in the cache key: the same scope must
    always mean the same messages."""
    key = f"liuyan:web:scorecards:{scope}:{period.start.isoformat()}:{period.end.isoformat()}"
    cached = cache.get(key)
    if isinstance(cached, list):
        return cached
    result = _compute(messages, period)
    cache.set(key, result, CACHE_SECONDS)
    return result


def sorted_scores(scores: Iterable[UnitScore], key: str, *, descending: bool) -> list[UnitScore]:
    """By one metric (or the unit's name); units without a value (no ratings, say) always come last."""
    items = list(scores)
    if key == "unit":
        return sorted(items, key=lambda s: s.unit_code, reverse=descending)
    present = [s for s in items if s.value(key) is not None]
    absent = [s for s in items if s.value(key) is None]
    present.sort(key=lambda s: (s.value(key) or 0, s.unit_code), reverse=descending)
    return present + sorted(absent, key=lambda s: s.unit_code)

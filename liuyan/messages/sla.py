"""The deadline ladder (`liuyan sla tick`): warning lights, 催办 and 通报, auto-close and auto-archive.

Every rung goes through a lifecycle action, so each is audited and guarded by the message's compare-and-set
version: ticks running at the same time on several machines never apply a rung twice (the loser's action raises
Conflict and is skipped), and a tick that is interrupted simply resumes on the next run.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from liuyan.common.clock import frozen_at
from liuyan.common.clock import now as clock_now
from liuyan.common.errors import LiuyanError
from liuyan.deadlines.clock import add_working_days, working_time_between
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import Message, SupervisionLevel, WarningLight
from liuyan.messages.states import HANDLING_STATES, State

# Rungs of the ladder, stored in Message.sla_stage.
YELLOW, RED, URGED, REPORTED = 1, 2, 3, 4
URGE_AFTER_WORKING_DAYS = 1  # 催办 notice the working day after the deadline
REPORT_AFTER_WORKING_DAYS = 5  # 通报 five working days after it
YELLOW_WINDOW = dt.timedelta(days=1)  # light turns yellow one working day before the deadline …
YELLOW_SHARE = 0.25  # … or in the last quarter of a shorter allowance


@dataclass
class TickReport:
    yellow: int = 0
    red: int = 0
    urged: int = 0
    reported: int = 0
    closed: int = 0
    archived: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def target_stage(message: Message, now: dt.datetime) -> int:
    """The highest rung the message should be on at `now`."""
    due = message.due_at
    if due is None or message.paused_at is not None:
        return message.sla_stage
    if now > due:
        if now >= add_working_days(due, REPORT_AFTER_WORKING_DAYS):
            return REPORTED
        if now >= add_working_days(due, URGE_AFTER_WORKING_DAYS):
            return URGED
        return RED
    remaining = working_time_between(now, due)
    start = message.dispatched_at or message.submitted_at
    allowance = working_time_between(start, due) or (due - start)
    window = min(YELLOW_WINDOW, allowance * YELLOW_SHARE)
    return YELLOW if remaining <= window else 0


def _step(report: TickReport, counter: str, run: Callable[[], object]) -> bool:
    try:
        run()
    except LiuyanError as exc:
        if exc.code in ("conflict", "invalid_transition"):
            report.conflicts += 1  # another tick or a person got there first; the next tick looks again
        else:
            report.errors.append(str(exc))
        return False
    setattr(report, counter, getattr(report, counter) + 1)
    return True


def climb(message: Message, now: dt.datetime, report: TickReport) -> None:
    """Apply every rung between the message's current stage and its target, in order."""
    system = Actor.system()
    goal = target_stage(message, now)
    if goal <= message.sla_stage:
        return
    if goal == YELLOW:
        _step(
            report,
            "yellow",
            lambda: actions.do_set_sla_light(
                system, message, warning=WarningLight.YELLOW, overdue=False, sla_stage=YELLOW
            ),
        )
        return
    if message.sla_stage < RED and not _step(
        report,
        "red",
        lambda: actions.do_set_sla_light(system, message, warning=WarningLight.RED, overdue=True, sla_stage=RED),
    ):
        return
    if (
        goal >= URGED
        and message.sla_stage < URGED
        and not _step(
            report,
            "urged",
            lambda: actions.do_urge(system, message, note="超期催办 / overdue reminder", sla_stage=URGED),
        )
    ):
        return
    if goal >= REPORTED and message.sla_stage < REPORTED:
        level = message.supervision_level
        stronger = level if level in (SupervisionLevel.KEY, SupervisionLevel.ESCALATED) else SupervisionLevel.KEY
        _step(
            report,
            "reported",
            lambda: actions.do_supervise(
                system, message, level=stronger, note="超期通报 / overdue report", sla_stage=REPORTED
            ),
        )


def tick(now: dt.datetime | None = None, *, batch_size: int = 1000) -> TickReport:
    """One pass of the ladder over every message that may need a rung, then auto-close and auto-archive.

    Every action of the pass is stamped with the tick's own time, so a replay (`--at`) writes the history it would
    have written then."""
    now = now or clock_now()
    with frozen_at(now):
        return _tick(now, batch_size)


def _tick(now: dt.datetime, batch_size: int) -> TickReport:
    report = TickReport()
    system = Actor.system()
    horizon = now + dt.timedelta(days=15)  # one working day can span a long holiday; the exact test is in Python
    due_soon = (
        Message.objects.filter(
            state__in=HANDLING_STATES,
            due_at__isnull=False,
            paused_at__isnull=True,
            sla_stage__lt=REPORTED,
            due_at__lte=horizon,
        )
        .exclude(state=State.WAITING_CITIZEN)
        .select_related("board", "unit", "category")
        .order_by("due_at")
    )
    for message in due_soon.iterator(chunk_size=batch_size):
        climb(message, now, report)

    close_before = now - dt.timedelta(days=settings.AUTO_CLOSE_DAYS)
    unrated = Message.objects.filter(
        state__in=[State.REPLIED, State.ANSWERED_DIRECTLY], replied_at__lte=close_before
    ).select_related("board", "author")
    for message in unrated.iterator(chunk_size=batch_size):
        _step(
            report,
            "closed",
            lambda m=message: actions.do_close(  # type: ignore[misc]
                system, m, reason=f"{settings.AUTO_CLOSE_DAYS}日内未评价，自动办结 / closed unrated"
            ),
        )

    archive_before = now - dt.timedelta(days=settings.ARCHIVE_AFTER_DAYS)
    finished = Message.objects.filter(state__in=[State.CLOSED, State.REJECTED], closed_at__lte=archive_before)
    for message in finished.select_related("board").iterator(chunk_size=batch_size):
        _step(report, "archived", lambda m=message: actions.do_archive(system, m))  # type: ignore[misc]
    return report

"""Replays the case plans in global time order through the real lifecycle actions and the deadline ladder."""

import datetime as dt
import heapq
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from liuyan.accounts.models import Role, User
from liuyan.common.clock import frozen_at
from liuyan.common.errors import Conflict, InvalidInput, LiuyanError
from liuyan.deadlines.clock import add_working_days
from liuyan.demo import corpus
from liuyan.demo.plan import Case, Planner, Slot, Step, cases, schedule
from liuyan.demo.reference import Province
from liuyan.demo.users import Staff
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import Event, Message, ReviewStage, Source
from liuyan.messages.privacy import mask_name
from liuyan.messages.sla import tick

MAX_KEPT_QUERY_CODES = 5_000
TICK_HOURS = (7, 19)  # the deadline ladder runs twice a day, as a cron job would
EXTENSION_WORKING_DAYS = 10


@dataclass
class SimulationReport:
    messages: int = 0
    cases: int = 0
    steps: int = 0
    ticks: int = 0
    ladder: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    plan_seconds: float = 0.0
    seconds: float = 0.0
    query_codes: dict[int, str] = field(default_factory=dict)  # anonymous message pk → 查询码 (a sample)


@dataclass
class _Live:
    case: Case
    messages: list[Message | None]
    remaining: int
    dead: set[int] = field(default_factory=set)


class Simulator:
    """Plans every case, then runs steps and ladder ticks in time order, committing every `chunk` units of work."""

    def __init__(
        self,
        province: Province,
        staff: Staff,
        *,
        seed: int,
        messages: int,
        as_of: dt.datetime,
        progress: bool = True,
        chunk: int = 500,
    ) -> None:
        self.p = province
        self.staff = staff
        self.seed = seed
        self.messages = messages
        self.as_of = as_of
        self.progress = progress
        self.chunk = chunk
        self.planner = Planner(province, staff, seed=seed, as_of=as_of)
        self.report = SimulationReport()
        self.live: dict[int, _Live] = {}
        self.live_pks: set[int] = set()
        self.stale: set[int] = set()
        self.tz = timezone.get_default_timezone()
        self._bar: tqdm[Any] | None = None

    # -- driver -------------------------------------------------------------------------------------------------

    def run(self) -> SimulationReport:
        started = time.monotonic()
        names = schedule(self.seed, self.messages)
        # Phase 1 keeps only when each case starts; phase 2 re-derives a case's plan from (seed, index) when its
        # time comes, so memory holds the cases in flight, not a million plans.
        starts: list[tuple[dt.datetime, int, str, int]] = []
        planning = tqdm(total=self.messages, unit="msg", desc="规划 planning", disable=not self.progress, leave=False)
        with planning:
            for case, budget in cases(self.planner, names, self.messages):
                starts.append((case.start, case.index, case.scenario, budget))
                planning.update(len(case.slots))
        starts.sort(key=lambda s: (s[0], s[1]))
        self.report.cases = len(starts)
        self.report.plan_seconds = time.monotonic() - started

        self._bar = tqdm(total=self.messages, unit="msg", desc="演示留言 messages", disable=not self.progress)
        with self._bar:
            work = self._work(starts)
            while True:
                with transaction.atomic():
                    done = sum(1 for _ in itertools.islice(work, self.chunk))
                if done < self.chunk:
                    break
        self.report.seconds = time.monotonic() - started
        return self.report

    def _work(self, starts: list[tuple[dt.datetime, int, str, int]]) -> Iterator[None]:
        """One unit of work per iteration: a step, or a tick of the deadline ladder."""
        heap: list[tuple[dt.datetime, int, int, int]] = []
        order = itertools.count()
        ticks = self._tick_times(starts[0][0] if starts else self.as_of)
        next_tick = next(ticks, None)
        position = 0
        while position < len(starts) or heap:
            upcoming = [
                t
                for t in (starts[position][0] if position < len(starts) else None, heap[0][0] if heap else None)
                if t is not None
            ]
            moment = min(upcoming)
            if next_tick is not None and next_tick <= moment:
                self._tick(next_tick)
                next_tick = next(ticks, None)
                yield
                continue
            if position < len(starts) and starts[position][0] <= moment:
                start, index, scenario, budget = starts[position]
                position += 1
                case = self.planner.plan(index, scenario, budget)
                if case.start != start:
                    raise RuntimeError(f"case {index} planned differently the second time: the planner is not pure")
                self.live[index] = _Live(case, [None] * len(case.slots), len(case.steps))
                for number, step in enumerate(case.steps):
                    heapq.heappush(heap, (step.at, next(order), index, number))
                continue
            _at, _order, index, number = heapq.heappop(heap)
            self._execute(index, number)
            yield
        while next_tick is not None:
            self._tick(next_tick)
            next_tick = next(ticks, None)
            yield
        self._tick(self.as_of)
        yield

    def _tick_times(self, first: dt.datetime) -> Iterator[dt.datetime]:
        day = timezone.localtime(first, self.tz).date()
        while True:
            for hour in TICK_HOURS:
                moment = dt.datetime.combine(day, dt.time(hour), self.tz)
                if moment >= self.as_of:
                    return
                if moment > first:
                    yield moment
            day += dt.timedelta(days=1)

    def _tick(self, at: dt.datetime) -> None:
        """One run of the deadline ladder; the live copies of messages it touched are refreshed before their next
        step (their version moved on)."""
        before = _last_event_id()
        with frozen_at(at):
            outcome = tick(at)
        self.report.ticks += 1
        self.report.ladder.update({k: v for k, v in outcome.as_dict().items() if v})
        for error in outcome.errors[:3]:
            self._note_failure("tick", error)
        if _last_event_id() > before:
            touched = Event.objects.filter(id__gt=before).values_list("message_id", flat=True)
            self.stale.update(pk for pk in touched if pk in self.live_pks)

    # -- steps --------------------------------------------------------------------------------------------------

    def _execute(self, index: int, number: int) -> None:
        live = self.live[index]
        step = live.case.steps[number]
        live.remaining -= 1
        try:
            message = live.messages[step.slot]
            if step.slot in live.dead or (message is None and step.action != "submit"):
                return
            if message is not None and message.pk in self.stale:
                message.refresh_from_db()
                self.stale.discard(message.pk)
            run: Callable[[_Live, Step, Message | None], None] = getattr(self, f"_do_{step.action}")
            with frozen_at(step.at):
                try:
                    run(live, step, message)
                except Conflict:
                    if message is None:
                        raise
                    message.refresh_from_db()
                    run(live, step, message)
            self.report.steps += 1
        except LiuyanError as exc:
            live.dead.add(step.slot)
            self._note_failure(f"{step.action}:{exc.code}", f"case {index} ({live.case.scenario}) {step.action}: {exc}")
        finally:
            if live.remaining == 0:
                for message in live.messages:
                    if message is not None:
                        self.live_pks.discard(message.pk)
                        self.stale.discard(message.pk)
                del self.live[index]

    def _note_failure(self, key: str, text: str) -> None:
        self.report.failures[key] += 1
        if len(self.report.examples) < 20:
            self.report.examples.append(text)

    # Who acts: a fixed member of each platform team per case, the unit's own staff, the author.

    def _reviewer(self, live: _Live) -> Actor:
        return Actor.of(self.staff.reviewers[live.case.index % len(self.staff.reviewers)])

    def _dispatcher(self, live: _Live) -> Actor:
        return Actor.of(self.staff.dispatchers[live.case.index % len(self.staff.dispatchers)])

    def _supervisor(self, live: _Live) -> Actor:
        return Actor.of(self.staff.supervisors[live.case.index % len(self.staff.supervisors)])

    def _handler(self, message: Message) -> Actor:
        assert message.unit_id is not None
        return Actor.of(self.staff.handlers[message.unit_id])

    def _head(self, message: Message) -> Actor:
        assert message.unit_id is not None
        return Actor.of(self.staff.heads[message.unit_id])

    def _author(self, live: _Live, step: Step, message: Message) -> Actor:
        author = live.case.slots[step.slot].author
        return Actor.of(author) if author is not None else Actor.anonymous_author(message)

    def _unit_name(self, message: Message) -> str:
        unit = self.staff.handlers[message.unit_id].unit if message.unit_id else None
        return unit.name if unit is not None else ""

    # The step kinds of `liuyan.demo.plan`, one method each. `message` is None only for "submit".

    def _do_submit(self, live: _Live, step: Step, message: Message | None) -> None:
        slot = live.case.slots[step.slot]
        submitter: User | None = slot.author
        if slot.submitter == "assisted":
            actor = self._reviewer(live)
        elif submitter is not None:
            actor = Actor.of(submitter)
        else:
            actor = Actor(user=None, role=Role.CITIZEN)
        title, body = slot.texts.title, slot.texts.body
        try:
            submission = self._submit(actor, slot, step, title, body)
        except InvalidInput as exc:
            if exc.code != "duplicate_submission":
                raise
            # The same person sent this very text earlier the same day: in the demo they write again, differently.
            submission = self._submit(actor, slot, step, f"再次反映：{title}"[:100], body + corpus.REPEAT_SUFFIX)
        created = submission.message
        live.messages[step.slot] = created
        self.live_pks.add(created.pk)
        if created.author_id is None and len(self.report.query_codes) < MAX_KEPT_QUERY_CODES:
            self.report.query_codes[created.pk] = submission.query_code
        self.report.messages += 1
        if self._bar is not None:
            self._bar.update(1)

    def _submit(self, actor: Actor, slot: Slot, step: Step, title: str, body: str) -> actions.Submission:
        return actions.do_submit(
            actor,
            board=slot.board,
            type=slot.texts.type,
            title=title,
            body=body,
            category=slot.category,
            region=slot.region,
            is_public=slot.is_public,
            is_urgent=slot.is_urgent,
            nickname=slot.nickname,
            contact_name=slot.contact_name,
            contact_phone=slot.contact_phone,
            source=Source.DEMO,
            at=step.at,
        )

    def _do_reclassify(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_reclassify(
            self._reviewer(live),
            message,
            category=self.p.categories[step.args["category"]],
            region=self.p.regions[step.args["region"]],
            reason=step.args["reason"],
        )

    def _do_redact(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        name = step.args["name"]
        actions.do_redact(
            self._reviewer(live),
            message,
            public_title=message.public_title.replace(name, mask_name(name)),
            public_body=message.public_body.replace(name, mask_name(name)),
            reason=corpus.REDACT_REASON,
        )

    def _do_accept(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_accept(self._reviewer(live), message, note=step.args["note"])

    def _do_flag_key(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_flag_key(self._reviewer(live), message, reason=step.args["reason"])

    def _do_supervise(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_supervise(self._supervisor(live), message, level=step.args["level"], note=step.args["note"])

    def _do_reject(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        duplicate_of = live.messages[step.args["dup_of"]] if step.args["dup_of"] >= 0 else None
        reason = step.args["reason"]
        if duplicate_of is not None:
            reason = reason.replace("{number}", duplicate_of.number)
        actions.do_reject(
            self._reviewer(live), message, reason_code=step.args["code"], reason=reason, duplicate_of=duplicate_of
        )

    def _do_answer_directly(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_answer_directly(self._reviewer(live), message, body=step.args["body"])

    def _do_merge(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        primary = live.messages[step.args["primary"]]
        assert primary is not None
        if primary.pk in self.stale:
            primary.refresh_from_db()
        actions.do_merge_duplicate(
            self._reviewer(live), message, primary=primary, reason=f"与留言 {primary.number} 反映同一问题，合并办理。"
        )

    def _do_dispatch(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actor = Actor.system() if step.args["system"] else self._dispatcher(live)
        actions.do_dispatch(actor, message, unit=self.p.units[step.args["unit"]], confidence=step.args["confidence"])

    def _do_sign(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_sign(self._handler(message), message)

    def _do_contact(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_record_contact(self._handler(message), message, summary=step.args["summary"])

    def _do_note(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_add_note(self._handler(message), message, body=step.args["body"])

    def _do_request_return(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_request_return(self._handler(message), message, reason=step.args["reason"], basis=step.args["basis"])

    def _do_request_transfer(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_request_transfer(
            self._handler(message),
            message,
            target_unit=self.p.units[step.args["target"]],
            reason=step.args["reason"],
            basis="function",
        )

    def _do_approve_return(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        to_unit = self.p.units[step.args["to"]] if step.args["to"] else None
        actions.do_approve_return(self._dispatcher(live), message, to_unit=to_unit, note=step.args["note"])

    def _do_refuse_return(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_refuse_return(self._dispatcher(live), message, reason=step.args["reason"])

    def _do_transfer(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_transfer(
            self._dispatcher(live), message, unit=self.p.units[step.args["unit"]], reason=step.args["reason"]
        )

    def _do_request_cohandling(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_request_cohandling(
            self._handler(message), message, units=[self.p.units[step.args["co"]]], reason=step.args["reason"]
        )

    def _do_decide_cohandling(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_decide_cohandling(
            self._dispatcher(live), message, approve=step.args["approve"], note=step.args["note"]
        )

    def _do_request_extension(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None and message.due_at is not None
        due = add_working_days(message.due_at, EXTENSION_WORKING_DAYS)
        actions.do_request_extension(self._handler(message), message, due_at=due, reason=step.args["reason"])

    def _do_decide_extension(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_decide_extension(
            self._dispatcher(live), message, approve=step.args["approve"], note=step.args["note"]
        )

    def _do_wait(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_wait_for_citizen(self._handler(message), message, question=step.args["question"])

    def _do_resume(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actor = self._author(live, step, message) if step.args["by_citizen"] else self._handler(message)
        actions.do_resume(actor, message, supplement=step.args["supplement"])

    def _do_submit_reply(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        today = timezone.localtime(step.at, self.tz)
        body = (
            step.args["body"]
            .replace("〔unit〕", self._unit_name(message))
            .replace("〔date〕", f"{today.year}年{today.month}月{today.day}日")
        )
        actions.do_submit_reply(self._handler(message), message, body=body, regulations=step.args["regulations"])

    def _do_send_back(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_send_back_reply(self._head(message), message, reason=step.args["reason"])

    def _do_approve_reply(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actor = self._reviewer(live) if message.review_stage == ReviewStage.PLATFORM else self._head(message)
        actions.do_approve_reply(actor, message)

    def _do_follow_up(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_follow_up(self._author(live, step, message), message, question=step.args["question"])

    def _do_rate(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_rate(
            self._author(live, step, message),
            message,
            satisfaction=step.args["satisfaction"],
            resolved=step.args["resolved"],
            reason=step.args["reason"],
        )

    def _do_reopen(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_reopen(self._supervisor(live), message, reason=step.args["reason"])

    def _do_close(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_close(self._supervisor(live), message, reason=step.args["reason"])

    def _do_urge(self, live: _Live, step: Step, message: Message | None) -> None:
        assert message is not None
        actions.do_urge(self._supervisor(live), message, note=step.args["note"])


def _last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

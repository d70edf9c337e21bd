"""Deterministic case plans: what each demo message goes through, step by step, and when (no database writes)."""

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.deadlines.clock import is_working_day
from liuyan.demo import corpus
from liuyan.demo.corpus import Texts, Topic
from liuyan.demo.reference import COUNTIES_WITH_BUREAUS, HANDLE_WORKING_DAYS, UTILITY_CATEGORIES, Province
from liuyan.demo.users import Staff
from liuyan.geo.models import Region
from liuyan.messages.models import RejectReason, ReturnBasis, Satisfaction, SupervisionLevel
from liuyan.orgs.catalogue import CurrentCatalogue
from liuyan.orgs.models import Board, Unit
from liuyan.taxonomy.models import Category

# Who acts decides when a step may happen: staff in office hours on working days, citizens from early morning to
# late evening, the duty desk (urgent messages) and the system at any time.
CITIZEN, STAFF, DUTY, SYSTEM = "citizen", "staff", "duty", "system"
HISTORY_DAYS = 365
REPLY_ANSWER_HOURS = (settings.AUTO_CLOSE_DAYS - 2) * 24.0

# Share of cases per scenario (the final state a case's main message is planned to reach). Most messages are old and
# finished; every open state holds a few. Rejections are split by reason code so that each code appears.
SCENARIO_WEIGHTS: dict[str, float] = {
    "archived": 50,
    "closed": 15,
    "closed_reopened": 1.2,
    "closed_direct": 1.0,
    "archived_direct": 2.5,
    "archived_rejected": 4.5,
    "rejected:out_of_scope": 0.5,
    "rejected:legal_process": 0.4,
    "rejected:duplicate": 0.4,
    "rejected:bad_contact": 0.3,
    "rejected:prohibited": 0.3,
    "answered_directly": 0.8,
    "merged": 0.8,
    "rated": 0.9,
    "replied": 2.2,
    "reply_review": 1.1,
    "waiting_citizen": 0.8,
    "return_requested": 0.8,
    "in_progress": 3.2,
    "in_progress_overdue": 1.6,
    "reopened": 0.5,
    "escalated": 0.3,
    "dispatched": 1.3,
    "accepted": 0.8,
    "under_review": 1.3,
}

# When the case's last planned step happens, in days before "now" (lo, hi), for cases that stay open.
OPEN_WINDOWS: dict[str, tuple[float, float]] = {
    "under_review": (0.02, 2.5),
    "accepted": (0.02, 1.5),
    "dispatched": (0.02, 2.5),
    "return_requested": (0.05, 3),
    "in_progress": (0.05, 12),
    "in_progress_overdue": (15, 75),
    "waiting_citizen": (0.1, 8),
    "reply_review": (0.02, 2),
    "rated": (0.1, 20),
    "merged": (0.05, 12),
    "reopened": (0.05, 12),
    "escalated": (0.05, 15),
    "rejected:duplicate": (0.05, 12),
}


@dataclass(frozen=True)
class Windows:
    """Windows that depend on the deadline ladder's settings. A published reply nobody rates is closed
    AUTO_CLOSE_DAYS later; a closed or rejected message is archived ARCHIVE_AFTER_DAYS after closing. The ladder runs
    twice a day, so every window keeps a day clear of those lines."""

    replied: tuple[float, float]  # REPLIED / ANSWERED_DIRECTLY: not yet closed automatically
    closed: tuple[float, float]  # closed (or rejected) at the last step, not yet archived
    closed_unrated: tuple[float, float]  # last step publishes the reply; the ladder closes it, not yet archived
    archived: tuple[float, float]
    archived_unrated: tuple[float, float]

    @classmethod
    def from_settings(cls) -> "Windows":
        close, archive = float(settings.AUTO_CLOSE_DAYS), float(settings.ARCHIVE_AFTER_DAYS)
        history = float(HISTORY_DAYS)
        return cls(
            replied=(0.05, max(close - 2, 0.1)),
            closed=(0.05, archive - 1),
            closed_unrated=(close + 1.5, close + archive - 1),
            archived=(archive + 1, history),
            archived_unrated=(close + archive + 1.5, history),
        )


CITY_WEIGHTS = [25, 12, 10, 8, 8, 7, 7, 6, 5, 5, 4, 3]  # A市 (the capital) first
OTHER_CATEGORY = "其他 / 其他"


@dataclass
class Step:
    at: dt.datetime
    slot: int
    action: str
    args: dict[str, Any]


@dataclass
class Slot:
    """One message of a case, as the citizen will submit it, and what it really is about."""

    texts: Texts
    board: Board
    category: Category | None  # as submitted
    region: Region | None  # as submitted
    true_category: Category
    true_region: Region
    author: User | None
    submitter: str  # citizen | anonymous | assisted (帮办: staff file it for a caller)
    nickname: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    is_public: bool = True
    is_urgent: bool = False


@dataclass
class Case:
    index: int
    scenario: str
    slots: list[Slot]
    steps: list[Step]

    @property
    def start(self) -> dt.datetime:
        return self.steps[0].at


@dataclass
class _Item:
    delay: float  # hours since the previous step
    who: str
    slot: int
    action: str
    args: dict[str, Any]
    max_gap: float = 0.0  # hours: the previous step may not be moved further back than this (0: no limit)


@dataclass
class _Timeline:
    """Steps with relative delays; times are laid out backwards from the last step (see `layout`)."""

    items: list[_Item] = field(default_factory=list)

    def add(self, delay: float, who: str, slot: int, action: str, **args: Any) -> None:
        # A citizen's answer to a published reply must come before the reply is closed automatically.
        max_gap = REPLY_ANSWER_HOURS if action in ("rate", "follow_up") else 0.0
        self.items.append(_Item(max(delay, 0.02), who, slot, action, args, max_gap))

    def __len__(self) -> int:
        return len(self.items)


def schedule(seed: int, size: int) -> list[str]:
    """Scenario of each case index: every scenario once first (small builds reach every state), then quotas."""
    rng = random.Random(f"{seed}:schedule")
    names = list(SCENARIO_WEIGHTS)
    first = names[:]
    rng.shuffle(first)
    total = sum(SCENARIO_WEIGHTS.values())
    rest_size = max(size - len(first), 0)
    exact = {n: SCENARIO_WEIGHTS[n] / total * rest_size for n in names}
    counts = {n: int(v) for n, v in exact.items()}
    for n in sorted(names, key=lambda n: exact[n] - counts[n], reverse=True)[: rest_size - sum(counts.values())]:
        counts[n] += 1
    rest = [n for n in names for _ in range(counts[n])]
    rng.shuffle(rest)
    return first + rest


class Planner:
    """Turns (seed, case index, scenario) into a Case. Pure apart from cached catalogue look-ups."""

    def __init__(self, province: Province, staff: Staff, *, seed: int, as_of: dt.datetime) -> None:
        self.p = province
        self.staff = staff
        self.seed = seed
        self.as_of = as_of
        self.tz = timezone.get_default_timezone()
        self.domains = list(corpus.DOMAIN_WEIGHTS)
        self.domain_weights = [corpus.DOMAIN_WEIGHTS[d] for d in self.domains]
        self.showcase_topics = [
            t
            for t in corpus.TOPICS
            if t.domain == "住房和城乡建设" and "城市管理" not in t.category and "市政公用事业" not in t.category
        ]
        self.coverage = len(SCENARIO_WEIGHTS)
        self.citizen_weights = list(itertools.accumulate(1 / (i**0.7) for i in range(1, len(staff.citizens))))
        # The first cases of a build (one per scenario) go to A市住房和城乡建设局, whose staff have the printed logins:
        # 住建 topics (not the 城管 ones) in A市 counties without bureaus of their own.
        capital = province.cities[0]
        self.showcase_counties = [c for c in province.counties[capital.pk] if c.code not in COUNTIES_WITH_BUREAUS]
        self.catalogue = CurrentCatalogue()
        self.windows = Windows.from_settings()
        self._working: dict[dt.date, bool] = {}

    # -- who, where, what ---------------------------------------------------------------------------------------

    def _region(self, rng: random.Random, showcase: bool) -> Region:
        if showcase:
            return rng.choice(self.showcase_counties)
        city = rng.choices(self.p.cities, weights=CITY_WEIGHTS[: len(self.p.cities)])[0]
        counties = self.p.counties[city.pk]
        if not counties or rng.random() < 0.12:
            return city
        return rng.choice(counties)

    def _board(self, rng: random.Random, region: Region) -> Board:
        city = self.p.city_of(region)
        county_board = self.p.county_boards.get(region.pk)
        roll = rng.random()
        if county_board is not None and roll < 0.25:
            return county_board
        if roll < 0.72:
            return rng.choice(self.p.city_boards[city.pk])
        return rng.choice(self.p.province_boards)

    def _other_city(self, rng: random.Random, region: Region) -> Region:
        city = self.p.city_of(region)
        return rng.choice([c for c in self.p.cities if c.pk != city.pk])

    def right_unit(self, category: Category, region: Region) -> Unit:
        unit = self.catalogue.unit(category.pk, region.pk)
        return unit if unit is not None else self.p.city_unit("ZW", region)

    def _slot(
        self,
        rng: random.Random,
        texts: Texts,
        region: Region,
        *,
        author: User | None,
        submitter: str,
        misfiled: bool = False,
        urgent: bool = False,
        confidential: bool = False,
    ) -> Slot:
        category = self.p.categories[texts.category]
        slot = Slot(
            texts=texts,
            board=self._board(rng, region),
            category=self.p.categories[OTHER_CATEGORY] if misfiled else category,
            region=None if misfiled else region,
            true_category=category,
            true_region=region,
            author=author,
            submitter=submitter,
            is_public=not confidential,
            is_urgent=urgent,
        )
        if submitter != "citizen":
            slot.contact_phone = corpus.phone_number(rng)
            slot.nickname = rng.choice(corpus.NICKNAMES)
        if submitter == "assisted":
            slot.contact_name = corpus.real_name(rng)
        return slot

    def _author(self, rng: random.Random, index: int) -> tuple[User | None, str]:
        roll = rng.random()
        if (index < self.coverage and index % 2 == 0) or roll < 0.04:
            return self.staff.citizens[0], "citizen"
        if roll < 0.80:
            # A few citizens write a lot, most write once or twice (a gentle Zipf spread).
            return rng.choices(self.staff.citizens[1:], cum_weights=self.citizen_weights)[0], "citizen"
        if roll < 0.92:
            return None, "anonymous"
        return None, "assisted"

    def _slots_for(self, rng: random.Random, region: Region) -> dict[str, str]:
        city = self.p.city_of(region)
        return corpus.make_slots(rng, city=city.name, county=region.name, other_city=self._other_city(rng, region).name)

    def _topic(self, rng: random.Random, showcase: bool) -> Topic:
        if showcase:
            return rng.choice(self.showcase_topics)
        domain = rng.choices(self.domains, weights=self.domain_weights)[0]
        return rng.choice(corpus.TOPICS_BY_DOMAIN[domain])

    # -- time ---------------------------------------------------------------------------------------------------

    def _is_working(self, day: dt.date) -> bool:
        if day not in self._working:
            self._working[day] = is_working_day(day)
        return self._working[day]

    def _snap(self, moment: dt.datetime, who: str) -> dt.datetime:
        """The latest plausible moment not after `moment` for `who`: off-hours staff work moves back to a time of the
        previous working day (spread over the day, derived from `moment` so that plans stay deterministic)."""
        if who in (DUTY, SYSTEM):
            return moment
        local = timezone.localtime(moment, self.tz)
        spread = local.minute * 61 + local.second
        if who == CITIZEN:
            if local.hour >= 7:
                return moment
            day = local.date() - dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(19 + spread % 5, spread % 60), self.tz)
        start, end = dt.time(8, 30), dt.time(18, 0)
        if self._is_working(local.date()) and start <= local.time() <= end:
            return moment
        day = local.date()
        if not (self._is_working(day) and local.time() > end):
            day -= dt.timedelta(days=1)
            while not self._is_working(day):
                day -= dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(9 + spread % 9, spread % 60), self.tz)

    def _layout(self, tl: _Timeline, end: dt.datetime) -> list[dt.datetime]:
        times = [end] * len(tl.items)
        times[-1] = self._snap(end, tl.items[-1].who)
        for i in range(len(tl.items) - 2, -1, -1):
            nxt = tl.items[i + 1]
            moment = times[i + 1] - dt.timedelta(hours=nxt.delay)
            times[i] = self._snap(moment, tl.items[i].who)
            if nxt.max_gap and times[i + 1] - times[i] > dt.timedelta(hours=nxt.max_gap):
                times[i] = moment  # e.g. a reply published on a weekend rather than before a long holiday
        return times

    def _place(self, rng: random.Random, tl: _Timeline, window: tuple[float, float]) -> list[dt.datetime]:
        """Lay the timeline out so that its last step falls in `window` (days before now) and its first step no
        earlier than HISTORY_DAYS ago."""
        lo, hi = window
        probe = self._layout(tl, self.as_of - dt.timedelta(days=lo))
        duration = (probe[-1] - probe[0]).total_seconds() / 86400
        hi = max(lo, min(hi, HISTORY_DAYS - duration - 0.5))
        # Open messages cluster near "now"; finished ones spread evenly over the year.
        days = lo + (hi - lo) * (rng.random() ** 1.6 if hi - lo < 30 else rng.random())
        return self._layout(tl, self.as_of - dt.timedelta(days=days))

    # -- the plan -----------------------------------------------------------------------------------------------

    def plan(self, index: int, scenario: str, budget: int) -> Case:
        """The case for `index`: at most `budget` messages (a primary and sometimes its duplicates)."""
        rng = random.Random(f"{self.seed}:case:{index}")
        showcase = index < self.coverage
        family, _, code = scenario.partition(":")
        if scenario == "archived_rejected":
            family, code = (
                "archived_rejected",
                rng.choice([c for c in RejectReason.values if c != RejectReason.DUPLICATE]),
            )
        tl = _Timeline()
        if family in ("rejected", "archived_rejected") and code != RejectReason.DUPLICATE:
            slot, reason = self._rejected_slot(rng, code, showcase)
            slots = [slot]
            self._submit(tl, slot)
            tl.add(rng.uniform(0.3, 30), STAFF, 0, "reject", code=code, reason=reason, dup_of=-1)
            window = self.windows.closed if family == "rejected" else self.windows.archived
            return self._finish(rng, index, scenario, slots, tl, window)
        if family in ("answered_directly", "closed_direct", "archived_direct"):
            return self._direct(rng, index, scenario, showcase)

        author, submitter = self._author(rng, index)
        topic = self._topic(rng, showcase)
        region = self._region(rng, showcase)
        texts = corpus.compose_message(
            rng,
            topic,
            self._slots_for(rng, region),
            with_phone=rng.random() < 0.18,
            with_name=rng.random() < 0.08,
        )
        urgent = topic.urgent and rng.random() < 0.3
        confidential = rng.random() < (0.5 if "违法犯罪线索" in topic.category else 0.06)
        slot = self._slot(
            rng,
            texts,
            region,
            author=author,
            submitter=submitter,
            misfiled=rng.random() < 0.04,
            urgent=urgent,
            confidential=confidential,
        )
        slots = [slot]
        self._submit(tl, slot)
        self._review(rng, tl, 0, slot)
        if scenario == "under_review":
            del tl.items[1:]  # review not done yet (only the submission)
            return self._finish(rng, index, scenario, slots, tl, OPEN_WINDOWS["under_review"])
        self._accept(rng, tl, 0, slot, topic)
        if scenario == "accepted":
            return self._finish(rng, index, scenario, slots, tl, OPEN_WINDOWS["accepted"])

        cut = {
            "dispatched": "dispatched",
            "return_requested": "return_requested",
            "in_progress": "in_progress",
            "in_progress_overdue": "in_progress",
            "merged": "in_progress",
            "rejected": "in_progress",
            "waiting_citizen": "waiting",
            "reply_review": "reply_review",
        }.get(family, "")
        accept_at = len(tl) - 1
        replied = self._handle(rng, tl, 0, slot, cut=cut)
        if not replied:
            if scenario == "in_progress_overdue" and rng.random() < 0.4:
                tl.add(rng.uniform(24, 200), STAFF, 0, "urge", note=rng.choice(corpus.URGE_NOTES))
            window = OPEN_WINDOWS[scenario]
            times = self._place(rng, tl, window)
            steps = self._steps(tl, times)
            if family == "merged":
                self._add_duplicates(rng, slots, steps, times[accept_at], times[-1], budget, merge=True)
            elif scenario == "rejected:duplicate":
                self._add_duplicates(rng, slots, steps, times[accept_at], times[-1], min(budget, 2), merge=False)
            return Case(index, scenario, slots, sorted(steps, key=lambda s: s.at))

        replied_at = len(tl) - 1
        window = self._feedback(rng, tl, 0, slot, family)
        times = self._place(rng, tl, window)
        steps = self._steps(tl, times)
        if budget > 1 and rng.random() < 0.04:
            # 办好一类事: others wrote about the same problem; merged, they get the primary's reply.
            self._add_duplicates(rng, slots, steps, times[accept_at], times[replied_at], budget, merge=True)
        return Case(index, scenario, slots, sorted(steps, key=lambda s: s.at))

    def _steps(self, tl: _Timeline, times: list[dt.datetime]) -> list[Step]:
        return [Step(t, item.slot, item.action, item.args) for t, item in zip(times, tl.items, strict=True)]

    def _finish(
        self,
        rng: random.Random,
        index: int,
        scenario: str,
        slots: list[Slot],
        tl: _Timeline,
        window: tuple[float, float],
    ) -> Case:
        return Case(index, scenario, slots, self._steps(tl, self._place(rng, tl, window)))

    def _submit(self, tl: _Timeline, slot: Slot) -> None:
        tl.add(0, STAFF if slot.submitter == "assisted" else CITIZEN, 0, "submit")

    def _review(self, rng: random.Random, tl: _Timeline, s: int, slot: Slot) -> None:
        """Before accepting: fix a misfiled category and region, mask a third person's name."""
        if slot.category is not slot.true_category:
            tl.add(
                rng.uniform(0.3, 20),
                STAFF,
                s,
                "reclassify",
                category=slot.true_category.path,
                region=slot.true_region.code,
                reason=rng.choice(corpus.RECLASSIFY_REASONS),
            )
        if slot.texts.mentioned_name and rng.random() < 0.6:
            tl.add(rng.uniform(0.1, 6), STAFF, s, "redact", name=slot.texts.mentioned_name)

    def _accept(self, rng: random.Random, tl: _Timeline, s: int, slot: Slot, topic: Topic) -> None:
        tl.add(rng.uniform(0.3, 26), STAFF, s, "accept", note=rng.choice(corpus.ACCEPT_NOTES))
        if topic.key and (slot.is_urgent or rng.random() < 0.5):
            tl.add(rng.uniform(0.05, 0.5), STAFF, s, "flag_key", reason=topic.key)
            if rng.random() < 0.3:
                level = SupervisionLevel.KEY if rng.random() < 0.6 else SupervisionLevel.GENERAL
                tl.add(rng.uniform(0.2, 8), STAFF, s, "supervise", level=level, note=rng.choice(corpus.SUPERVISE_NOTES))

    def _rejected_slot(self, rng: random.Random, code: str, showcase: bool) -> tuple[Slot, str]:
        region = self._region(rng, showcase)
        text, texts = corpus.compose_rejected(rng, code, self._slots_for(rng, region))
        if code == RejectReason.BAD_CONTACT:
            author, submitter = None, "anonymous"
        else:
            author, submitter = self._author(rng, 1)
        slot = self._slot(rng, texts, region, author=author, submitter=submitter)
        return slot, corpus.fill(text.reason, texts.slots)

    def _direct(self, rng: random.Random, index: int, scenario: str, showcase: bool) -> Case:
        topic = rng.choice(corpus.DIRECT_TOPICS)
        region = self._region(rng, showcase)
        texts = corpus.compose_message(rng, topic, self._slots_for(rng, region), with_phone=False, with_name=False)
        texts.type = "inquiry"
        author, submitter = self._author(rng, index)
        slot = self._slot(rng, texts, region, author=author, submitter=submitter)
        tl = _Timeline()
        self._submit(tl, slot)
        tl.add(rng.uniform(0.3, 26), STAFF, 0, "answer_directly", body=corpus.compose_direct_answer(texts))
        if scenario == "answered_directly":
            window = self.windows.replied
        elif rng.random() < 0.55:
            sat = Satisfaction.SATISFIED if rng.random() < 0.85 else Satisfaction.BASIC
            tl.add(rng.uniform(1, 200), CITIZEN, 0, "rate", **self._rating(rng, sat))
            window = self.windows.closed if scenario == "closed_direct" else self.windows.archived
        else:
            window = self.windows.closed_unrated if scenario == "closed_direct" else self.windows.archived_unrated
        return self._finish(rng, index, scenario, [slot], tl, window)

    # -- handling -----------------------------------------------------------------------------------------------

    def _span_hours(self, slot: Slot) -> tuple[float, str]:
        """The handling allowance in calendar hours, and who works on it (the duty desk for urgent messages)."""
        if slot.is_urgent:
            return 2.0, DUTY
        if slot.true_category.path in UTILITY_CATEGORIES:
            return 24.0, STAFF
        return HANDLE_WORKING_DAYS[slot.texts.type] * 24 * 1.4, STAFF

    def _handle(self, rng: random.Random, tl: _Timeline, s: int, slot: Slot, *, cut: str) -> bool:
        """交办 → 签收 → 办理 → 答复审核 → 已回复. Returns False when the plan stops in an open state (`cut`)."""
        right = self.right_unit(slot.true_category, slot.true_region)
        right_key = right.code.rsplit("-", 1)[1]
        city = self.p.city_of(slot.true_region)
        span, who = self._span_hours(slot)
        late = rng.random() < 0.09
        budget = span * (rng.uniform(1.1, 2.2) if late else rng.uniform(0.2, 0.85))

        side = rng.random()
        auto = slot.board.auto_dispatch and rng.random() < 0.6
        # The simulated history records no model confidence: no model read these messages when they were
        # "dispatched" (the live pipeline records its own). The two draws stay so that a seed plans what it did.
        rng.uniform(0.981, 0.999)
        if not auto and rng.random() < 0.7:
            rng.uniform(0.55, 0.97)
        dispatch_args: dict[str, Any] = {"system": auto, "confidence": None}
        wrong_keys = [k for k in ("ZJ", "HB", "SJ", "GA", "RS", "JT", "CG") if k != right_key]
        wrong_function = self.p.city_unit(rng.choice(wrong_keys), city)
        wrong_territory = self.p.city_unit(right_key, self._other_city(rng, slot.true_region))
        returning = cut == "return_requested" or side < 0.06
        platform_transfer = not returning and side < 0.08

        first = right
        if returning:
            variant = rng.choice(["function", "territory", "transfer", "ownership"])
            first = {"function": wrong_function, "territory": wrong_territory, "transfer": wrong_function}.get(
                variant, right
            )
        elif platform_transfer:
            first = wrong_function
        tl.add(rng.uniform(0.3, 22), who, s, "dispatch", unit=first.code, **dispatch_args)
        if cut == "dispatched":
            return False
        signed = False
        if returning:
            if rng.random() < 0.5:
                tl.add(rng.uniform(0.2, 6), who, s, "sign")
                signed = first.code == right.code
            if variant == "transfer":
                tl.add(
                    rng.uniform(0.5, 20),
                    who,
                    s,
                    "request_transfer",
                    target=right.code,
                    reason=corpus.pick(rng, corpus.TRANSFER_REASONS, {"target": right.name}),
                )
            else:
                basis = {"function": ReturnBasis.FUNCTION, "territory": ReturnBasis.TERRITORY}.get(
                    variant, ReturnBasis.OWNERSHIP
                )
                reason = corpus.fill(corpus.RETURN_REASONS[basis], {"other": right.name})
                tl.add(rng.uniform(0.5, 20), who, s, "request_return", basis=basis, reason=reason)
            if cut == "return_requested":
                return False
            if variant == "ownership":
                tl.add(rng.uniform(1, 24), STAFF, s, "refuse_return", reason=corpus.REFUSE_RETURN)
            elif variant == "transfer" or rng.random() < 0.6:
                tl.add(rng.uniform(1, 24), STAFF, s, "approve_return", to=right.code, note="")
            else:
                tl.add(rng.uniform(1, 24), STAFF, s, "approve_return", to="", note="")
                tl.add(rng.uniform(0.3, 8), STAFF, s, "dispatch", unit=right.code, system=False, confidence=None)
                signed = False
        elif platform_transfer:
            tl.add(
                rng.uniform(1, 20),
                STAFF,
                s,
                "transfer",
                unit=right.code,
                reason=corpus.fill(corpus.PLATFORM_TRANSFER, {"target": right.name}),
            )
        if not signed:
            sign_delay = (
                rng.uniform(26, 52) if rng.random() < 0.08 else rng.uniform(0.2, min(8, max(budget * 0.2, 0.3)))
            )
            tl.add(sign_delay, who, s, "sign")
        safe_cuts = [len(tl)]
        return self._work(rng, tl, s, slot, right, city, budget, who, cut, safe_cuts)

    def _work(
        self,
        rng: random.Random,
        tl: _Timeline,
        s: int,
        slot: Slot,
        unit: Unit,
        city: Region,
        budget: float,
        who: str,
        cut: str,
        safe_cuts: list[int],
    ) -> bool:
        """From signing to a published reply."""
        share = budget

        def part(lo: float, hi: float) -> float:
            return max(share * rng.uniform(lo, hi), 0.1)

        if rng.random() < 0.88:
            tl.add(part(0.03, 0.15), who, s, "contact", summary=rng.choice(corpus.CONTACTS))
            safe_cuts.append(len(tl))
        if rng.random() < 0.1:
            tl.add(part(0.02, 0.1), who, s, "note", body=rng.choice(corpus.NOTES))
            safe_cuts.append(len(tl))
        if cut == "waiting" or rng.random() < 0.05:
            question = slot.texts.topic.wait_question if slot.texts.topic and slot.texts.topic.wait_question else ""
            tl.add(part(0.05, 0.2), who, s, "wait", question=question or rng.choice(corpus.WAIT_QUESTIONS))
            if cut == "waiting":
                return False
            by_citizen = rng.random() < 0.75
            tl.add(
                rng.uniform(20, 140),
                CITIZEN if by_citizen else who,
                s,
                "resume",
                by_citizen=by_citizen,
                supplement=corpus.pick(rng, corpus.SUPPLEMENTS, slot.texts.slots),
            )
            safe_cuts.append(len(tl))
        if rng.random() < 0.05:
            co_key = rng.choice([k for k in ("HB", "GA", "SJ", "CG", "ZR") if not unit.code.endswith(k)])
            co = self.p.city_unit(co_key, city)
            tl.add(
                part(0.05, 0.2),
                who,
                s,
                "request_cohandling",
                co=co.code,
                reason=corpus.pick(rng, corpus.COHANDLING_REASONS, {"co": co.name}),
            )
            safe_cuts.append(len(tl))
            approve = rng.random() < 0.85
            note = "" if approve else "该事项可由主办单位独立办结，不同意协办。"
            tl.add(rng.uniform(1, 20), STAFF, s, "decide_cohandling", approve=approve, note=note)
            safe_cuts.append(len(tl))
        if rng.random() < 0.07:
            tl.add(part(0.2, 0.5), STAFF, s, "request_extension", reason=rng.choice(corpus.EXTENSION_REASONS))
            safe_cuts.append(len(tl))
            approve = rng.random() < 0.75
            note = "" if approve else rng.choice(corpus.EXTENSION_REFUSALS)
            tl.add(rng.uniform(1, 24), STAFF, s, "decide_extension", approve=approve, note=note)
            safe_cuts.append(len(tl))
            if approve:
                share *= 1.4
        if rng.random() < 0.03:
            tl.add(part(0.05, 0.2), STAFF, s, "urge", note=rng.choice(corpus.URGE_NOTES))
            safe_cuts.append(len(tl))
        if cut == "in_progress":
            del tl.items[rng.choice(safe_cuts) :]
            return False
        return self._reply(rng, tl, s, slot, share, who, cut, send_back=rng.random() < 0.06)

    def _reply(
        self,
        rng: random.Random,
        tl: _Timeline,
        s: int,
        slot: Slot,
        share: float,
        who: str,
        cut: str,
        *,
        send_back: bool,
    ) -> bool:
        nickname = slot.author.nickname if slot.author is not None else slot.nickname
        body = corpus.compose_reply(rng, slot.texts, unit="〔unit〕", date="〔date〕", nickname=nickname)
        regulations = list(slot.texts.topic.regulations) if slot.texts.topic else []
        tl.add(max(share * rng.uniform(0.3, 0.6), 0.3), who, s, "submit_reply", body=body, regulations=regulations)
        if send_back:
            tl.add(rng.uniform(0.5, 20), who, s, "send_back", reason=rng.choice(corpus.SEND_BACKS))
            tl.add(rng.uniform(1, 30), who, s, "submit_reply", body=body, regulations=regulations)
        platform = slot.board.platform_reviews_replies
        if cut == "reply_review" and (not platform or rng.random() < 0.5):
            return False
        tl.add(rng.uniform(0.3, 20), who, s, "approve_reply")
        if platform:
            if cut == "reply_review":
                return False
            tl.add(rng.uniform(0.5, 20), STAFF, s, "approve_reply")
        return True

    def _rating(self, rng: random.Random, satisfaction: str) -> dict[str, Any]:
        resolved: bool | None = None
        if rng.random() < 0.85:
            resolved = satisfaction != Satisfaction.UNSATISFIED and rng.random() < 0.9
        return {"satisfaction": satisfaction, "resolved": resolved, "reason": corpus.rating_reason(rng, satisfaction)}

    def _again(self, rng: random.Random, tl: _Timeline, s: int, slot: Slot, *, after: str) -> None:
        """One more handling round after a follow-up (追问) or a reopening (重办)."""
        span, who = self._span_hours(slot)
        if rng.random() < 0.7:
            tl.add(rng.uniform(1, 20), who, s, "contact", summary=rng.choice(corpus.CONTACTS))
        share = span * (rng.uniform(0.2, 0.8) if after == "reopen" else rng.uniform(0.1, 0.4))
        self._reply(rng, tl, s, slot, share, who, "", send_back=False)

    def _feedback(self, rng: random.Random, tl: _Timeline, s: int, slot: Slot, family: str) -> tuple[float, float]:
        """After the reply: follow-ups, ratings, reopening, closing. Returns the window of the last step."""
        if family == "replied":
            return self.windows.replied
        if rng.random() < 0.04:
            tl.add(rng.uniform(2, 150), CITIZEN, s, "follow_up", question=rng.choice(corpus.FOLLOW_UPS))
            self._again(rng, tl, s, slot, after="follow_up")
        rounds = {"escalated": settings.MAX_REOPEN_ROUNDS, "reopened": 1, "closed_reopened": 1}.get(family, 0)
        if family == "archived" and rng.random() < 0.04:
            rounds = 1
        for round_ in range(1, rounds + 1):
            self._unsatisfied(rng, tl, s)
            tl.add(rng.uniform(4, 80), STAFF, s, "reopen", reason=rng.choice(corpus.REOPEN_REASONS))
            if family in ("escalated", "reopened") and round_ == rounds:
                if rng.random() < 0.5:
                    tl.add(rng.uniform(1, 20), STAFF, s, "contact", summary=rng.choice(corpus.CONTACTS))
                return OPEN_WINDOWS[family]
            self._again(rng, tl, s, slot, after="reopen")
        if family == "rated":
            self._unsatisfied(rng, tl, s)
            return OPEN_WINDOWS["rated"]
        w = self.windows
        finished = w.closed if family.startswith("closed") else w.archived
        roll = rng.random()
        if family != "closed_reopened" and roll < 0.3:
            return w.closed_unrated if family.startswith("closed") else w.archived_unrated
        if family != "closed_reopened" and roll < 0.36:
            self._unsatisfied(rng, tl, s)
            tl.add(rng.uniform(4, 90), STAFF, s, "close", reason=rng.choice(corpus.SUPERVISOR_CLOSES))
            return finished
        sat = Satisfaction.SATISFIED if rng.random() < 0.86 else Satisfaction.BASIC
        tl.add(rng.uniform(1, 260), CITIZEN, s, "rate", **self._rating(rng, sat))
        return finished

    def _unsatisfied(self, rng: random.Random, tl: _Timeline, s: int) -> None:
        tl.add(rng.uniform(2, 200), CITIZEN, s, "rate", **self._rating(rng, Satisfaction.UNSATISFIED))

    # -- duplicates ---------------------------------------------------------------------------------------------

    def _add_duplicates(
        self,
        rng: random.Random,
        slots: list[Slot],
        steps: list[Step],
        after: dt.datetime,
        before: dt.datetime,
        budget: int,
        *,
        merge: bool,
    ) -> None:
        """Messages about the primary's problem: merged into it (合并), or the author's repeat, rejected."""
        primary = slots[0]
        count = min(rng.choice([1, 1, 2, 3]) if merge else 1, budget - len(slots))
        span = (before - after).total_seconds() / 3600
        for _ in range(count):
            texts = corpus.compose_duplicate(rng, primary.texts)
            if merge:
                author, submitter = self._author(rng, self.coverage)
                if author is not None and author == primary.author:
                    author, submitter = None, "anonymous"
            else:
                author, submitter = primary.author, primary.submitter
            dup = self._slot(rng, texts, primary.true_region, author=author, submitter=submitter)
            if not merge:
                dup.contact_phone, dup.nickname = primary.contact_phone, primary.nickname
            slots.append(dup)
            s = len(slots) - 1
            submit_at = after + dt.timedelta(hours=max(span * rng.uniform(0.05, 0.6), 0.2))
            limit = min(before, self.as_of - dt.timedelta(minutes=5))
            act_at = submit_at + dt.timedelta(hours=rng.uniform(0.2, 10))
            if act_at >= limit:
                act_at = submit_at + (limit - submit_at) / 2
            steps.append(Step(submit_at, s, "submit", {}))
            if merge:
                steps.append(Step(act_at, s, "merge", {"primary": 0}))
            else:
                reason = corpus.REJECTIONS[RejectReason.DUPLICATE][0].reason
                steps.append(Step(act_at, s, "reject", {"code": RejectReason.DUPLICATE, "reason": reason, "dup_of": 0}))


def cases(planner: Planner, schedule_: list[str], messages: int) -> Iterator[tuple[Case, int]]:
    """Plan cases in index order until they hold `messages` messages; yields each case with its budget."""
    total = 0
    for index, scenario in enumerate(schedule_):
        if total >= messages:
            return
        budget = messages - total
        case = planner.plan(index, scenario, budget)
        total += len(case.slots)
        yield case, budget

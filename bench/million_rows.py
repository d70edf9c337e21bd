"""Histories for the million-message fixture: each message lived forward from its submission and cut at `as_of`, as rows.

No database access here: `bench.million` gathers the reference data into a `World`, and this module turns
(world, seed, N) into the rows the lifecycle actions would have written — the message row, its events, assignments,
replies, ratings, contact logs, notes and handling requests — with the same field values and event data as
`liuyan.messages.actions`. The same seed and `as_of` give the same rows.
"""

import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from liuyan.demo import corpus
from liuyan.demo.corpus import Texts, Topic
from liuyan.demo.plan import CITY_WEIGHTS, OTHER_CATEGORY
from liuyan.demo.reference import HANDLE_WORKING_DAYS, UTILITY_CATEGORIES
from liuyan.messages.privacy import mask_name, mask_personal_data

HISTORY_DAYS = 730  # messages arrive over two years, a little more each month
CHUNK = 5_000  # messages per batch (and per transaction when loading)
HOUR = 3600.0
DAY = 86400.0
TICK_HOURS = (7, 19)  # the deadline ladder runs twice a day, as cron would
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
HANDLING = frozenset({"dispatched", "in_progress", "return_requested", "waiting_citizen", "reply_review"})
# Submissions by local hour of day (citizens write in the evening too).
ARRIVAL_HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 4, 6, 7, 6, 5, 5, 6, 6, 5, 5, 5, 6, 7, 6, 4, 2]
REJECT_CODES = {"out_of_scope": 30, "legal_process": 20, "duplicate": 20, "bad_contact": 15, "prohibited": 15}
SATISFIED_CLOSE = "评价满意，自动办结 / closed on a satisfied rating"

# Columns each generator row fills, in order; `bench.million` appends the model defaults of the other columns.
COLUMNS: dict[str, tuple[str, ...]] = {
    "message": (
        "id",
        "number",
        "source",
        "type",
        "category_id",
        "region_id",
        "board_id",
        "title",
        "body",
        "public_title",
        "public_body",
        "is_public",
        "is_urgent",
        "author_id",
        "nickname",
        "contact_name",
        "contact_phone",
        "query_code_hash",
        "state",
        "version",
        "resume_state",
        "review_stage",
        "unit_id",
        "duplicate_of_id",
        "reject_reason",
        "submitted_at",
        "accepted_at",
        "dispatched_at",
        "sign_due_at",
        "signed_at",
        "contact_due_at",
        "contacted_at",
        "due_at",
        "paused_at",
        "replied_at",
        "rated_at",
        "closed_at",
        "archived_at",
        "signed_on_time",
        "contacted_on_time",
        "replied_on_time",
        "warning",
        "is_overdue",
        "sla_stage",
        "urge_count",
        "supervision_level",
        "is_key",
        "key_reason",
        "is_problem_case",
        "reopen_count",
        "follow_up_count",
        "transfer_count",
        "return_count",
        "extension_count",
        "supports",
        "opposes",
    ),
    "event": ("message_id", "action", "actor_id", "actor_role", "at", "from_state", "to_state", "reason", "data"),
    "assignment": ("id", "message_id", "unit_id", "role", "is_active", "created_at", "ended_at"),
    "reply": (
        "id",
        "message_id",
        "kind",
        "body",
        "regulations",
        "unit_id",
        "author_id",
        "source_reply_id",
        "status",
        "round",
        "created_at",
        "published_at",
    ),
    "rating": ("id", "message_id", "satisfaction", "resolved", "reason", "round", "created_at"),
    "contact": ("id", "message_id", "by_id", "channel", "summary", "at"),
    "note": ("id", "message_id", "by_id", "body", "at"),
    "request": (
        "id",
        "message_id",
        "kind",
        "unit_id",
        "requested_by_id",
        "requested_at",
        "reason",
        "basis",
        "requested_due_at",
        "status",
        "decided_by_id",
        "decided_at",
        "decision_note",
    ),
    "request_target": ("handlingrequest_id", "unit_id"),
}
MESSAGE_TIMES = frozenset(c for c in COLUMNS["message"] if c.endswith("_at"))
_MESSAGE_DEFAULTS: dict[str, Any] = {
    "resume_state": "",
    "review_stage": "",
    "unit_id": None,
    "duplicate_of_id": None,
    "reject_reason": "",
    "signed_on_time": None,
    "contacted_on_time": None,
    "replied_on_time": None,
    "warning": "",
    "is_overdue": False,
    "sla_stage": 0,
    "urge_count": 0,
    "supervision_level": "",
    "is_key": False,
    "key_reason": "",
    "is_problem_case": False,
    "reopen_count": 0,
    "follow_up_count": 0,
    "transfer_count": 0,
    "return_count": 0,
    "extension_count": 0,
    "supports": 0,
    "opposes": 0,
    **{c: None for c in MESSAGE_TIMES},
}
SLA_RESET: dict[str, Any] = {"warning": "", "is_overdue": False, "sla_stage": 0}
_json = json.JSONEncoder(separators=(",", ":")).encode  # compact; JSONField reads it like its own output


# ---------------------------------------------------------------------------------------------------------------
# The world the histories happen in (gathered from the database by bench.million)


@dataclass(frozen=True)
class Place:
    pk: int
    code: str
    name: str
    city_pk: int
    city_name: str


@dataclass(frozen=True)
class UnitRef:
    pk: int
    code: str
    name: str
    city_code: str


@dataclass
class World:
    as_of: dt.datetime
    cities: list[Place]
    counties: dict[int, list[Place]]  # city pk → its counties
    province_boards: list[int]
    city_boards: dict[int, list[int]]  # city pk → board pks
    county_boards: dict[int, int]  # county pk → board pk
    platform_review_boards: frozenset[int]
    auto_dispatch_boards: frozenset[int]
    category_pk: dict[str, int]  # by path
    route: Callable[[int, int], UnitRef]  # (category pk, region pk) → responsible unit (catalogue, fallback 政府办)
    city_units: dict[str, list[UnitRef]]  # city code → every unit of the city and its counties
    reviewers: list[int]
    dispatchers: list[int]
    supervisors: list[int]
    handler: dict[int, int]  # unit pk → handler pk
    head: dict[int, int]  # unit pk → unit head pk
    citizens: list[tuple[int, str, str]]  # (pk, nickname, phone); citizens[0] is the printed demo login
    is_working_day: Callable[[dt.date], bool]


@dataclass
class Batch:
    """The rows of one chunk of messages, per table (tuples in `COLUMNS` order)."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    messages: int = 0
    first_id: int = 0
    last_id: int = 0


# ---------------------------------------------------------------------------------------------------------------
# Working-day clock over a precomputed day table (the app's clock walks day by day; millions of calls need a table)


class Clock:
    """Working time, deadline ticks and office hours in the platform's time zone, as float UTC timestamps."""

    def __init__(self, first: dt.date, last: dt.date, is_working_day: Callable[[dt.date], bool]) -> None:
        from django.utils import timezone

        tz = timezone.get_default_timezone()
        self.tz = tz
        days = (last - first).days + 2
        self.dates = [first + dt.timedelta(days=i) for i in range(days)]
        self.midnight = [dt.datetime.combine(d, dt.time(), tz).timestamp() for d in self.dates]
        self.working = [is_working_day(d) for d in self.dates]
        self.cum_start: list[float] = []  # working seconds before each day
        self.cum_end: list[float] = []  # … and at its end
        total = 0.0
        for i in range(days - 1):
            self.cum_start.append(total)
            if self.working[i]:
                total += self.midnight[i + 1] - self.midnight[i]
            self.cum_end.append(total)

    def day(self, ts: float) -> int:
        """Index of the local day of `ts`. Moments past the table (far beyond `as_of`, so never written) count as
        its last day."""
        i = bisect.bisect_right(self.midnight, ts) - 1
        if i < 0:
            raise ValueError("moment before the fixture's calendar table")
        return min(i, len(self.cum_start) - 1)

    def hour(self, ts: float) -> float:
        return (ts - self.midnight[self.day(ts)]) / HOUR

    def wt(self, ts: float) -> float:
        """Working seconds elapsed from the table's first midnight to `ts`."""
        i = self.day(ts)
        return self.cum_start[i] + (ts - self.midnight[i] if self.working[i] else 0.0)

    def from_wt(self, w: float) -> float:
        i = min(bisect.bisect_left(self.cum_end, w), len(self.cum_end) - 1)
        while not self.working[i] and i + 1 < len(self.cum_end):
            i += 1
        return self.midnight[i] + (w - self.cum_start[i])

    def add_working(self, ts: float, seconds: float) -> float:
        return self.from_wt(self.wt(ts) + seconds)

    def add_wd(self, ts: float, days: float) -> float:
        return self.add_working(ts, days * DAY)

    def between(self, start: float, end: float) -> float:
        return max(0.0, self.wt(end) - self.wt(start))

    def next_tick(self, ts: float) -> float:
        i = self.day(ts)
        for j in (i, i + 1):
            for h in TICK_HOURS:
                moment = self.midnight[j] + h * HOUR
                if moment >= ts:
                    return moment
        raise AssertionError("unreachable")

    def staff(self, ts: float, rng: random.Random) -> float:
        """The same moment if it is office hours (08:30–18:00 on a working day), else early on the next one."""
        i = self.day(ts)
        h = (ts - self.midnight[i]) / HOUR
        if self.working[i] and 8.5 <= h <= 18.0:
            return ts
        if not (self.working[i] and h < 8.5):
            # Bounded: past the table (beyond `as_of`, never written) may be all days off, e.g. a year whose
            # holidays are not published yet.
            i = min(i + 1, len(self.cum_start) - 1)
            while not self.working[i] and i + 1 < len(self.cum_start):
                i += 1
        return self.midnight[i] + (8.5 + rng.uniform(0.05, 2.5)) * HOUR

    def citizen(self, ts: float, rng: random.Random) -> float:
        """Citizens act from 07:00 to midnight."""
        i = self.day(ts)
        if (ts - self.midnight[i]) / HOUR >= 7.0:
            return ts
        return self.midnight[i] + (7.0 + rng.uniform(0.1, 3.0)) * HOUR

    def local_date(self, ts: float) -> dt.date:
        return self.dates[self.day(ts)]


# ---------------------------------------------------------------------------------------------------------------
# One message's life


@dataclass
class _Primary:
    """A recent message others may later be merged into (办好一类事), with the reply that will answer them."""

    id: int
    number: str
    texts: Texts
    reply: tuple[int, str, str, int | None, int | None, float] | None  # id, body, regulations JSON, unit, author, at


class _Life:
    """The message row and its events, built step by step; a step after `as_of` and everything after it are cut."""

    def __init__(self, h: "Histories", mid: int, rng: random.Random) -> None:
        self.h = h
        self.c = h.clock
        self.rng = rng
        self.mid = mid
        self.m: dict[str, Any] = dict(_MESSAGE_DEFAULTS)
        self.m["id"] = mid
        self.events: list[tuple[Any, ...]] = []
        self.now = 0.0
        self.alive = True
        self._rung_key: tuple[Any, ...] = ()
        self._rung_at = 0.0

    @property
    def state(self) -> str:
        return str(self.m["state"])

    def step(
        self,
        ts: float,
        action: str,
        actor: int | None,
        role: str,
        *,
        to: str | None = None,
        fields: dict[str, Any] | None = None,
        reason: str = "",
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Apply one action at `ts` if it happens before `as_of`; the deadline ladder climbs first where due."""
        if not self.alive:
            return False
        ts = max(ts, self.now)
        self.ladder(min(ts, self.h.as_of))
        if ts > self.h.as_of:
            self.alive = False
            return False
        self._event(ts, action, actor, role, to, fields, reason, data)
        return True

    def _event(
        self,
        ts: float,
        action: str,
        actor: int | None,
        role: str,
        to: str | None,
        fields: dict[str, Any] | None,
        reason: str,
        data: dict[str, Any] | None,
    ) -> None:
        before = self.m.get("state", "")
        if fields:
            self.m.update(fields)
        if to is not None:
            self.m["state"] = to
        after = self.m["state"]
        self.events.append((self.mid, action, actor, role, ts, before, after, reason, _json(data) if data else "{}"))
        self.now = ts

    # -- the deadline ladder (liuyan.messages.sla), at tick times ------------------------------------------------

    def _on_ladder(self) -> bool:
        m = self.m
        return (
            m["state"] in HANDLING
            and m["state"] != "waiting_citizen"
            and m["due_at"] is not None
            and m["paused_at"] is None
            and m["sla_stage"] < 4
        )

    def _rung_time(self, rung: int) -> float:
        due: float = self.m["due_at"]
        if rung == 1:
            start = self.m["dispatched_at"] or self.m["submitted_at"]
            allowance = self.c.between(start, due) or (due - start)
            window = min(DAY, allowance * 0.25)
            return self.c.from_wt(self.c.wt(due) - window)
        if rung == 2:
            return due + 1.0  # strictly after the deadline
        return self.c.add_wd(due, 1 if rung == 3 else 5)

    def _next_tick(self) -> float:
        """When the ladder next climbs a rung (remembered until the deadline, its start or the stage change)."""
        m = self.m
        key = (m["due_at"], m["dispatched_at"], m["sla_stage"])
        if self._rung_key != key:
            self._rung_key = key
            self._rung_at = self._rung_time(m["sla_stage"] + 1)
        return self.c.next_tick(max(self._rung_at, self.now))

    def ladder(self, until: float) -> None:
        while self._on_ladder():
            stage = self.m["sla_stage"]
            tick = self._next_tick()
            if tick > until:
                return
            goal = max(r for r in range(stage + 1, 5) if r == stage + 1 or self._rung_time(r) <= tick)
            system = "system"
            if goal == 1:
                self._event(
                    tick,
                    "sla_light",
                    None,
                    system,
                    None,
                    {"warning": "yellow", "is_overdue": False, "sla_stage": 1},
                    "",
                    {"warning": "yellow", "overdue": False},
                )
                continue
            if stage < 2:
                self._event(
                    tick,
                    "sla_light",
                    None,
                    system,
                    None,
                    {"warning": "red", "is_overdue": True, "sla_stage": 2},
                    "",
                    {"warning": "red", "overdue": True},
                )
            if goal >= 3 and stage < 3:
                count = self.m["urge_count"] + 1
                self._event(
                    tick,
                    "urge",
                    None,
                    system,
                    None,
                    {"urge_count": count, "sla_stage": 3},
                    "超期催办 / overdue reminder",
                    {"count": count},
                )
            if goal >= 4:
                level = self.m["supervision_level"]
                level = level if level in ("key", "escalated") else "key"
                self._event(
                    tick,
                    "supervise",
                    None,
                    system,
                    None,
                    {"supervision_level": level, "sla_stage": 4},
                    "超期通报 / overdue report",
                    {"level": level},
                )

    def iso(self, ts: float) -> str:
        return dt.datetime.fromtimestamp(ts, self.c.tz).isoformat()


# ---------------------------------------------------------------------------------------------------------------
# The generator


class Histories:
    """Turns (world, seed, N) into batches of rows, in id order (ids follow submission time, as in real use)."""

    def __init__(self, world: World, *, seed: int, messages: int, when: Callable[[float | None], Any]) -> None:
        self.w = world
        self.seed = seed
        self.n = messages
        self.when = when
        self.as_of = world.as_of.timestamp()
        first = (world.as_of - dt.timedelta(days=HISTORY_DAYS + 5)).date()
        last = (world.as_of + dt.timedelta(days=120)).date()
        self.clock = Clock(first, last, world.is_working_day)
        self.domains = list(corpus.DOMAIN_WEIGHTS)
        self.domain_weights = [corpus.DOMAIN_WEIGHTS[d] for d in self.domains]
        self.citizen_weights = list(itertools.accumulate(1 / (i**0.7) for i in range(1, len(world.citizens))))
        self.hour_weights = list(itertools.accumulate(ARRIVAL_HOURS))
        self.reject_codes = list(REJECT_CODES)
        self.reject_weights = list(REJECT_CODES.values())
        self.primaries: deque[_Primary] = deque(maxlen=3000)
        self.ids = {name: 0 for name in ("assignment", "reply", "rating", "contact", "note", "request")}
        self.counts: dict[str, int] = {name: 0 for name in COLUMNS}
        self.states: dict[str, int] = {}
        self._masked: dict[str, str] = {}
        # Water, power, gas and heating: answered within 24 hours (the demo's deadline policy rows).
        self.utility_ids = frozenset(world.category_pk[p] for p in UTILITY_CATEGORIES if p in world.category_pk)

    # -- arrivals -----------------------------------------------------------------------------------------------

    def arrivals(self) -> list[float]:
        """Submission moments of every message, oldest first; the rate grows from 0.6 to 1.4 of the mean."""
        rng = random.Random(f"{self.seed}:arrivals")
        out: list[float] = []
        hours = list(range(24))
        for _ in range(self.n):
            u = rng.random()
            x = (-0.6 + math.sqrt(0.36 + 1.6 * u)) / 0.8  # inverse CDF of the density 0.6 + 0.8x on [0, 1]
            approx = self.as_of - (1 - x) * HISTORY_DAYS * DAY
            i = self.clock.day(approx)
            ts = self.clock.midnight[i] + (rng.choices(hours, cum_weights=self.hour_weights)[0] + rng.random()) * HOUR
            if ts >= self.as_of:
                ts = self.as_of - rng.uniform(60, 6 * HOUR)
            out.append(float(int(ts)))
        out.sort()
        return out

    def batches(self) -> Iterator[Batch]:
        times = self.arrivals()
        for start in range(0, self.n, CHUNK):
            rng = random.Random(f"{self.seed}:chunk:{start // CHUNK}")
            batch = Batch(first_id=start + 1)
            for offset, ts in enumerate(times[start : start + CHUNK]):
                self._history(batch, start + offset + 1, ts, rng)
            batch.last_id = start + batch.messages
            for name, rows in batch.rows.items():
                self.counts[name] += len(rows)
            yield batch

    # -- picks (after liuyan.demo.plan) -------------------------------------------------------------------------

    def _new_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def _mask(self, text: str) -> str:
        masked = self._masked.get(text)
        if masked is None:
            if len(self._masked) > 200_000:
                self._masked.clear()
            masked = self._masked[text] = mask_personal_data(text)
        return masked

    def _region(self, rng: random.Random) -> Place:
        city = rng.choices(self.w.cities, weights=CITY_WEIGHTS[: len(self.w.cities)])[0]
        counties = self.w.counties[city.pk]
        if not counties or rng.random() < 0.12:
            return city
        return rng.choice(counties)

    def _board(self, rng: random.Random, region: Place) -> int:
        county_board = self.w.county_boards.get(region.pk)
        roll = rng.random()
        if county_board is not None and roll < 0.25:
            return county_board
        if roll < 0.72:
            return rng.choice(self.w.city_boards[region.city_pk])
        return rng.choice(self.w.province_boards)

    def _slots(self, rng: random.Random, region: Place) -> dict[str, str]:
        other = rng.choice([c for c in self.w.cities if c.pk != region.city_pk])
        return corpus.make_slots(rng, city=region.city_name, county=region.name, other_city=other.name)

    def _author(self, rng: random.Random) -> tuple[tuple[int, str, str] | None, str]:
        roll = rng.random()
        if roll < 0.01:
            return self.w.citizens[0], "citizen"
        if roll < 0.80:
            return rng.choices(self.w.citizens[1:], cum_weights=self.citizen_weights)[0], "citizen"
        if roll < 0.92:
            return None, "anonymous"
        return None, "assisted"

    def _topic(self, rng: random.Random) -> Topic:
        domain = rng.choices(self.domains, weights=self.domain_weights)[0]
        return rng.choice(corpus.TOPICS_BY_DOMAIN[domain])

    # -- one message --------------------------------------------------------------------------------------------

    def _history(self, batch: Batch, mid: int, ts0: float, rng: random.Random) -> None:
        c = self.clock
        L = _Life(self, mid, rng)
        m = L.m
        region = self._region(rng)
        author, submitter = self._author(rng)
        roll = rng.random()
        path = "main"
        if roll < 0.06:
            path = "reject"
        elif roll < 0.10:
            path = "direct"
        elif roll < 0.12 and self.primaries:
            path = "merge"

        primary: _Primary | None = None
        topic: Topic | None = None
        code = ""
        reject_reason = ""
        if path == "reject":
            code = rng.choices(self.reject_codes, weights=self.reject_weights)[0]
            if code == "duplicate" and not self.primaries:
                code = "out_of_scope"
            if code == "duplicate":
                primary = rng.choice(self.primaries)
                texts = corpus.compose_duplicate(rng, primary.texts)
                reject_reason = corpus.fill(corpus.REJECTIONS["duplicate"][0].reason, {"number": primary.number})
            else:
                if code == "bad_contact":
                    author, submitter = None, "anonymous"
                text, texts = corpus.compose_rejected(rng, code, self._slots(rng, region))
                reject_reason = corpus.fill(text.reason, texts.slots)
        elif path == "direct":
            topic = rng.choice(corpus.DIRECT_TOPICS)
            texts = corpus.compose_message(rng, topic, self._slots(rng, region), with_phone=False, with_name=False)
            texts.type = "inquiry"
        elif path == "merge":
            primary = self.primaries[-1 - min(int(rng.expovariate(1 / 40)), len(self.primaries) - 1)]
            texts = corpus.compose_duplicate(rng, primary.texts)
            topic = texts.topic
        else:
            topic = self._topic(rng)
            texts = corpus.compose_message(
                rng, topic, self._slots(rng, region), with_phone=rng.random() < 0.18, with_name=rng.random() < 0.08
            )

        true_category = self.w.category_pk[texts.category or OTHER_CATEGORY]
        misfiled = path == "main" and rng.random() < 0.04
        urgent = topic is not None and topic.urgent and path == "main" and rng.random() < 0.3
        confidential = rng.random() < (0.5 if "违法犯罪线索" in texts.category else 0.06)
        board = self._board(rng, region)
        title, body = texts.title.strip(), texts.body.strip()

        if author is not None:
            author_id, nickname, phone = author
            contact_name = ""
            source = "api" if rng.random() < 0.15 else "web"
        else:
            author_id, nickname, phone = None, rng.choice(corpus.NICKNAMES), corpus.phone_number(rng)
            contact_name = corpus.real_name(rng) if submitter == "assisted" else ""
            source = "phone" if submitter == "assisted" else "web"
        if submitter == "assisted":
            office = c.staff(ts0, rng)  # staff file calls in office hours (a late call stays where it is)
            ts0 = office if office < self.as_of else ts0
        number = f"{c.local_date(ts0):%Y%m%d}{mid:08d}"
        query_code = "".join(rng.choice(QUERY_CODE_ALPHABET) for _ in range(8))
        m.update(
            number=number,
            source=source,
            type=texts.type or "complaint",
            category_id=self.w.category_pk[OTHER_CATEGORY] if misfiled else true_category,
            region_id=None if misfiled else region.pk,
            board_id=board,
            title=title,
            body=body,
            public_title=self._mask(title),
            public_body=self._mask(body),
            is_public=not confidential,
            is_urgent=urgent,
            author_id=author_id,
            nickname=(nickname or "网友")[:40],
            contact_name=contact_name,
            contact_phone=phone,
            query_code_hash=hashlib.sha256(f"{number}:{query_code}".encode()).hexdigest(),
            state="",
            submitted_at=ts0,
        )
        actor = self.w.reviewers[mid % 2] if submitter == "assisted" else author_id
        role = "reviewer" if submitter == "assisted" else "citizen"
        L.step(
            ts0,
            "submit",
            actor,
            role,
            to="submitted",
            data={"source": source, "attachments": 0, "public": m["is_public"]},
        )
        L.step(ts0, "intake", None, "system", to="under_review")
        reviewer = self.w.reviewers[mid % len(self.w.reviewers)]
        t = ts0

        if misfiled:
            t = c.staff(t + rng.uniform(0.3, 20) * HOUR, rng)
            L.step(
                t,
                "reclassify",
                reviewer,
                "reviewer",
                fields={"category_id": true_category, "region_id": region.pk},
                reason=rng.choice(corpus.RECLASSIFY_REASONS),
                data={
                    "before": {"category": m["category_id"], "region": None},
                    "after": {"category": true_category, "region": region.pk},
                },
            )
        if texts.mentioned_name and rng.random() < 0.6:
            t = c.staff(t + rng.uniform(0.1, 6) * HOUR, rng)
            name = texts.mentioned_name
            L.step(
                t,
                "redact",
                reviewer,
                "reviewer",
                fields={
                    "public_title": m["public_title"].replace(name, mask_name(name)),
                    "public_body": m["public_body"].replace(name, mask_name(name)),
                },
                reason=corpus.REDACT_REASON,
                data={"previous_title": m["public_title"], "previous_body": m["public_body"]},
            )
        t = t + rng.uniform(0.05, 0.5) * HOUR if urgent else c.staff(t + rng.uniform(0.3, 26) * HOUR, rng)

        if path == "reject":
            fields: dict[str, Any] = {"reject_reason": code, "closed_at": t}
            if primary is not None:
                fields["duplicate_of_id"] = primary.id
            if L.step(
                t,
                "reject",
                reviewer,
                "reviewer",
                to="rejected",
                fields=fields,
                reason=reject_reason,
                data={"reason_code": code},
            ):
                self._archive(L, t)
        elif path == "direct":
            assert topic is not None
            self._direct(batch, L, t, reviewer, texts)
        elif path == "merge":
            assert primary is not None
            self._merge(batch, L, t, reviewer, primary)
        else:
            assert topic is not None
            self._main(batch, L, t, reviewer, texts, topic, region, true_category)

        if m["state"] in HANDLING:
            L.ladder(self.as_of)
        m["version"] = len(L.events) - 1
        if m["is_public"] and m["state"] not in ("submitted", "under_review", "rejected"):
            m["supports"] = min(int(rng.paretovariate(1.6)) - 1, 900)
            m["opposes"] = min(int(rng.paretovariate(2.5)) - 1, 90)
        self.states[m["state"]] = self.states.get(m["state"], 0) + 1
        when = self.when
        batch.rows["message"].append(
            tuple(when(m[col]) if col in MESSAGE_TIMES else m[col] for col in COLUMNS["message"])
        )
        batch.rows["event"].extend((*e[:4], when(e[4]), *e[5:]) for e in L.events)
        batch.messages += 1

    # -- paths ----------------------------------------------------------------------------------------------------

    def _archive(self, L: _Life, closed_at: float) -> None:
        """The ladder archives a closed or rejected message ARCHIVE_AFTER_DAYS after closing."""
        t = self.clock.next_tick(closed_at + settings.ARCHIVE_AFTER_DAYS * DAY)
        L.step(t, "archive", None, "system", to="archived", fields={"archived_at": t})

    def _close_unrated(self, L: _Life, replied_at: float) -> None:
        t = self.clock.next_tick(max(replied_at + settings.AUTO_CLOSE_DAYS * DAY, L.now))
        reason = f"{settings.AUTO_CLOSE_DAYS}日内未评价，自动办结 / closed unrated"
        if L.step(t, "close", None, "system", to="closed", fields={"closed_at": t, "warning": ""}, reason=reason):
            self._archive(L, t)

    def _rate(self, batch: Batch, L: _Life, t: float, satisfaction: str) -> bool:
        rng = L.rng
        resolved = None if rng.random() < 0.2 else satisfaction != "unsatisfied"
        reason = corpus.rating_reason(rng, satisfaction)
        rating = self._new_id("rating")
        actor = L.m["author_id"]
        if not L.step(
            t,
            "rate",
            actor,
            "citizen",
            to="rated",
            fields={"rated_at": t},
            reason=reason,
            data={"satisfaction": satisfaction, "resolved": resolved, "rating": rating},
        ):
            self.ids["rating"] -= 1
            return False
        batch.rows["rating"].append((rating, L.mid, satisfaction, resolved, reason, L.m["reopen_count"], self.when(t)))
        if satisfaction != "unsatisfied":
            L.step(
                t, "close", None, "system", to="closed", fields={"closed_at": t, "warning": ""}, reason=SATISFIED_CLOSE
            )
        return True

    def _direct(self, batch: Batch, L: _Life, t: float, reviewer: int, texts: Texts) -> None:
        rng = L.rng
        reply = self._new_id("reply")
        body = corpus.compose_direct_answer(texts)
        if not L.step(
            t,
            "answer_directly",
            reviewer,
            "reviewer",
            to="answered_directly",
            fields={"accepted_at": t, "replied_at": t, "replied_on_time": True},
            data={"reply": reply},
        ):
            self.ids["reply"] -= 1
            return
        w = self.when
        batch.rows["reply"].append(
            (reply, L.mid, "direct", body, "[]", None, reviewer, None, "published", 0, w(t), w(t))
        )
        if rng.random() < 0.55:
            sat = "satisfied" if rng.random() < 0.85 else "basic"
            rated = self.clock.citizen(t + rng.uniform(1, 200) * HOUR, rng)
            if self._rate(batch, L, rated, sat):
                self._archive(L, rated)
            return
        self._close_unrated(L, t)

    def _merge(self, batch: Batch, L: _Life, t: float, reviewer: int, primary: _Primary) -> None:
        if not L.step(
            t,
            "merge_duplicate",
            reviewer,
            "reviewer",
            to="merged",
            fields={"duplicate_of_id": primary.id, "accepted_at": t},
            reason=f"与留言 {primary.number} 反映同一问题，合并办理。",
            data={"primary": primary.number},
        ):
            return
        if primary.reply is None:
            return
        source, body, regulations, unit, author, published = primary.reply
        at = max(t, published)
        reply = self._new_id("reply")
        if not L.step(
            at,
            "group_reply",
            None,
            "system",
            to="replied",
            fields={"replied_at": published, "replied_on_time": True},
            data={"reply": reply, "primary_reply": source},
        ):
            self.ids["reply"] -= 1
            return
        w = self.when
        batch.rows["reply"].append(
            (reply, L.mid, "group", body, regulations, unit, author, source, "published", 0, w(at), w(published))
        )
        self._close_unrated(L, published)

    def _dispatch_fields(self, L: _Life, unit: UnitRef, t: float) -> dict[str, Any]:
        c = self.clock
        m = L.m
        if m["is_urgent"]:
            sign_due = due = t + 2 * HOUR
        else:
            sign_due = c.add_wd(t, 1)
            due = self._handle_due(L, t)
        return {
            "unit_id": unit.pk,
            "dispatched_at": t,
            "sign_due_at": sign_due,
            "due_at": due,
            "signed_at": None,
            "signed_on_time": None,
            "contact_due_at": None,
            "paused_at": None,
            "resume_state": "",
            "review_stage": "",
            **SLA_RESET,
        }

    def _handle_due(self, L: _Life, t: float, *, inquiry: bool = False) -> float:
        m = L.m
        if m["is_urgent"]:
            return t + 2 * HOUR
        if m["category_id"] in self.utility_ids:
            return t + 24 * HOUR
        return self.clock.add_wd(t, HANDLE_WORKING_DAYS["inquiry" if inquiry else m["type"]])

    def _assign(self, L: _Life, unit: UnitRef, t: float, co: list[UnitRef], mains: list[list[Any]]) -> None:
        for row in mains:
            if row[4]:
                row[4], row[6] = False, t
        row = [self._new_id("assignment"), L.mid, unit.pk, "main", True, t, None]
        mains.append(row)
        for other in co:
            mains.append([self._new_id("assignment"), L.mid, other.pk, "co", True, t, None])

    def _main(
        self,
        batch: Batch,
        L: _Life,
        t: float,
        reviewer: int,
        texts: Texts,
        topic: Topic,
        region: Place,
        category: int,
    ) -> None:
        rng, c, m, w = L.rng, self.clock, L.m, self.when
        urgent = bool(m["is_urgent"])
        assignments: list[list[Any]] = []
        requests: list[list[Any]] = []
        primary = _Primary(L.mid, m["number"], texts, None)
        try:
            accept_note = rng.choice(corpus.ACCEPT_NOTES)
            if not L.step(
                t, "accept", reviewer, "reviewer", to="accepted", fields={"accepted_at": t}, reason=accept_note
            ):
                return
            self.primaries.append(primary)
            supervisor = self.w.supervisors[L.mid % len(self.w.supervisors)]
            if topic.key and (urgent or rng.random() < 0.5):
                t += rng.uniform(0.05, 0.5) * HOUR
                L.step(
                    t,
                    "flag_key",
                    reviewer,
                    "reviewer",
                    fields={"is_key": True, "key_reason": topic.key},
                    reason=topic.key,
                    data={"is_key": True},
                )
                if rng.random() < 0.3:
                    level = "key" if rng.random() < 0.6 else "general"
                    t = c.staff(t + rng.uniform(0.2, 8) * HOUR, rng)
                    L.step(
                        t,
                        "supervise",
                        supervisor,
                        "supervisor",
                        fields={"supervision_level": level},
                        reason=rng.choice(corpus.SUPERVISE_NOTES),
                        data={"level": level},
                    )

            right = self.w.route(category, region.pk)
            unit = right
            if rng.random() < 0.06:
                others = [u for u in self.w.city_units[right.city_code] if u.pk != right.pk]
                unit = rng.choice(others) if others else right
            co: list[UnitRef] = []
            if rng.random() < 0.03:
                pool = [u for u in self.w.city_units[right.city_code] if u.pk != unit.pk]
                co = [rng.choice(pool)] if pool else []
            dispatcher = self.w.dispatchers[L.mid % len(self.w.dispatchers)]
            auto = m["board_id"] in self.w.auto_dispatch_boards and unit is right and rng.random() < 0.6
            if auto:
                t += rng.uniform(0.01, 0.2) * HOUR
            elif urgent:
                t += rng.uniform(0.05, 0.3) * HOUR
            else:
                t = c.staff(t + rng.uniform(0.2, 20) * HOUR, rng)
            data: dict[str, Any] = {"unit": unit.code, "co_units": [u.code for u in co]}
            if auto:
                data["confidence"] = round(rng.uniform(0.98, 1.0), 3)
            if not L.step(
                t,
                "dispatch",
                None if auto else dispatcher,
                "system" if auto else "dispatcher",
                to="dispatched",
                fields=self._dispatch_fields(L, unit, t),
                data=data,
            ):
                return
            self._assign(L, unit, t, co, assignments)

            if unit is not right:
                # 申请退回: the unit says it is not theirs; the platform re-dispatches, or refuses (强制派单).
                wrong = unit
                t = c.staff(t + rng.uniform(0.5, 20) * HOUR, rng)
                why = corpus.fill(corpus.RETURN_REASONS["function"], {"other": right.name})
                request = [
                    self._new_id("request"),
                    L.mid,
                    "return",
                    wrong.pk,
                    self.w.handler[wrong.pk],
                    t,
                    why,
                    "function",
                    None,
                    "pending",
                    None,
                    None,
                    "",
                ]
                if not L.step(
                    t,
                    "request_return",
                    self.w.handler[wrong.pk],
                    "handler",
                    to="return_requested",
                    fields={"resume_state": m["state"]},
                    reason=why,
                    data={"request": request[0], "basis": "function"},
                ):
                    self.ids["request"] -= 1
                    return
                requests.append(request)
                t = c.staff(t + rng.uniform(1, 30) * HOUR, rng)
                if rng.random() < 0.75:
                    fields = {**self._dispatch_fields(L, right, t), "return_count": m["return_count"] + 1}
                    if not L.step(
                        t,
                        "approve_return",
                        dispatcher,
                        "dispatcher",
                        to="dispatched",
                        fields=fields,
                        data={"request": request[0], "kind": "return", "unit": right.code},
                    ):
                        return
                    request[9:12] = ["approved", dispatcher, t]
                    self._assign(L, right, t, [], assignments)
                    unit = right
                else:
                    if not L.step(
                        t,
                        "refuse_return",
                        dispatcher,
                        "dispatcher",
                        to=m["resume_state"] or "dispatched",
                        fields={"resume_state": ""},
                        reason=corpus.REFUSE_RETURN,
                        data={"request": request[0], "kind": "return"},
                    ):
                        return
                    request[9:13] = ["refused", dispatcher, t, corpus.REFUSE_RETURN]

            handler = self.w.handler[unit.pk]
            roll = rng.random()
            delay = rng.uniform(0.2, 6) if roll < 0.85 else rng.uniform(6, 30) if roll < 0.97 else rng.uniform(30, 90)
            t = t + rng.uniform(0.05, 1) * HOUR if urgent else c.staff(t + delay * HOUR, rng)
            on_time = t <= m["sign_due_at"]
            if not L.step(
                t,
                "sign",
                handler,
                "handler",
                to="in_progress",
                fields={"signed_at": t, "signed_on_time": on_time, "contact_due_at": c.add_wd(t, 1)},
                data={"on_time": on_time},
            ):
                return
            signed = t
            t = t + rng.uniform(0.05, 1) * HOUR if urgent else c.staff(t + rng.uniform(0.3, 28) * HOUR, rng)
            channel = rng.choices(["phone", "visit", "sms"], weights=[80, 10, 10])[0]
            contact = self._new_id("contact")
            summary = rng.choice(corpus.CONTACTS)
            if not L.step(
                t,
                "record_contact",
                handler,
                "handler",
                fields={"contacted_at": t, "contacted_on_time": t <= m["contact_due_at"]},
                data={"channel": channel},
            ):
                self.ids["contact"] -= 1
                return
            batch.rows["contact"].append((contact, L.mid, handler, channel, summary, w(t)))
            if rng.random() < 0.10:
                t = c.staff(t + rng.uniform(1, 48) * HOUR, rng)
                note = self._new_id("note")
                body = rng.choice(corpus.NOTES)
                if L.step(t, "add_note", handler, "handler", data={"note": note}):
                    batch.rows["note"].append((note, L.mid, handler, body, w(t)))
                else:
                    self.ids["note"] -= 1
                    return
            if not urgent and rng.random() < 0.04:
                t = c.staff(t + rng.uniform(2, 48) * HOUR, rng)
                question = topic.wait_question or rng.choice(corpus.WAIT_QUESTIONS)
                if not L.step(
                    t,
                    "wait_for_citizen",
                    handler,
                    "handler",
                    to="waiting_citizen",
                    fields={"paused_at": t},
                    reason=question,
                ):
                    return
                by_citizen = rng.random() < 0.8
                t = c.citizen(t + rng.uniform(10, 120) * HOUR, rng) if by_citizen else c.staff(t + 72 * HOUR, rng)
                remaining = c.between(m["paused_at"], m["due_at"])
                due = c.add_working(t, remaining)
                fields = {"paused_at": None, "due_at": due, **(SLA_RESET if m["sla_stage"] else {})}
                if not L.step(
                    t,
                    "resume",
                    m["author_id"] if by_citizen else handler,
                    "citizen" if by_citizen else "handler",
                    to="in_progress",
                    fields=fields,
                    reason=corpus.pick(rng, corpus.SUPPLEMENTS, texts.slots) if by_citizen else "",
                    data={"due_at": L.iso(due)},
                ):
                    return
            if not urgent and rng.random() < 0.03:
                t = c.staff(t + rng.uniform(24, 96) * HOUR, rng)
                new_due = c.add_wd(m["due_at"], 10)
                reason = rng.choice(corpus.EXTENSION_REASONS)
                request = [
                    self._new_id("request"),
                    L.mid,
                    "extension",
                    unit.pk,
                    handler,
                    t,
                    reason,
                    "",
                    new_due,
                    "pending",
                    None,
                    None,
                    "",
                ]
                if not L.step(
                    t,
                    "request_extension",
                    handler,
                    "handler",
                    reason=reason,
                    data={"request": request[0], "due_at": L.iso(new_due)},
                ):
                    self.ids["request"] -= 1
                    return
                requests.append(request)
                t = c.staff(t + rng.uniform(2, 30) * HOUR, rng)
                approve = rng.random() < 0.8
                decision = "" if approve else rng.choice(corpus.EXTENSION_REFUSALS)
                fields = (
                    {"due_at": new_due, "extension_count": 1, **(SLA_RESET if m["sla_stage"] else {})}
                    if approve
                    else {}
                )
                if not L.step(
                    t,
                    "decide_extension",
                    dispatcher,
                    "dispatcher",
                    fields=fields,
                    reason=decision,
                    data={"request": request[0], "approved": approve, "due_at": L.iso(new_due) if approve else None},
                ):
                    return
                request[9:13] = ["approved" if approve else "refused", dispatcher, t, decision]

            replied = self._reply(batch, L, unit, texts, signed)
            if replied is None:
                return
            primary.reply = replied
            self._feedback(batch, L, unit, texts, replied[5], supervisor, reopen_allowed=True)
        finally:
            batch.rows["assignment"].extend((r[0], r[1], r[2], r[3], r[4], w(r[5]), w(r[6])) for r in assignments)
            for r in requests:
                batch.rows["request"].append((*r[:5], w(r[5]), r[6], r[7], w(r[8]), r[9], r[10], w(r[11]), r[12]))
                if r[2] == "transfer":
                    batch.rows["request_target"].append((r[0], r[3]))

    def _reply(
        self, batch: Batch, L: _Life, unit: UnitRef, texts: Texts, since: float
    ) -> tuple[int, str, str, int | None, int | None, float] | None:
        """Draft, unit-head approval (and the platform's on boards that ask), publication. None: not replied by
        `as_of` (the message stays in handling, where the ladder lights it up)."""
        rng, c, m, w = L.rng, self.clock, L.m, self.when
        urgent = bool(m["is_urgent"])
        handler, head = self.w.handler[unit.pk], self.w.head[unit.pk]
        roll = rng.random()
        share = rng.uniform(0.15, 0.9) if roll < 0.87 else rng.uniform(0.9, 1.8) if roll < 0.97 else rng.uniform(2, 10)
        start = m["dispatched_at"] if m["reopen_count"] == 0 and m["follow_up_count"] == 0 else since
        target = start + share * (m["due_at"] - start)
        t = max(target, L.now + 0.5 * HOUR)
        t = t if urgent else c.staff(t, rng)
        regulations = _json(list(texts.topic.regulations) if texts.topic else [])
        for attempt in range(2):
            today = c.local_date(t)
            body = corpus.compose_reply(
                rng, texts, unit=unit.name, date=f"{today.year}年{today.month}月{today.day}日", nickname=m["nickname"]
            )
            reply = self._new_id("reply")
            if not L.step(
                t,
                "submit_reply",
                handler,
                "handler",
                to="reply_review",
                fields={"review_stage": "unit"},
                data={"reply": reply},
            ):
                self.ids["reply"] -= 1
                return None
            row = [
                reply,
                L.mid,
                "unit",
                body,
                regulations,
                unit.pk,
                handler,
                None,
                "in_review",
                m["reopen_count"],
                t,
                None,
            ]
            batch.rows["reply"].append(())  # placeholder, filled below with the final status
            slot = len(batch.rows["reply"]) - 1
            try:
                t = c.staff(t + rng.uniform(0.3, 24) * HOUR, rng) if not urgent else t + rng.uniform(0.1, 1) * HOUR
                if attempt == 0 and rng.random() < 0.05:
                    reason = rng.choice(corpus.SEND_BACKS)
                    if not L.step(
                        t,
                        "send_back_reply",
                        head,
                        "unit_head",
                        to="in_progress",
                        fields={"review_stage": ""},
                        reason=reason,
                        data={"reply": reply},
                    ):
                        return None
                    row[8] = "sent_back"
                    t = c.staff(t + rng.uniform(2, 48) * HOUR, rng)
                    continue
                if m["board_id"] in self.w.platform_review_boards:
                    if not L.step(
                        t,
                        "approve_reply",
                        head,
                        "unit_head",
                        to="reply_review",
                        fields={"review_stage": "platform"},
                        data={"reply": reply, "stage": "unit"},
                    ):
                        return None
                    t = c.staff(t + rng.uniform(0.5, 30) * HOUR, rng)
                    approver, approver_role, stage = self.w.reviewers[L.mid % 2], "reviewer", "platform"
                else:
                    approver, approver_role, stage = head, "unit_head", "unit"
                on_time = t <= m["due_at"]
                if not L.step(
                    t,
                    "approve_reply",
                    approver,
                    approver_role,
                    to="replied",
                    fields={"review_stage": "", "replied_at": t, "replied_on_time": on_time, "warning": ""},
                    data={"reply": reply, "stage": stage, "on_time": on_time},
                ):
                    return None
                row[8], row[11] = "published", t
                return reply, body, regulations, unit.pk, handler, t
            finally:
                row[10], row[11] = w(row[10]), w(row[11])
                batch.rows["reply"][slot] = tuple(row)
        return None

    def _feedback(
        self,
        batch: Batch,
        L: _Life,
        unit: UnitRef,
        texts: Texts,
        replied_at: float,
        supervisor: int,
        *,
        reopen_allowed: bool,
    ) -> None:
        rng, c, m = L.rng, self.clock, L.m
        roll = rng.random()
        answer_at = c.citizen(replied_at + rng.uniform(1, (settings.AUTO_CLOSE_DAYS - 2) * 24) * HOUR, rng)
        if roll < 0.38:
            sat = "satisfied" if rng.random() < 0.8 else "basic"
            if self._rate(batch, L, answer_at, sat):
                self._archive(L, answer_at)
            return
        if roll < 0.44:
            if not self._rate(batch, L, answer_at, "unsatisfied"):
                return
            t = c.staff(answer_at + rng.uniform(24, 240) * HOUR, rng)
            if not reopen_allowed or rng.random() < 0.55:
                if L.step(
                    t,
                    "close",
                    supervisor,
                    "supervisor",
                    to="closed",
                    fields={"closed_at": t, "warning": ""},
                    reason=rng.choice(corpus.SUPERVISOR_CLOSES),
                ):
                    self._archive(L, t)
                return
            rounds = m["reopen_count"] + 1
            fields = {
                "reopen_count": rounds,
                "replied_at": None,
                "replied_on_time": None,
                "rated_at": None,
                **SLA_RESET,
                "due_at": self._handle_due(L, t),
            }
            if not L.step(
                t,
                "reopen",
                supervisor,
                "supervisor",
                to="in_progress",
                fields=fields,
                reason=rng.choice(corpus.REOPEN_REASONS),
                data={"round": rounds, "escalated": False},
            ):
                return
            again = self._reply(batch, L, unit, texts, t)
            if again is not None:
                self._feedback(batch, L, unit, texts, again[5], supervisor, reopen_allowed=False)
            return
        if roll < 0.47 and reopen_allowed:
            question = rng.choice(corpus.FOLLOW_UPS)
            fields = {
                "follow_up_count": m["follow_up_count"] + 1,
                "due_at": self._handle_due(L, answer_at, inquiry=True),
                "replied_at": None,
                "replied_on_time": None,
                **SLA_RESET,
            }
            if not L.step(
                answer_at, "follow_up", m["author_id"], "citizen", to="in_progress", fields=fields, reason=question
            ):
                return
            again = self._reply(batch, L, unit, texts, answer_at)
            if again is not None:
                self._feedback(batch, L, unit, texts, again[5], supervisor, reopen_allowed=False)
            return
        self._close_unrated(L, replied_at)

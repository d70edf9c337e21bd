"""The national synthetic data set: 2016–2025, 31 provinces, ≈ 5.5 M messages with their whole lifecycle as rows.

`generate(seed=…, scale=…)` writes into an empty database: the reference data (calendar, taxonomy, GB/T 2260
divisions), two provincial leader boards per province (省委书记 and 省长, 党委书记 and 政府主席 in the autonomous
regions) and the demo's four ministry boards, one handling unit per province and line of government (省住建厅 …)
with a handler and a head each, the responsibility catalogue (domain × province → unit), platform staff per
province, a pool of citizen accounts, and then every message as the lifecycle actions would have left it: the
message row, its events (submit, intake, accept, dispatch, sign, contact, submit and approve the reply, rate,
close, archive — or reject, or the deadline ladder of an unanswered one), its assignment, contact log, reply and
rating. How many messages each year × province × domain gets and what became of them is `liuyan.synth.plan`'s
exact quota; randomness (seeded) decides only what no calibrated figure reads: texts, times, counties, boards,
durations. The same seed and scale give the same rows (only the ids of events, which no row names, follow the order the
workers' writes land in on PostgreSQL).

Rows are composed in batches that depend on nothing but (seed, scale, year, position), so worker processes compose
them while this one writes them by `liuyan.synth.bulk` (executemany / COPY), in id = submission order. Afterwards the
rollups are rebuilt (`liuyan.rollups.rebuild.rebuild`), so the dashboards and the period report see the data. The
search index is left to `liuyan search rebuild` (inserting messages fires no index trigger: the index is written
by the actions, and its own rebuild command is the bulk path), unless `search=True`.
"""

import bisect
import collections
import datetime as dt
import itertools
import json
import multiprocessing
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from liuyan.accounts.models import Role, User
from liuyan.common.errors import InvalidInput
from liuyan.deadlines.calendar_data import seed_calendar_from_package
from liuyan.deadlines.clock import invalidate_calendar, is_working_day
from liuyan.demo import corpus
from liuyan.demo.reference import DEPARTMENTS, HANDLE_WORKING_DAYS, MINISTRIES, ReferenceReport, build_ministries
from liuyan.geo.loader import load_divisions
from liuyan.geo.models import Region, RegionLevel
from liuyan.geo.region_lookup import clear_region_cache
from liuyan.messages.models import Assignment, ContactLog, Event, Message, Rating, Reply
from liuyan.messages.privacy import mask_name
from liuyan.messages.querycode import hash_query_code
from liuyan.orgs.catalogue import set_responsible_unit
from liuyan.orgs.models import Board, BoardKind, BoardLevel, Unit
from liuyan.synth import calibration as cal
from liuyan.synth.bulk import Loader, Table, utc_text
from liuyan.synth.models import SynthRun
from liuyan.synth.plan import DOMAINS, PROVINCES, Cell, Plan, build_plan
from liuyan.taxonomy.importer import load_default_taxonomy
from liuyan.taxonomy.models import Category

DATASETS = ("national",)
DEFAULT_BATCH = 20_000
MIN_SCALE = 0.002  # ≈ 11,000 messages: below it some year × province × domain cells are too small for the quotas
LARGE_LOAD = 200_000  # from this many messages on, drop the secondary indexes for the load and rebuild them after
HOUR, DAY = 3600, 86400
MINISTRY_SHARE = 0.03  # of a domain's messages, written to its ministry's board where there is one (design)
SECRETARY_SHARE = 0.58  # of the rest, to the 书记 board; the others to the 省长 board (design)
PUBLIC_SHARE = 0.94
ANONYMOUS_SHARE = 0.30
# Submissions by local hour of day (citizens write in the evening too) and weekday (fewer at weekends).
ARRIVAL_HOURS = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 4, 6, 7, 6, 5, 5, 6, 6, 5, 5, 5, 6, 7, 6, 4, 2)
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.7, 0.7)
SUGGESTION_TITLES = ("关于{place}{leaf}工作的建议", "对{leaf}工作的几点建议", "建议进一步完善{place}{leaf}相关政策")
SUGGESTION_IDEAS = (
    "加强统筹协调，完善配套措施",
    "广泛听取群众意见，公开办理进度",
    "加大投入力度，补齐短板弱项",
    "优化办事流程，推行一网通办",
    "建立长效机制，定期回访群众",
)
SATISFIED_CLOSE = "评价满意，自动办结 / closed on a satisfied rating"
UNRATED_CLOSE = "15日内未评价，自动办结 / closed unrated"
QUERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RATING_CODES = ("", "satisfied", "basic", "unsatisfied")

MESSAGE_COLUMNS = (
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
    "author_id",
    "nickname",
    "contact_phone",
    "query_code_hash",
    "state",
    "version",
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
    "supports",
    "opposes",
)
TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "message": (Message, MESSAGE_COLUMNS),
    "event": (
        Event,
        ("message_id", "action", "actor_id", "actor_role", "at", "from_state", "to_state", "reason", "data"),
    ),
    "assignment": (Assignment, ("message_id", "unit_id", "role", "is_active", "created_at", "ended_at")),
    "contact": (ContactLog, ("message_id", "by_id", "channel", "summary", "at")),
    "reply": (
        Reply,
        (
            *("id", "message_id", "kind", "body", "regulations", "unit_id", "author_id", "status", "round"),
            *("created_at", "published_at"),
        ),
    ),
    "rating": (Rating, ("id", "message_id", "satisfaction", "resolved", "reason", "round", "created_at")),
}


def _below(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high): `randrange` without its argument checks (called tens of millions of times)."""
    return low + int(rng.random() * (high - low))


def _index(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[int(rng.random() * len(options))]


# Appends one event of the message being written: (action, actor, role, at, from state, to state, reason, data).
Event_ = Callable[[str, int | None, str, int, str, str, str, str], None]


class SynthError(InvalidInput):
    code = "synth_invalid"


# ---------------------------------------------------------------------------------------------------------------
# Working days, as a table (the app's clock walks the calendar day by day; tens of millions of steps need a table)


class WorkCalendar:
    """Local days from `first` to `last` as integer UTC timestamps: working days, office hours, deadline ticks."""

    def __init__(self, first: dt.date, last: dt.date, working: Callable[[dt.date], bool]) -> None:
        tz = timezone.get_default_timezone()
        self.start = int(dt.datetime.combine(first, dt.time(), tz).timestamp())
        days = (last - first).days + 1
        self.dates = [first + dt.timedelta(days=i) for i in range(days)]
        self.labels = [f"{d:%Y%m%d}" for d in self.dates]
        # The platform's zone has had no daylight saving since 1991: every local day is 86,400 s long.
        self.working = [working(d) for d in self.dates]
        self.cum = list(itertools.accumulate(int(w) for w in self.working))  # working days up to and including i
        self.nth = [i for i, w in enumerate(self.working) if w]

    def day(self, ts: int) -> int:
        return (ts - self.start) // DAY

    def midnight(self, i: int) -> int:
        return self.start + i * DAY

    def add_wd(self, ts: int, n: int) -> int:
        """`n` working days later: the same time on the n-th working day after; from a day off, the end of it."""
        i = self.day(ts)
        j = self.nth[self.cum[i] + n - 1]
        if self.working[i]:
            return self.midnight(j) + (ts - self.midnight(i))
        return self.midnight(j) + DAY - 1

    def office(self, ts: int, rng: random.Random) -> int:
        """The moment if it is in office hours (08:30–18:00 on a working day), else early on the next one."""
        i = self.day(ts)
        tod = ts - self.midnight(i)
        if self.working[i] and 30_600 <= tod <= 64_800:
            return ts
        if not (self.working[i] and tod < 30_600):
            i = self.nth[self.cum[i]]
        return self.midnight(i) + 30_600 + _below(rng, 180, 9000)

    def citizen(self, ts: int, rng: random.Random) -> int:
        """Citizens act from 07:00 to midnight."""
        i = self.day(ts)
        if ts - self.midnight(i) >= 7 * HOUR:
            return ts
        return self.midnight(i) + 7 * HOUR + _below(rng, 360, 10_800)

    def tick(self, ts: int) -> int:
        """The next run of the deadline ladder (07:00 and 19:00, as cron would)."""
        i = self.day(ts)
        for moment in (self.midnight(i) + 7 * HOUR, self.midnight(i) + 19 * HOUR, self.midnight(i + 1) + 7 * HOUR):
            if moment >= ts:
                return moment
        raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------------------------
# The world the messages happen in


@dataclass(frozen=True)
class UnitRef:
    pk: int
    code: str
    name: str
    handler: int
    head: int
    dispatch_data: str  # the dispatch event's data, formatted once


@dataclass
class ProvinceWorld:
    name: str  # short name, as in the calibration
    region: Region
    places: list[tuple[int, int]]  # (region pk, index in cities) of every city and county
    cities: list[str]
    secretary: int  # board pks
    governor: int
    units: list[UnitRef]  # by domain index
    reviewer: int
    dispatcher: int
    supervisor: int


@dataclass
class Topics:
    """A domain's texts: (category pk, topic) pairs to draw from."""

    plain: list[tuple[int, corpus.Topic]]
    leaves: list[tuple[int, str]]  # (category pk, leaf name) for 建言


@dataclass
class World:
    provinces: list[ProvinceWorld]
    ministries: dict[int, tuple[int, UnitRef]]  # domain index → (board pk, unit)
    topics: list[Topics]
    citizens: list[tuple[int, str, str]]  # (pk, nickname, phone)
    calendar: WorkCalendar


def _board_names(region: Region) -> tuple[str, str]:
    name = region.name
    if name.endswith("自治区") or name in ("内蒙古自治区",):
        return f"{name}党委书记", f"{name}政府主席"
    return f"{name}委书记", f"{name}长"


def build_world(scale: float) -> World:
    """Reference data, boards, units, catalogue and accounts (each created only when missing)."""
    invalidate_calendar()
    seed_calendar_from_package()
    taxonomy = load_default_taxonomy()
    if not taxonomy.ok:
        raise RuntimeError(
            "默认分类加载失败 / the default taxonomy failed to load: " + "; ".join(taxonomy.error_lines())
        )
    load_divisions()
    clear_region_cache()
    invalidate_calendar()
    roots = {c.name: c for c in Category.objects.filter(parent=None)}
    by_path = {c.path: c for c in Category.objects.all()}
    department_of = {domain: d for d in DEPARTMENTS for domain in d.domains}
    password = make_password(None)  # synthetic staff and citizens cannot log in until an admin sets a password

    regions = {r.code: r for r in Region.objects.filter(level__lte=RegionLevel.COUNTY)}
    children: dict[int | None, list[Region]] = {}
    for r in regions.values():
        children.setdefault(r.parent_id, []).append(r)
    report = ReferenceReport()
    ministry_boards = {b.code: b for b in build_ministries(report)}

    specs: list[dict[str, Any]] = []
    provinces: list[ProvinceWorld] = []
    with transaction.atomic():
        for spec in PROVINCES:
            region = regions[spec.code]
            secretary_name, governor_name = _board_names(region)
            secretary = _board(f"{spec.code}-SW", secretary_name, region, auto=spec.name == cal.GANSU)
            governor = _board(f"{spec.code}-SZ", governor_name, region)
            units: list[Unit] = []
            for domain in DOMAINS:
                d = department_of[domain.name]
                unit, _ = Unit.objects.get_or_create(
                    code=f"{spec.code}-{d.key}", defaults={"name": region.name + d.province, "region": region}
                )
                unit.responsibilities.add(roots[domain.name])
                units.append(unit)
            for unit in {u.pk: u for u in units}.values():
                specs.append(_staff(f"synth.{unit.code.lower()}.handler", Role.HANDLER, unit=unit))
                specs.append(_staff(f"synth.{unit.code.lower()}.head", Role.UNIT_HEAD, unit=unit))
            for role in (Role.REVIEWER, Role.DISPATCHER, Role.SUPERVISOR):
                specs.append(_staff(f"synth.{spec.code}.{role}", role, region=region))
            cities = sorted(children.get(region.pk, []), key=lambda r: r.code)
            names: list[str] = []
            places: list[tuple[int, int]] = []
            for city in cities:
                names.append(city.name)
                places.append((city.pk, len(names) - 1))
                places.extend((county.pk, len(names) - 1) for county in children.get(city.pk, []))
            provinces.append(ProvinceWorld(spec.name, region, places, names, secretary.pk, governor.pk, [], 0, 0, 0))
            provinces[-1].units = [UnitRef(u.pk, u.code, u.name, 0, 0, "") for u in units]
        for board in ministry_boards.values():
            assert board.unit is not None  # build_ministries puts the ministry behind its board
            specs.append(_staff(f"synth.{board.unit.code.lower()}.handler", Role.HANDLER, unit=board.unit))
            specs.append(_staff(f"synth.{board.unit.code.lower()}.head", Role.UNIT_HEAD, unit=board.unit))
        citizens = max(100, round(100_000 * scale))
        for i in range(1, citizens + 1):
            nickname = f"{corpus.NICKNAMES[i % len(corpus.NICKNAMES)]}{i}"
            specs.append(
                {"username": f"139{i:08d}", "role": Role.CITIZEN, "phone": f"139{i:08d}", "nickname": nickname}
            )
        existing = set(User.objects.filter(username__startswith="synth.").values_list("username", flat=True))
        existing |= set(User.objects.filter(username__startswith="139").values_list("username", flat=True))
        User.objects.bulk_create(
            [User(password=password, **s) for s in specs if s["username"] not in existing], batch_size=2000
        )
    users = dict(User.objects.filter(username__startswith="synth.").values_list("username", "pk"))

    def ref(unit: Unit) -> UnitRef:
        code = unit.code.lower()
        data = json.dumps({"unit": unit.code, "co_units": []}, ensure_ascii=False, separators=(",", ":"))
        return UnitRef(unit.pk, unit.code, unit.name, users[f"synth.{code}.handler"], users[f"synth.{code}.head"], data)

    unit_rows = {u.pk: u for u in Unit.objects.filter(code__in=[u.code for p in provinces for u in p.units])}
    for world_province, spec in zip(provinces, PROVINCES, strict=True):
        world_province.units = [ref(unit_rows[u.pk]) for u in world_province.units]
        world_province.reviewer = users[f"synth.{spec.code}.reviewer"]
        world_province.dispatcher = users[f"synth.{spec.code}.dispatcher"]
        world_province.supervisor = users[f"synth.{spec.code}.supervisor"]
        for domain, unit_ref in zip(DOMAINS, world_province.units, strict=True):
            set_responsible_unit(
                roots[domain.name], world_province.region, unit_rows[unit_ref.pk], note="合成数据 synth"
            )

    ministry_domain = {
        "CN-ZJB": "住房和城乡建设",
        "CN-STHJB": "生态环境",
        "CN-RSB": "人力资源和社会保障",
        "CN-JYB": "教育",
    }
    ministries: dict[int, tuple[int, UnitRef]] = {}
    for code, _name in MINISTRIES:
        board = ministry_boards[code]
        domain_index = next(i for i, d in enumerate(DOMAINS) if d.name == ministry_domain[code])
        assert board.unit is not None
        ministries[domain_index] = (board.pk, ref(board.unit))

    topics: list[Topics] = []
    for domain in DOMAINS:
        plain = [(by_path[t.category].pk, t) for t in corpus.TOPICS_BY_DOMAIN[domain.name] if t.category in by_path]
        leaves = [(pk, t.category.rsplit(" / ", 1)[-1]) for pk, t in plain]
        topics.append(Topics(plain, leaves))
    citizen_rows = list(
        User.objects.filter(role=Role.CITIZEN, username__startswith="139")
        .order_by("pk")
        .values_list("pk", "nickname", "phone")
    )
    calendar = WorkCalendar(dt.date(cal.FIRST_YEAR - 1, 12, 1), dt.date(cal.LAST_YEAR + 1, 12, 31), is_working_day)
    return World(provinces, ministries, topics, [(pk, n, p or "") for pk, n, p in citizen_rows], calendar)


def _board(code: str, name: str, region: Region, *, auto: bool = False) -> Board:
    board, _ = Board.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": BoardKind.LEADER,
            "level": BoardLevel.PROVINCE,
            "region": region,
            "auto_dispatch": auto,
        },
    )
    return board


def _staff(username: str, role: str, **extra: Any) -> dict[str, Any]:
    return {"username": username, "role": role, "first_name": username.split(".")[-1], **extra}


# ---------------------------------------------------------------------------------------------------------------
# The messages


@dataclass
class Spec:
    """One message to write: when, where, and its fate as the plan decided it."""

    ts: int
    province: int
    domain: int
    suggestion: bool = False
    replied: bool = False
    rating: int = 0  # index into RATING_CODES
    board: int = 0  # 0: free choice, 1: 书记 board, 2: 书记 board and dispatched automatically
    reject: str = ""  # a reject reason code: not valid


@dataclass
class Batch:
    """One batch's rows by table, how many messages it holds, and their final states."""

    rows: dict[str, list[tuple[Any, ...]]]
    messages: int
    states: dict[str, int] = field(default_factory=dict)


class Generator:
    """Turns (world, plan, seed) into batches of rows, a year at a time, ids in order of submission."""

    def __init__(self, world: World, plan: Plan, seed: int, *, postgres: bool) -> None:
        self.w = world
        self.plan = plan
        self.seed = seed
        self.when = utc_text(postgres)
        self.as_of = int(dt.datetime.fromisoformat(cal.AS_OF).timestamp())
        self.pools: dict[tuple[int, int, int, bool], list[tuple[Any, ...]]] = {}
        self.reject_pools: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
        self.hours = list(itertools.accumulate(ARRIVAL_HOURS))
        # The year's first message id: the plan fixes how many messages every year has.
        self.first_id: dict[int, int] = {}
        total = 0
        for year in cal.YEARS:
            self.first_id[year] = total + 1
            total += sum(cell.valid for _p, _d, cell in plan.year_cells(year))
            total += sum(plan.invalid.get((year, p), 0) for p in range(len(PROVINCES)))
        self.total = total
        self._specs: tuple[int, list[Spec]] | None = None

    # -- the year's specs ---------------------------------------------------------------------------------------

    def specs(self, year: int) -> list[Spec]:
        rng = random.Random(f"{self.seed}:{year}:specs")
        specs: list[Spec] = []
        for p, d, cell in self.plan.year_cells(year):
            specs.extend(self._cell_specs(rng, p, d, cell))
        codes, weights = list(cal.REJECT_CODES), list(cal.REJECT_CODES.values())
        for p in range(len(PROVINCES)):
            for _ in range(self.plan.invalid[(year, p)]):
                code = rng.choices(codes, weights)[0]
                specs.append(Spec(0, p, _index(rng, len(DOMAINS)), reject=code))
        days = [i for i, d in enumerate(self.w.calendar.dates) if d.year == year]
        day_weights = list(itertools.accumulate(WEEKDAY_WEIGHTS[self.w.calendar.dates[i].weekday()] for i in days))
        for spec in specs:
            day = days[bisect.bisect_left(day_weights, rng.random() * day_weights[-1])]
            hour = bisect.bisect_left(self.hours, rng.random() * self.hours[-1])
            spec.ts = self.w.calendar.midnight(day) + hour * HOUR + _below(rng, 0, HOUR)
        specs.sort(key=lambda s: s.ts)
        return specs

    def _cell_specs(self, rng: random.Random, p: int, d: int, cell: Cell) -> list[Spec]:
        """The cell's messages with exactly the plan's counts, shuffled so that nothing lines up with time."""
        out = [Spec(0, p, d, suggestion=True, replied=i < cell.replied_suggestions) for i in range(cell.suggestions)]
        other = cell.valid - cell.suggestions
        out += [Spec(0, p, d, replied=i < cell.replied_other) for i in range(other)]
        replied = [s for s in out if s.replied]
        rng.shuffle(replied)
        for i, spec in enumerate(replied[: cell.rated]):
            spec.rating = 1 if i < cell.satisfied else 2 if i < cell.satisfied + cell.basic else 3
        if cell.secretary:
            # 甘肃 2025: the automatically dispatched ones among the replied, then the rest of the 书记 board's.
            for spec in replied[: cell.auto]:
                spec.board = 2
            rest = [s for s in out if s.board == 0]
            rng.shuffle(rest)
            for spec in rest[: cell.secretary - cell.auto]:
                spec.board = 1
            for spec in rest[cell.secretary - cell.auto :]:
                spec.board = 3
        return out

    # -- texts ----------------------------------------------------------------------------------------------------

    def _texts(self, rng: random.Random, p: int, city: int, d: int, suggestion: bool) -> tuple[Any, ...]:
        key = (p, city, d, suggestion)
        pool = self.pools.get(key)
        if pool is None:
            # Seeded by the pool's own key, not the batch's: a batch's rows must not depend on which batches the
            # same process wrote before it.
            own = random.Random(f"{self.seed}:texts:{key}")
            pool = self.pools[key] = [self._compose(own, p, city, d, suggestion) for _ in range(6)]
        return pool[_index(rng, len(pool))]

    def _slots(self, rng: random.Random, p: int, city: int) -> dict[str, str]:
        province = self.w.provinces[p]
        name = province.cities[city] if province.cities else province.region.name
        other = rng.choice(province.cities) if province.cities else name
        slots = corpus.make_slots(rng, city=name, county=name, other_city=other)
        slots["name"] = mask_name(slots["name"])  # no third person's full name in a public text
        return slots

    def _compose(self, rng: random.Random, p: int, city: int, d: int, suggestion: bool) -> tuple[Any, ...]:
        """(title, body, category pk, types, reply core, regulations JSON): short texts from the demo corpus."""
        slots = self._slots(rng, p, city)
        topics = self.w.topics[d]
        if suggestion:
            category, leaf = rng.choice(topics.leaves)
            title = corpus.fill(rng.choice(SUGGESTION_TITLES), {**slots, "leaf": leaf})
            body = f"{corpus.fill(rng.choice(corpus.INTROS), slots)}关于{leaf}，建议有关部门{rng.choice(SUGGESTION_IDEAS)}。"
            core = f"感谢您对{leaf}工作提出的宝贵建议，我们已认真研究，将在今后工作中积极吸纳。"
            return title[:100], body, category, ("suggestion",), core, "[]"
        category, topic = rng.choice(topics.plain)
        title = corpus.fill(rng.choice(topic.titles), slots)
        first = corpus.fill(topic.problem, slots).split("。")[0] + "。"
        body = corpus.fill(rng.choice(corpus.INTROS), slots) + first + rng.choice(corpus.ASKS)
        core = corpus.fill(rng.choice(topic.replies), slots).split("。")[0] + "。"
        types = tuple(t for t in topic.types if t != "suggestion") or ("complaint",)
        regulations = json.dumps(list(topic.regulations), ensure_ascii=False)
        return title[:100], body, category, types, core, regulations

    def _reject_texts(self, rng: random.Random, p: int, code: str) -> tuple[str, str, str]:
        pool = self.reject_pools.get((p, code))
        if pool is None:
            pool = self.reject_pools[(p, code)] = []
            own = random.Random(f"{self.seed}:rejected:{p}:{code}")
            for _ in range(4):
                text, texts = corpus.compose_rejected(own, code, self._slots(own, p, 0))
                pool.append((texts.title, texts.body, corpus.fill(text.reason, {**texts.slots, "number": "此前留言"})))
        return pool[_index(rng, len(pool))]

    # -- rows -----------------------------------------------------------------------------------------------------

    def year_size(self, year: int) -> int:
        following = self.first_id.get(year + 1, self.total + 1)
        return following - self.first_id[year]

    def batch(self, year: int, start: int, size: int) -> "Batch":
        """The rows of the year's messages `start` … `start + size - 1` (in submission order).

        A pure function of (seed, scale, year, start, size): its random stream is its own, message ids follow from
        the plan, a reply and a rating take their message's id (one of each at most), and a duplicate points back
        only within the batch. So batches can be written by several processes and still give the same rows.
        """
        if self._specs is None or self._specs[0] != year:
            self._specs = (year, self.specs(year))
        specs = self._specs[1][start : start + size]
        rng = random.Random(f"{self.seed}:{year}:{start}")
        out = Batch(rows={name: [] for name in TABLES}, messages=len(specs))
        last_valid: dict[int, int] = {}
        first = self.first_id[year] + start
        for i, spec in enumerate(specs):
            self._message(out, spec, rng, first + i, last_valid)
        return out

    def _message(self, out: "Batch", s: Spec, rng: random.Random, mid: int, last_valid: dict[int, int]) -> None:
        w, c, when, rows = self.w, self.w.calendar, self.when, out.rows
        province = w.provinces[s.province]
        region, city = province.places[_index(rng, len(province.places))]
        events: list[tuple[Any, ...]] = []

        def ev(
            action: str, actor: int | None, role: str, at: int, before: str, after: str, reason: str, data: str
        ) -> None:
            events.append((mid, action, actor, role, when(at), before, after, reason, data))

        t0 = s.ts
        number = f"{c.labels[c.day(t0)]}{mid:08d}"
        code = "".join(rng.choices(QUERY_ALPHABET, k=8))
        anonymous = rng.random() < ANONYMOUS_SHARE
        if anonymous:
            author, nickname, phone = None, _pick(rng, corpus.NICKNAMES), corpus.phone_number(rng)
        else:
            author, nickname, phone = w.citizens[_index(rng, len(w.citizens))]
        source = "web" if anonymous or rng.random() < 0.9 else "api"
        public = rng.random() < PUBLIC_SHARE
        submit_data = f'{{"source":"{source}","attachments":0,"public":{"true" if public else "false"}}}'
        ev("submit", author, "citizen", t0, "", "submitted", "", submit_data)
        ev("intake", None, "system", t0, "submitted", "under_review", "", "{}")
        reviewer, dispatcher, supervisor = province.reviewer, province.dispatcher, province.supervisor
        t = c.office(t0 + _below(rng, 1_000, 90_000), rng)

        m: dict[str, Any] = dict.fromkeys(MESSAGE_COLUMNS)
        m["author_id"] = author  # the rating's actor
        if s.reject:
            title, body, reason = self._reject_texts(rng, s.province, s.reject)
            category = w.topics[s.domain].plain[0][0]
            duplicate = last_valid.get(s.province) if s.reject == "duplicate" else None
            code_ = s.reject if s.reject != "duplicate" or duplicate else "out_of_scope"
            ev("reject", reviewer, "reviewer", t, "under_review", "rejected", reason, f'{{"reason_code":"{code_}"}}')
            m.update(state="rejected", reject_reason=code_, duplicate_of_id=duplicate, closed_at=t, type="complaint")
            archive = c.tick(t + 90 * DAY)
            if archive <= self.as_of:
                ev("archive", None, "system", archive, "rejected", "archived", "", "{}")
                m.update(state="archived", archived_at=archive)
            board = province.governor
        else:
            title, body, category, types, core, regulations = self._texts(rng, s.province, city, s.domain, s.suggestion)
            kind = types[0] if len(types) == 1 or rng.random() < 0.7 else rng.choice(types[1:])
            m["type"] = kind
            last_valid[s.province] = mid
            unit = province.units[s.domain]
            if s.board == 0:
                roll = rng.random()
                ministry = w.ministries.get(s.domain)
                if ministry is not None and roll < MINISTRY_SHARE:
                    board, unit = ministry
                else:
                    board = province.secretary if rng.random() < SECRETARY_SHARE else province.governor
            else:
                board = province.governor if s.board == 3 else province.secretary
            ev("accept", reviewer, "reviewer", t, "under_review", "accepted", "", "{}")
            m.update(accepted_at=t, state="accepted")
            self._handle(rows, ev, m, s, rng, mid, t, unit, dispatcher, supervisor, kind, core, regulations, nickname)
        m.update(
            id=mid,
            number=number,
            source=source,
            category_id=category,
            region_id=region,
            board_id=board,
            title=title,
            body=body,
            public_title=title,
            public_body=body,
            is_public=public,
            author_id=author,
            nickname=nickname,
            contact_phone=phone,
            query_code_hash=hash_query_code(number, code),
            version=len(events) - 1,
            submitted_at=t0,
            warning=m["warning"] or "",
            is_overdue=bool(m["is_overdue"]),
            sla_stage=m["sla_stage"] or 0,
            urge_count=m["urge_count"] or 0,
            supervision_level=m["supervision_level"] or "",
            reject_reason=m["reject_reason"] or "",
            supports=min(int(rng.paretovariate(1.6)) - 1, 900) if public and not s.reject else 0,
            opposes=min(int(rng.paretovariate(2.5)) - 1, 90) if public and not s.reject else 0,
        )
        for name in ("submitted_at", "accepted_at", "dispatched_at", "sign_due_at", "signed_at", "contact_due_at"):
            m[name] = when(m[name])
        for name in ("contacted_at", "due_at", "replied_at", "rated_at", "closed_at", "archived_at"):
            m[name] = when(m[name])
        rows["message"].append(tuple(m[col] for col in MESSAGE_COLUMNS))
        rows["event"].extend(events)
        out.states[m["state"]] = out.states.get(m["state"], 0) + 1

    def _handle(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        ev: Event_,
        m: dict[str, Any],
        s: Spec,
        rng: random.Random,
        mid: int,
        t: int,
        unit: UnitRef,
        dispatcher: int,
        supervisor: int,
        kind: str,
        core: str,
        regulations: str,
        nickname: str,
    ) -> None:
        """From acceptance on: dispatch, sign, contact, reply, rating and closing; or the ladder of an unanswered
        message."""
        c, when = self.w.calendar, self.when
        if s.board == 2:
            t += _below(rng, 36, 720)
            data = unit.dispatch_data[:-1] + f',"confidence":{rng.uniform(0.97, 1.0):.3f}}}'
            ev("dispatch", None, "system", t, "accepted", "dispatched", "", data)
        else:
            t = c.office(t + _below(rng, 720, 72_000), rng)
            ev("dispatch", dispatcher, "dispatcher", t, "accepted", "dispatched", "", unit.dispatch_data)
        sign_due, due = c.add_wd(t, 1), c.add_wd(t, HANDLE_WORKING_DAYS[kind])
        m.update(state="dispatched", unit_id=unit.pk, dispatched_at=t, sign_due_at=sign_due, due_at=due)
        rows["assignment"].append((mid, unit.pk, "main", True, when(t), None))
        dispatched = t
        signs = s.replied or rng.random() < 0.8
        if signs:
            roll = rng.random()
            delay = rng.uniform(0.2, 6) if roll < 0.85 else rng.uniform(6, 30) if roll < 0.97 else rng.uniform(30, 90)
            t = c.office(t + int(delay * HOUR), rng)
            on_time = t <= sign_due
            ev(
                "sign",
                unit.handler,
                "handler",
                t,
                "dispatched",
                "in_progress",
                "",
                f'{{"on_time":{"true" if on_time else "false"}}}',
            )
            contact_due = c.add_wd(t, 1)
            m.update(state="in_progress", signed_at=t, signed_on_time=on_time, contact_due_at=contact_due)
            t = c.office(t + _below(rng, 1_000, 100_000), rng)
            ev("record_contact", unit.handler, "handler", t, "in_progress", "in_progress", "", '{"channel":"phone"}')
            rows["contact"].append((mid, unit.handler, "phone", _pick(rng, corpus.CONTACTS), when(t)))
            m.update(contacted_at=t, contacted_on_time=t <= contact_due)
        if not s.replied:
            self._ladder(ev, m, dispatched, due)
            return

        roll = rng.random()
        share = rng.uniform(0.15, 0.95) if roll < 0.9 else rng.uniform(0.95, 1.5)
        t = c.office(max(t + HOUR, dispatched + int(share * (due - dispatched))), rng)
        # Every planned reply is published by the data set's date (the plan counts it).
        t = min(t, self.as_of - _below(rng, 2 * DAY, 5 * DAY))
        reply = mid
        ev("submit_reply", unit.handler, "handler", t, "in_progress", "reply_review", "", f'{{"reply":{reply}}}')
        drafted = t
        t = min(c.office(t + _below(rng, 1_000, 86_400), rng), self.as_of - _below(rng, HOUR, DAY))
        on_time = t <= due
        ok = "true" if on_time else "false"
        ev(
            "approve_reply",
            unit.head,
            "unit_head",
            t,
            "reply_review",
            "replied",
            "",
            f'{{"reply":{reply},"stage":"unit","on_time":{ok}}}',
        )
        date = c.dates[c.day(t)]
        opening = corpus.fill(_pick(rng, corpus.REPLY_OPENINGS), {"nickname": nickname or "网友"})
        reply_body = (
            f"{opening}{core}{_pick(rng, corpus.REPLY_CLOSINGS)}\n{unit.name}\n{date.year}年{date.month}月{date.day}日"
        )
        rows["reply"].append(
            (reply, mid, "unit", reply_body, regulations, unit.pk, unit.handler, "published", 0, when(drafted), when(t))
        )
        m.update(state="replied", replied_at=t, replied_on_time=on_time)
        replied = t

        state = "replied"
        close: tuple[int | None, str, str]
        if s.rating:
            satisfaction = RATING_CODES[s.rating]
            # Every planned rating is given by the data set's date (the plan counts it).
            t = min(c.citizen(t + _below(rng, HOUR, 10 * DAY), rng), self.as_of - _below(rng, 60, HOUR))
            t = max(t, replied + 60)
            rating = mid
            resolved = None if rng.random() < 0.2 else satisfaction != "unsatisfied"
            reason = _pick(rng, corpus.RATING_REASONS[satisfaction])
            data = json.dumps({"satisfaction": satisfaction, "resolved": resolved, "rating": rating})
            ev("rate", m["author_id"], "citizen", t, "replied", "rated", reason, data)
            rows["rating"].append((rating, mid, satisfaction, resolved, reason, 0, when(t)))
            m.update(state="rated", rated_at=t)
            state = "rated"
            if satisfaction == "unsatisfied":
                t = c.office(t + _below(rng, DAY, 10 * DAY), rng)
                close = (supervisor, "supervisor", _pick(rng, corpus.SUPERVISOR_CLOSES))
            else:
                close = (None, "system", SATISFIED_CLOSE)
        else:
            t = c.tick(replied + 15 * DAY)
            close = (None, "system", UNRATED_CLOSE)
        if t > self.as_of:
            return
        ev("close", close[0], close[1], t, state, "closed", close[2], "{}")
        m.update(state="closed", closed_at=t)
        archive = c.tick(t + 90 * DAY)
        if archive <= self.as_of:
            ev("archive", None, "system", archive, "closed", "archived", "", "{}")
            m.update(state="archived", archived_at=archive)

    def _ladder(self, ev: Event_, m: dict[str, Any], dispatched: int, due: int) -> None:
        """An unanswered message: the deadline ladder's rungs (yellow, red and overdue, 催办, 通报) as they came."""
        c, state = self.w.calendar, m["state"]
        yellow = c.tick(max(dispatched, due - DAY))
        rungs = (
            (yellow, "sla_light", "", '{"warning":"yellow","overdue":false}', {"warning": "yellow", "sla_stage": 1}),
            (
                c.tick(due + 1),
                "sla_light",
                "",
                '{"warning":"red","overdue":true}',
                {"warning": "red", "is_overdue": True, "sla_stage": 2},
            ),
            (
                c.tick(c.add_wd(due, 1)),
                "urge",
                "超期催办 / overdue reminder",
                '{"count":1}',
                {"urge_count": 1, "sla_stage": 3},
            ),
            (
                c.tick(c.add_wd(due, 5)),
                "supervise",
                "超期通报 / overdue report",
                '{"level":"key"}',
                {"supervision_level": "key", "sla_stage": 4},
            ),
        )
        for at, action, reason, data, fields in rungs:
            if at > self.as_of:
                return
            ev(action, None, "system", at, state, state, reason, data)
            m.update(fields)


# ---------------------------------------------------------------------------------------------------------------
# The run


@dataclass
class Result:
    messages: int
    rows: dict[str, int]
    states: dict[str, int]
    seconds: dict[str, float]


def check_request(dataset: str, scale: float) -> None:
    """Refuse bad input before anything is written."""
    if dataset not in DATASETS:
        raise SynthError(
            f"未知的数据集：{dataset}（可用：{'、'.join(DATASETS)}）",
            f"unknown data set {dataset!r} (available: {', '.join(DATASETS)})",
        )
    if not MIN_SCALE <= scale <= 1:
        raise SynthError(
            f"比例应在 {MIN_SCALE} 到 1 之间，而不是 {scale}（更小的规模容不下已公布的比例）",
            f"--scale must be in [{MIN_SCALE}, 1], not {scale} (smaller cells cannot hold the published shares)",
        )
    unfinished = SynthRun.objects.filter(finished_at=None).first()
    if unfinished is not None:
        raise SynthError(
            "上次生成未完成，数据库中的数据不完整：请换一个空数据库重新生成",
            f"an earlier run ({unfinished}) did not finish and left partial data: generate into an empty database",
        )
    existing = Message.objects.count()
    if existing:
        raise SynthError(
            f"数据库中已有 {existing} 条留言：合成数据只写入空数据库（请新建数据库后再运行）",
            f"the database already holds {existing} message(s): synthetic data goes into an empty database only "
            "(create a new one and run again)",
        )


@dataclass
class Written:
    """What a batch put into the database: rows by table, messages, their final states."""

    rows: dict[str, int]
    messages: int
    states: dict[str, int]
    part: str | None = None  # SQLite: the part file the main process still has to copy in


def _written(batch: Batch, part: str | None = None) -> Written:
    return Written({name: len(rows) for name, rows in batch.rows.items()}, batch.messages, batch.states, part)


_WORKER: "tuple[Generator, Loader, str] | None" = None  # a forked worker's generator, loader and part directory


def _start_worker() -> None:
    assert _WORKER is not None
    if _WORKER[1].postgres:
        _WORKER[1].relax_session()


def _compose_and_write(task: tuple[int, int, int]) -> Written:
    """In a worker: compose a batch and write it (PostgreSQL: into the database; SQLite: into a part file)."""
    assert _WORKER is not None
    generator, loader, parts = _WORKER
    batch = generator.batch(*task)
    if loader.postgres:
        with transaction.atomic():
            loader.write(batch.rows)
        return _written(batch)
    part = os.path.join(parts, "{}-{}.sqlite3".format(*task))
    loader.write_part(batch.rows, part)
    return _written(batch, part)


def _write_all(
    generator: Generator, loader: Loader, tasks: list[tuple[int, int, int]], workers: int
) -> Iterator[Written]:
    """Write the tasks' batches, yielding each once it is in the database: composed and written here, or by
    `workers` forked processes a few batches ahead (bounded, so a slow database never piles up work)."""
    global _WORKER
    if workers < 1:
        for task in tasks:
            batch = generator.batch(*task)
            with transaction.atomic():
                loader.write(batch.rows)
            yield _written(batch)
        return
    if loader.postgres:
        connection.close()  # each worker opens its own; none is shared across the fork
    parts = tempfile.mkdtemp(prefix="liuyan-synth-")
    _WORKER = (generator, loader, parts)
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
            pending: collections.deque[Any] = collections.deque()
            queue = iter(tasks)
            for task in itertools.islice(queue, 2 * workers):
                pending.append(pool.apply_async(_compose_and_write, (task,)))
            while pending:
                out: Written = pending.popleft().get()
                following = next(queue, None)
                if following is not None:
                    pending.append(pool.apply_async(_compose_and_write, (following,)))
                if out.part is not None:
                    loader.merge_part(out.part)
                yield out
            pool.close()
            pool.join()
    finally:
        _WORKER = None
        shutil.rmtree(parts, ignore_errors=True)


def generate(
    *,
    seed: int,
    scale: float = 1.0,
    dataset: str = "national",
    batch: int = DEFAULT_BATCH,
    on_rows: Callable[[int], object] | None = None,
    on_phase: Callable[[str], object] | None = None,
    on_index: Callable[[str, float], object] | None = None,
    rollups: bool = True,
    search: bool = False,
    workers: int | None = None,
) -> Result:
    """Write the data set into the (empty) database; returns what was written and how long each phase took.

    `workers` processes compose and write the rows (default: one per CPU for a large load, none below it; see
    `liuyan.synth.bulk` for how each database takes them); the rows are the same for any number of workers.
    """
    check_request(dataset, scale)
    seconds: dict[str, float] = {}
    began = time.monotonic()
    say = on_phase or (lambda _text: None)

    say("参考数据与账号 / reference data and accounts")
    world = build_world(scale)
    plan = build_plan(scale)
    seconds["reference_s"] = time.monotonic() - began
    run = SynthRun.objects.create(dataset=dataset, seed=seed, scale=scale, started_at=timezone.now())
    loader = Loader({name: Table(model, columns) for name, (model, columns) in TABLES.items()})
    large = plan.messages() >= LARGE_LOAD
    if large:
        loader.begin_large_load()
    generator = Generator(world, plan, seed, postgres=loader.postgres)
    if workers is None:
        workers = (os.cpu_count() or 1) if large else 0
    if connection.in_atomic_block:
        workers = 0  # other processes could not see the reference data written in this transaction
    phase = time.monotonic()
    say("留言 / messages")
    rows: dict[str, int] = dict.fromkeys(TABLES, 0)
    states: dict[str, int] = {}
    tasks = [(year, start, batch) for year in cal.YEARS for start in range(0, generator.year_size(year), batch)]
    for out in _write_all(generator, loader, tasks, workers):
        for name, count in out.rows.items():
            rows[name] += count
        for state, n in out.states.items():
            states[state] = states.get(state, 0) + n
        if on_rows is not None:
            on_rows(out.messages)
    seconds["rows_s"] = time.monotonic() - phase
    phase = time.monotonic()
    if large:
        say("重建索引 / indexes")
        loader.end_large_load(on_index)
    loader.finish()
    seconds["indexes_s"] = time.monotonic() - phase
    if rollups:
        from liuyan.rollups.rebuild import rebuild

        say("汇总表 / rollups")
        phase = time.monotonic()
        rebuild(workers=workers)
        seconds["rollups_s"] = time.monotonic() - phase
    if search:
        from liuyan.search.index import rebuild as rebuild_search

        say("全文检索索引 / search index")
        phase = time.monotonic()
        rebuild_search()
        seconds["search_s"] = time.monotonic() - phase
    seconds["total_s"] = time.monotonic() - began
    result = Result(generator.total, rows, states, seconds)
    run.finished_at = timezone.now()
    run.messages = result.messages
    run.details = {
        "rows": result.rows,
        "states": result.states,
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    run.save()
    if connection.vendor == "sqlite" and large:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return result

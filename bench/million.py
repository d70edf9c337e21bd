"""`python -m bench million`: a database of N messages (default 1,000,000) built by bulk inserts, and reused after.

Where: SQLite `bench/results/million-N.sqlite3` (git-ignored), or the PostgreSQL database `liuyan_bench_N` on
LIUYAN_BENCH_PG (default postgres://postgres@127.0.0.1:5432; `make bench` drops only `liuyan_bench`).

How: the demo's reference data and accounts (`liuyan.demo.reference`, `liuyan.demo.users`: 西地省, its units, boards,
catalogue and one login per role), then the rows of `bench.million_rows` — every message's history lived forward
from its submission and cut at `as_of` — inserted per chunk of messages in one transaction each by `liuyan.synth.bulk.Loader`, the
national data set's loader (executemany on SQLite, COPY on PostgreSQL; the non-unique secondary indexes of the
message tables dropped for the load and created again from their own saved definitions, so the schema and the
migration state end up exactly as migrated).
A row in the table `bench_fixture` records N, the seed and `as_of`; a second run with the same N and seed reuses
the database (only applying new migrations, and filling the search index if `liuyan.search` appeared since).
"""

import datetime as dt
import importlib
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
MARKER_TABLE = "bench_fixture"
DEFAULT_MESSAGES = 1_000_000
DEFAULT_SEED = 2026
SEARCH_MODULE = (
    "liuyan.search.index"  # index_rows(rows: Iterable[tuple[int, str, str]]): (id, public_title, public_body)
)


def pg_base() -> str:
    return os.environ.get("LIUYAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def sqlite_path(messages: int) -> Path:
    return RESULTS / f"million-{messages}.sqlite3"


def pg_name(messages: int) -> str:
    return f"liuyan_bench_{messages}"


def url_for(kind: str, messages: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{sqlite_path(messages)}"
    if kind == "postgres":
        return f"{pg_base()}/{pg_name(messages)}"
    raise SystemExit(f"unknown database kind: {kind}")


# ---------------------------------------------------------------------------------------------------------------
# Storage and the build marker, looked at before Django is set up (the URL must be known first)


def _pg_admin() -> Any:
    """A connection to the `postgres` maintenance database, starting the local cluster once if it is down."""
    import psycopg

    try:
        return psycopg.connect(f"{pg_base()}/postgres", autocommit=True)
    except psycopg.OperationalError:
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if not versions:
            raise
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]
        print("PostgreSQL is down; starting it:", " ".join(command), flush=True)
        subprocess.run(command, check=True)
        time.sleep(2)
        return psycopg.connect(f"{pg_base()}/postgres", autocommit=True)


def read_marker(kind: str, messages: int) -> dict[str, Any] | None:
    """The recorded build of this fixture, or None when there is no fixture (or no record in it)."""
    query = f"SELECT value FROM {MARKER_TABLE} WHERE name = 'build'"
    if kind == "sqlite":
        path = sqlite_path(messages)
        if not path.exists():
            return None
        with sqlite3.connect(path) as conn:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (MARKER_TABLE,)).fetchone():
                return None
            row = conn.execute(query).fetchone()
        return json.loads(row[0]) if row else None
    import psycopg

    with _pg_admin() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (pg_name(messages),)).fetchone():
            return None
    with psycopg.connect(url_for(kind, messages)) as conn:
        if conn.execute("SELECT to_regclass(%s)", (MARKER_TABLE,)).fetchone() == (None,):
            return None
        found = conn.execute(query).fetchone()
    return json.loads(found[0]) if found else None


def reset_storage(kind: str, messages: int) -> None:
    """An empty database for the fixture: a new SQLite file, or the PostgreSQL database dropped and created."""
    if kind == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(messages)}{suffix}").unlink(missing_ok=True)
        return
    name = pg_name(messages)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    import django

    os.environ["LIUYAN_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    django.setup()


def _migrate() -> int:
    """Apply the project's migrations; returns how many were new (a fixture built earlier gets the new indexes)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    if pending:
        print(f"applying {pending} new migration(s)", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    return pending


def _migrate_fixture(kind: str) -> None:
    """Migrate an existing fixture; after new migrations, refresh the planner statistics as the build does."""
    if _migrate():
        began = time.monotonic()
        _analyze(kind)
        print(f"statistics refreshed (ANALYZE) in {time.monotonic() - began:.1f} s", flush=True)


def use_fixture(kind: str, messages: int, *, migrate: bool = True) -> dict[str, Any]:
    """Point Django at an existing fixture (applying any new migration unless `migrate` is False); exit with the
    build command if there is none."""
    marker = read_marker(kind, messages)
    if marker is None or not marker.get("finished"):
        raise SystemExit(
            f"no finished {kind} fixture of {messages} messages: build it first with "
            f"`.venv/bin/python -m bench million --db {kind} --messages {messages}`"
        )
    setup_django(url_for(kind, messages))
    if migrate:
        _migrate_fixture(kind)
    return marker


# ---------------------------------------------------------------------------------------------------------------
# Build


def build(
    kind: str,
    messages: int = DEFAULT_MESSAGES,
    *,
    seed: int = DEFAULT_SEED,
    as_of: dt.datetime | None = None,
    rebuild: bool = False,
) -> dict[str, Any]:
    """Build the fixture, or reuse the one recorded with the same N and seed. Returns the build record."""
    marker = read_marker(kind, messages)
    if marker is not None and marker.get("finished") and marker.get("seed") == seed and not rebuild:
        print(
            f"reusing the {kind} fixture of {messages:,} messages (seed {seed}, as of {marker['as_of']}, built in "
            f"{marker['seconds']:.0f} s); pass --rebuild to build it again",
            flush=True,
        )
        setup_django(url_for(kind, messages))
        _migrate_fixture(kind)
        _reference(dt.datetime.fromisoformat(marker["as_of"]), messages)  # adds what the demo gained since
        if not marker.get("search_indexed"):
            _search_step(marker)
        marker["size_bytes"] = database_size(kind, messages)
        return marker
    if marker is not None:
        why = "rebuild asked" if rebuild else "unfinished" if not marker.get("finished") else "another seed"
        print(f"rebuilding the {kind} fixture of {messages:,} messages ({why})", flush=True)
    reset_storage(kind, messages)
    setup_django(url_for(kind, messages))
    return _load(kind, messages, seed, as_of)


def default_as_of() -> dt.datetime:
    """Midnight today in the platform's time zone: one build a day gives the same data for a seed."""
    from django.utils import timezone

    today = timezone.localdate()
    return dt.datetime.combine(today, dt.time(), timezone.get_default_timezone())


def _write_marker(marker: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)")
        cur.execute(f"DELETE FROM {MARKER_TABLE} WHERE name = 'build'")
        cur.execute(f"INSERT INTO {MARKER_TABLE} (name, value) VALUES ('build', %s)", [json.dumps(marker)])


def _tables() -> dict[str, Any]:
    from liuyan.messages.models import Assignment, ContactLog, Event, HandlingRequest, Message, Note, Rating, Reply

    return {
        "message": Message,
        "event": Event,
        "assignment": Assignment,
        "reply": Reply,
        "rating": Rating,
        "contact": ContactLog,
        "note": Note,
        "request": HandlingRequest,
        "request_target": HandlingRequest.target_units.through,
    }


def _load(kind: str, messages: int, seed: int, as_of: dt.datetime | None) -> dict[str, Any]:
    from django.db import transaction

    from bench.million_rows import COLUMNS, Histories

    started = time.monotonic()
    _migrate()
    as_of = as_of or default_as_of()
    marker: dict[str, Any] = {
        "database": kind,
        "messages": messages,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
    }
    _write_marker(marker)
    world = _world(as_of, messages)
    reference_seconds = time.monotonic() - started
    print(f"reference data and accounts: {reference_seconds:.1f} s", flush=True)

    from liuyan.synth.bulk import Loader, Table, utc_text

    tables = _tables()
    loader = Loader({name: Table(model, COLUMNS[name]) for name, model in tables.items()})
    loader.begin_large_load()
    text = utc_text(loader.postgres)
    histories = Histories(world, seed=seed, messages=messages, when=lambda ts: None if ts is None else text(int(ts)))
    load_started = time.monotonic()
    done = 0
    for batch in histories.batches():
        with transaction.atomic():
            loader.write(batch.rows)
        done += batch.messages
        if done % 50_000 < batch.messages or done == messages:
            elapsed = time.monotonic() - load_started
            print(
                f"  {done:>9,} messages, {histories.counts['event']:>10,} events  {elapsed:7.1f} s  "
                f"({done / elapsed:,.0f} messages/s)",
                flush=True,
            )
    load_seconds = time.monotonic() - load_started
    index_started = time.monotonic()
    loader.end_large_load(on_index=lambda name, seconds: print(f"  index {name}: {seconds:.1f} s", flush=True))
    index_seconds = time.monotonic() - index_started
    print(f"indexes created again in {index_seconds:.1f} s", flush=True)
    analyze_started = time.monotonic()
    loader.finish(vacuum=True)  # the id sequences past the explicit ids, then (VACUUM) ANALYZE: the pages' counts
    print(f"sequences, visibility and statistics: {time.monotonic() - analyze_started:.1f} s", flush=True)
    marker.update(
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - started, 1),
        phases={
            "reference_s": round(reference_seconds, 1),
            "rows_s": round(load_seconds, 1),
            "indexes_s": round(index_seconds, 1),
        },
        rows=dict(histories.counts),
        states=dict(sorted(histories.states.items(), key=lambda kv: -kv[1])),
        busiest_units=_busiest_units(),
        search_indexed=False,
    )
    _write_marker(marker)  # usable from here on; the search index is a separate, resumable step
    _checkpoint(kind)
    marker["size_bytes"] = database_size(kind, messages)
    print(
        f"built {messages:,} messages in {marker['seconds']:.0f} s; {marker['size_bytes'] / 2**30:.2f} GiB", flush=True
    )
    _search_step(marker)
    marker["size_bytes"] = database_size(kind, messages)
    return marker


def _checkpoint(kind: str) -> None:
    from django.db import connection

    if kind == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _search_step(marker: dict[str, Any]) -> None:
    """Fill the search index if `liuyan.search` exists, and record it (an interrupted run simply starts over)."""
    began = time.monotonic()
    if fill_search_index():
        marker["search_indexed"] = True
        marker.setdefault("phases", {})["search_index_s"] = round(time.monotonic() - began, 1)
        _write_marker(marker)
        _checkpoint(str(marker["database"]))


def _reference(as_of: dt.datetime, messages: int) -> tuple[Any, Any]:
    """The demo's reference data, province, ministries and accounts, as `liuyan demo` makes them (each step
    creates only what is missing)."""
    from bench.million_rows import HISTORY_DAYS
    from liuyan.deadlines.clock import invalidate_calendar
    from liuyan.deadlines.policy import invalidate_policies
    from liuyan.demo.reference import ReferenceReport, build_ministries, build_province, load_reference_data
    from liuyan.demo.users import citizens_for, ensure_users
    from liuyan.geo.region_lookup import clear_region_cache

    invalidate_calendar()
    invalidate_policies()
    clear_region_cache()
    report = ReferenceReport()
    load_reference_data(report)
    province = build_province(report, catalogue_since=as_of - dt.timedelta(days=HISTORY_DAYS + 60))
    build_ministries(report)
    staff = ensure_users(province, citizens=citizens_for(messages))
    return province, staff


def _world(as_of: dt.datetime, messages: int) -> Any:
    """The demo province and accounts (created when missing), as the generator's look-up tables."""
    from bench.million_rows import Place, UnitRef, World
    from liuyan.deadlines.clock import is_working_day
    from liuyan.geo.models import Region
    from liuyan.orgs.catalogue import CurrentCatalogue
    from liuyan.orgs.models import Board, Unit

    province, staff = _reference(as_of, messages)
    catalogue = CurrentCatalogue()
    regions = {r.pk: r for r in province.regions.values()}

    def ref(unit: Unit) -> UnitRef:
        return UnitRef(unit.pk, unit.code, unit.name, province.city_of(regions[unit.region_id]).code)

    memo: dict[tuple[int, int], UnitRef] = {}

    def route(category_id: int, region_id: int) -> UnitRef:
        key = (category_id, region_id)
        if key not in memo:
            unit = catalogue.unit(category_id, region_id)
            memo[key] = ref(unit if unit is not None else province.city_unit("ZW", regions[region_id]))
        return memo[key]

    def place(region: Region) -> Place:
        city = province.city_of(region)
        return Place(region.pk, region.code, region.name, city.pk, city.name)

    city_units: dict[str, list[UnitRef]] = {}
    for unit in sorted(province.units.values(), key=lambda u: u.code):
        if regions[unit.region_id].level >= 2:
            city_units.setdefault(ref(unit).city_code, []).append(ref(unit))
    boards: list[Board] = list(province.boards.values())
    return World(
        as_of=as_of,
        cities=[place(c) for c in province.cities],
        counties={c.pk: [place(r) for r in province.counties[c.pk]] for c in province.cities},
        province_boards=[b.pk for b in province.province_boards],
        city_boards={city: [b.pk for b in bs] for city, bs in province.city_boards.items()},
        county_boards={county: b.pk for county, b in province.county_boards.items()},
        platform_review_boards=frozenset(b.pk for b in boards if b.platform_reviews_replies),
        auto_dispatch_boards=frozenset(b.pk for b in boards if b.auto_dispatch),
        category_pk={path: c.pk for path, c in province.categories.items()},
        route=route,
        city_units=city_units,
        reviewers=[u.pk for u in staff.reviewers],
        dispatchers=[u.pk for u in staff.dispatchers],
        supervisors=[u.pk for u in staff.supervisors],
        handler={unit: u.pk for unit, u in staff.handlers.items()},
        head={unit: u.pk for unit, u in staff.heads.items()},
        citizens=[(u.pk, u.nickname, u.phone or "") for u in staff.citizens],
        is_working_day=is_working_day,
    )


def _analyze(kind: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE" if kind == "sqlite" else "VACUUM (ANALYZE)")


def _busiest_units(top: int = 5) -> list[tuple[str, int]]:
    from django.db.models import Count

    from liuyan.messages.models import Message

    rows = (
        Message.objects.exclude(unit=None)
        .order_by()
        .values_list("unit__code")
        .annotate(n=Count("pk"))
        .order_by("-n")[:top]
    )
    return [(str(code), int(n)) for code, n in rows]


def database_size(kind: str, messages: int) -> int:
    if kind == "sqlite":
        return sum(
            Path(f"{sqlite_path(messages)}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{sqlite_path(messages)}{s}").exists()
        )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        row = cur.fetchone()
    return int(row[0]) if row else 0


# ---------------------------------------------------------------------------------------------------------------
# Full-text search (liuyan.search, being built alongside)


def fill_search_index(chunk: int = 20_000) -> bool:
    """Hook: fill the search index with every message's public text through `liuyan.search.index.index_rows`.
    Returns False (and says so) while that module does not exist; a later `python -m bench million` run on the same
    fixture fills it then."""
    try:
        module = importlib.import_module(SEARCH_MODULE)
    except ImportError:
        print(f"search index not filled: {SEARCH_MODULE} does not exist yet (hook: bench.million.fill_search_index)")
        return False
    index_rows = getattr(module, "index_rows", None)
    if index_rows is None:
        print(f"search index not filled: {SEARCH_MODULE} has no index_rows()")
        return False
    from django.db import transaction

    from liuyan.messages.models import Message

    def rows() -> Iterator[list[tuple[int, str, str]]]:
        last = 0
        while True:
            page = list(
                Message.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "public_title", "public_body")[:chunk]
            )
            if not page:
                return
            yield page
            last = page[-1][0]

    began = time.monotonic()
    done = 0
    for page in rows():
        with transaction.atomic():  # one transaction per page: FTS5 flushes small segments as it goes
            index_rows(page)
        done += len(page)
        if done % 100_000 < len(page):
            print(f"  search index: {done:>9,} messages  {time.monotonic() - began:7.1f} s", flush=True)
    optimise = getattr(module, "optimise", None)
    if optimise is not None:
        optimise()
    print(f"search index filled through {SEARCH_MODULE}.index_rows in {time.monotonic() - began:.1f} s", flush=True)
    return True

"""Recomputing the rollups from the messages (and their latest ratings): `liuyan rollup rebuild` and `check`.

The source is the messages' current fields, which the events produced action by action (the Event log is the
audit trail; every field `contribution` reads is written by the same `commit()` that appends the event), so a
recomputation gives exactly the figures the upkeep keeps, without re-implementing each action's effect a second
time in a replayer.

The messages are read one local month of submission at a time, in plain SQL: a month's keys never recur in
another month (the key starts with the day), so each month's daily rows are written and forgotten before the
next is read, and memory stays bounded however many messages there are. Each month's summaries are summed from
its daily rows where they were computed (numpy, grouping by each grain's dimensions as `upkeep.summary_keys` names
them), so the process that writes does nothing but write; the yearly grains are summed from those at the end, in
SQL. The log of deltas not folded into them is emptied in the same transaction.
"""

import collections
import datetime as dt
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from liuyan.messages.models import Message, Rating
from liuyan.rollups import dimensions
from liuyan.rollups.metrics import COUNTERS, contribution
from liuyan.rollups.models import (
    GRAIN_DIMENSIONS,
    KEY_FIELDS,
    NONE,
    SUMMARY_KEY_FIELDS,
    YEARLY,
    PendingDelta,
    Rollup,
    Summary,
)
from liuyan.rollups.upkeep import FIELDS as _FIELDS
from liuyan.rollups.upkeep import (
    ID_DIMENSIONS,
    ID_SOURCES,
    Key,
    SummaryKey,
    aware,
    key_of,
    pending_rows,
    summarize,
)

INSERT_BATCH = 5_000
PARALLEL_FROM = 200_000  # messages from which `rebuild` computes months in worker processes
Rows = dict[Key, dict[str, int]]
Items = list[tuple[Any, ...]]  # daily rows as the INSERT takes them: key fields, then COUNTERS


def _months() -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """[start, end) of every local month holding a submission, as aware datetimes, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(submitted_at), MAX(submitted_at) FROM {connection.ops.quote_name(Message._meta.db_table)}"
        )
        first, last = cursor.fetchone()
    if first is None:
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    start = aware(first).astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = aware(last).astimezone(zone)
    while start <= end:
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        yield start, following
        start = following


def _month_sql() -> tuple[str, str]:
    q = connection.ops.quote_name
    messages, ratings = q(Message._meta.db_table), q(Rating._meta.db_table)
    columns = ", ".join(q(f) for f in _FIELDS)
    return (
        f"SELECT {columns} FROM {messages} WHERE submitted_at >= %s AND submitted_at < %s",
        # Oldest first: the last one seen per message is its latest.
        f"SELECT r.message_id, r.satisfaction, r.resolved FROM {ratings} r JOIN {messages} m ON m.id = r.message_id "
        f"WHERE m.submitted_at >= %s AND m.submitted_at < %s AND m.rated_at IS NOT NULL "
        f"ORDER BY r.message_id, r.created_at, r.id",
    )


def _month_rows(start: dt.datetime, end: dt.datetime) -> tuple[Rows, int]:
    """The daily rows of the messages submitted in [start, end), and how many messages they hold."""
    select_messages, select_ratings = _month_sql()
    bounds = [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)]
    ratings: dict[int, SimpleNamespace] = {}
    out: Rows = {}
    with connection.cursor() as cursor:
        cursor.execute(select_ratings, bounds)
        for message_id, satisfaction, resolved in cursor.fetchall():
            ratings[message_id] = SimpleNamespace(
                satisfaction=satisfaction, resolved=None if resolved is None else bool(resolved)
            )
        cursor.execute(select_messages, bounds)
        count = 0
        while batch := cursor.fetchmany(INSERT_BATCH):
            count += len(batch)
            for row in batch:
                m = SimpleNamespace(**dict(zip(_FIELDS, row, strict=True)))
                m.submitted_at = aware(m.submitted_at)
                if m.replied_at is not None:
                    m.replied_at = aware(m.replied_at)
                counts = contribution(m, ratings.get(m.id))
                into = out.get(key := key_of(m))
                if into is None:
                    out[key] = counts
                else:
                    for name in COUNTERS:
                        into[name] += counts[name]
    return out, count


def _month_items(start: dt.datetime, end: dt.datetime) -> tuple[Items, Items, int]:
    """The daily rows of the messages submitted in the local month [start, end), its summary rows, and how many
    messages they hold."""
    rows, count = _month_rows(start, end)
    items = [(*key, *(counts[name] for name in COUNTERS)) for key, counts in rows.items()]
    return items, _summary_items(start.date(), items), count


def _summary_items(month: dt.date, items: Items) -> Items:
    """The summary rows of `month` summed from its daily rows, grain by grain: the same rows as adding up
    `summary_keys` for each daily row (the check compares the two; both derive the ids by `upkeep.ID_SOURCES`),
    grouped by numpy sorts instead of one dict entry per row and grain."""
    if not items:
        return []
    import numpy as np  # only here: the web processes never rebuild

    width = len(KEY_FIELDS)
    fields = {at: np.array([item[at] for item in items], dtype=np.int64) for at, _of in ID_SOURCES.values()}
    counters = np.array([item[width:] for item in items], dtype=np.int64)
    types = sorted({item[width - 1] for item in items})
    code = {name: i for i, name in enumerate(types)}

    def mapped(values: Any, of: Callable[[int], int]) -> Any:  # each distinct id looked up once
        distinct, inverse = np.unique(values, return_inverse=True)
        return np.array([of(int(v)) for v in distinct], dtype=np.int64)[inverse.reshape(-1)]

    columns = {name: fields[at] if of is None else mapped(fields[at], of) for name, (at, of) in ID_SOURCES.items()}
    columns["type"] = np.array([code[item[width - 1]] for item in items], dtype=np.int64)
    out: Items = []
    for grain, kept in GRAIN_DIMENSIONS.items():
        names = [name for name in (*ID_DIMENSIONS, "type") if name in kept]
        keys = np.stack([columns[name] for name in names], axis=1)
        order = np.lexsort(keys.T[::-1])
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], np.any(keys[1:] != keys[:-1], axis=1))))
        full = np.full((len(starts), len(ID_DIMENSIONS) + 1), NONE, dtype=np.int64)
        for i, name in enumerate((*ID_DIMENSIONS, "type")):
            if name in kept:
                full[:, i] = keys[starts, names.index(name)]
        rows = np.concatenate([full, np.add.reduceat(counters[order], starts, axis=0)], axis=1).tolist()
        type_at = len(ID_DIMENSIONS)
        if "type" in kept:
            out.extend((grain, month, *row[:type_at], types[row[type_at]], *row[type_at + 1 :]) for row in rows)
        else:
            out.extend((grain, month, *row[:type_at], "", *row[type_at + 1 :]) for row in rows)
    return out


def _month_items_apart(month: tuple[dt.datetime, dt.datetime]) -> tuple[Items, Items, int]:
    """`_month_items` in a worker process, on a connection of its own (closed again: one per month is cheap). Flat
    tuples, not a dict of dicts, cross back to the main process: far less to pickle."""
    try:
        return _month_items(*month)
    finally:
        connection.close()


@contextmanager
def _month_pool(workers: int) -> Iterator[Any]:
    """Forked processes to sum months in, or None. They fork with no connection open here, so none is shared,
    and each opens one of its own when it is first given a month."""
    if workers < 1:
        yield None
        return
    connection.close()
    # Each process reads the regions and categories afresh, not the parent's copy from before the fork.
    with multiprocessing.get_context("fork").Pool(workers, initializer=dimensions.forget_cache) as pool:
        yield pool


def _computed(pool: Any, ahead: int) -> Iterator[tuple[dt.datetime, dt.datetime, Items, Items, int]]:
    """Every month's daily and summary rows, in order: computed here, or by the pool's processes `ahead` months
    ahead."""
    months = list(_months())
    if pool is None:
        for start, end in months:
            yield start, end, *_month_items(start, end)
        return
    pending: collections.deque[Any] = collections.deque()
    queue = iter(months)
    for month in itertools.islice(queue, ahead):
        pending.append((month, pool.apply_async(_month_items_apart, (month,))))
    while pending:
        (start, end), result = pending.popleft()
        following = next(queue, None)
        if following is not None:
            pending.append((following, pool.apply_async(_month_items_apart, (following,))))
        yield start, end, *result.get()


def _chunks(
    on_batch: Callable[[int], object] | None, pool: Any = None, ahead: int = 0
) -> Iterator[tuple[Items, Items]]:
    for _start, _end, rows, summaries, count in _computed(pool, ahead):
        yield rows, summaries
        if on_batch is not None and count:
            on_batch(count)


def default_workers() -> int:
    """Processes to compute months with: one per CPU for a large table, none for a small one or inside a
    transaction (whose uncommitted rows other connections cannot see)."""
    if connection.in_atomic_block:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(Message._meta.db_table)}")
        row = cursor.fetchone()
    return (os.cpu_count() or 1) if row and (row[0] or 0) >= PARALLEL_FROM else 0


def compute(*, on_batch: Callable[[int], object] | None = None) -> Rows:
    """Every key's counters, summed over the messages' contributions (all in memory: for tests and small sites)."""
    width = len(KEY_FIELDS)
    return {
        item[:width]: dict(zip(COUNTERS, item[width:], strict=True))
        for items, _summaries in _chunks(on_batch)
        for item in items
    }


def _insert(table: str, key_fields: tuple[str, ...], items: Items) -> None:
    q = connection.ops.quote_name
    columns = [*key_fields, *COUNTERS]
    names = ", ".join(q(c) for c in columns)
    if connection.vendor == "postgresql":
        # COPY, in the rebuild's transaction: millions of rows at national scale, where a row-by-row INSERT
        # (even pipelined by executemany) was the slower half of the rebuild.
        raw: Any = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN") as copy:
            for item in items:
                copy.write_row(item)
        return
    sql = f"INSERT INTO {q(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for i in range(0, len(items), INSERT_BATCH):
            cursor.executemany(sql, items[i : i + INSERT_BATCH])


def rebuild(*, on_batch: Callable[[int], object] | None = None, workers: int | None = None) -> int:
    """Replace the tables with a recomputation, in one transaction. Actions running meanwhile wait for it
    (PostgreSQL: the tables are locked against writes first; SQLite: the delete takes the database's write lock)
    and then apply their deltas on top, so nothing is counted twice or lost. Returns the number of daily rows.

    `workers` processes read and sum the months (default: `default_workers()`) while this one writes; they read
    what is committed, which is what the locked-out actions have not changed yet."""
    if workers is None:
        workers = default_workers()
    if connection.in_atomic_block:
        workers = 0
    written = 0
    # The pool forks first; it is given no month to read before the tables are locked, so that whatever the
    # workers read is either committed before the rebuild or waits for it and lands on top.
    with _month_pool(workers) as pool, transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Rollup, Summary, PendingDelta):
                    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
        Rollup.objects.all().delete()
        Summary.objects.all().delete()
        PendingDelta.objects.all().delete()  # the recomputation includes what the log holds
        dimensions.forget_cache()
        with _indexes_built_after((Rollup, Summary)):
            for items, summaries in _chunks(on_batch, pool, ahead=2 * workers):
                _insert(Rollup._meta.db_table, KEY_FIELDS, items)
                _insert(Summary._meta.db_table, SUMMARY_KEY_FIELDS, summaries)
                written += len(items)
            _insert_years()
    return written


def _insert_years() -> None:
    """The yearly grains, summed from the monthly rows just written (in SQL: a month's worker cannot see its
    year)."""
    q = connection.ops.quote_name
    table = q(Summary._meta.db_table)
    ids = ", ".join(q(f) for f in SUMMARY_KEY_FIELDS[2:])
    counters = ", ".join(q(c) for c in COUNTERS)
    sums = ", ".join(f"SUM({q(c)})" for c in COUNTERS)
    month = q("month")
    year = (
        f"CAST(date_trunc('year', {month}) AS date)"
        if connection.vendor == "postgresql"
        else f"substr({month}, 1, 4) || '-01-01'"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({q('grain')}, {month}, {ids}, {counters}) "
            f"SELECT {q('grain')} + %s, {year}, {ids}, {sums} FROM {table} WHERE {q('grain')} < %s "
            f"GROUP BY {q('grain')}, {year}, {ids}",
            [YEARLY, YEARLY],
        )


@contextmanager
def _indexes_built_after(models: tuple[type[Rollup] | type[Summary], ...]) -> Iterator[None]:
    """SQLite: the tables' secondary indexes dropped for the inserts and built again from the full tables after
    them, in the rebuild's transaction (a failure rolls the drop back too). One sort per index instead of a B-tree
    insert per row and index (part of what took the national rebuild from 408 s to 151 s). Readers keep
    their snapshot meanwhile (WAL). On PostgreSQL the indexes stay: dropping one would lock the dashboards' reads
    out until the commit."""
    if connection.vendor != "sqlite":
        yield
        return
    editor = connection.schema_editor()  # not entered: only to spell the models' own index definitions
    with connection.cursor() as cursor:
        for model in models:
            for index in model._meta.indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(str(index.name))}")
    yield
    with connection.cursor() as cursor:
        for model in models:
            for index in model._meta.indexes:
                cursor.execute(str(index.create_sql(model, editor)))


def _add_into(into: dict[Any, dict[str, int]], rows: dict[Any, dict[str, int]]) -> None:
    for key, counts in rows.items():
        target = into.get(key)
        if target is None:
            into[key] = dict(counts)
        else:
            for name in COUNTERS:
                target[name] += counts[name]


@dataclass
class Difference:
    key: Key | SummaryKey
    counter: str
    stored: int
    computed: int

    def __str__(self) -> str:
        summary = len(self.key) == len(SUMMARY_KEY_FIELDS)
        names = SUMMARY_KEY_FIELDS if summary else KEY_FIELDS
        where = ("summary " if summary else "") + " ".join(f"{n}={v}" for n, v in zip(names, self.key, strict=True))
        return f"{where}: {self.counter} stored {self.stored}, computed {self.computed}"


def _nonzero(rows: Iterator[tuple[Any, ...]], width: int) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        counts = dict(zip(COUNTERS, row[width:], strict=True))
        if any(counts.values()):  # a row emptied by moves is the same as no row
            out[tuple(row[:width])] = counts
    return out


def stored() -> Rows:
    return _nonzero(Rollup.objects.values_list(*KEY_FIELDS, *COUNTERS).iterator(chunk_size=5_000), len(KEY_FIELDS))


def stored_summaries() -> dict[SummaryKey, dict[str, int]]:
    """The summaries as a reader sees them: the table plus the log not folded yet."""
    rows = Summary.objects.values_list(*SUMMARY_KEY_FIELDS, *COUNTERS).iterator(chunk_size=5_000)
    table = _nonzero(rows, len(SUMMARY_KEY_FIELDS))
    _add_into(table, summarize(pending_rows()))
    return {key: counts for key, counts in table.items() if any(counts.values())}


def _differences(table: dict[Any, dict[str, int]], fresh: dict[Any, dict[str, int]]) -> list[Difference]:
    zero = dict.fromkeys(COUNTERS, 0)
    diffs: list[Difference] = []
    for key in sorted(set(fresh) | set(table)):
        a, b = table.get(key, zero), fresh.get(key, zero)
        diffs.extend(Difference(key, name, a[name], b[name]) for name in COUNTERS if a[name] != b[name])
    return diffs


def check(*, on_batch: Callable[[int], object] | None = None) -> list[Difference]:
    """Differences between the tables and a fresh computation (empty: they agree), month by month. On
    PostgreSQL all is read from one snapshot (REPEATABLE READ), so actions running meanwhile show no false
    differences."""
    outermost = not connection.in_atomic_block
    diffs: list[Difference] = []
    fresh_summaries: dict[SummaryKey, dict[str, int]] = {}
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        first: dt.date | None = None
        last: dt.date | None = None
        for start, end in _months():  # contiguous months
            fresh, count = _month_rows(start, end)
            first, last = first or start.date(), end.date()
            days = Rollup.objects.filter(day__gte=start.date(), day__lt=end.date())
            rows = days.values_list(*KEY_FIELDS, *COUNTERS).iterator(chunk_size=5_000)
            diffs += _differences(_nonzero(rows, len(KEY_FIELDS)), fresh)
            _add_into(fresh_summaries, summarize(fresh))
            if on_batch is not None and count:
                on_batch(count)
        # Rows outside every month that has a message (left behind by deleted messages).
        outside = Rollup.objects.all()
        if first is not None and last is not None:
            outside = outside.filter(Q(day__lt=first) | Q(day__gte=last))
        diffs += _differences(_nonzero(outside.values_list(*KEY_FIELDS, *COUNTERS).iterator(), len(KEY_FIELDS)), {})
        summaries = stored_summaries()
    fresh_summaries = {k: v for k, v in fresh_summaries.items() if any(v.values())}
    return diffs + _differences(summaries, fresh_summaries)

"""Keeping the rollups current inside the lifecycle's own transaction.

`commit()` in `liuyan.messages.actions.engine` (and message creation) take a `snapshot` of the message before the
change (`loaded_snapshot`: the row as it was loaded, or `stored_snapshot`: read again, never the in-memory copy,
which callers may already have touched; the compare-and-set on `version` that follows guarantees the row did not
change in between) and after it, and hand both to `record`: the difference of the two contributions is added to
the rows of the keys involved (two rows when the key changed: reclassify, dispatch, transfer, return) with one
`INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n` statement. The increment happens in the database,
so two transactions touching the same row on PostgreSQL serialize on the row lock and never lose counts; rows are
written in key order so that two moves between the same keys cannot deadlock. The same deltas are appended to
the `PendingDelta` log (a plain INSERT), which `fold` sums into the monthly and yearly `Summary` grains later;
readers add the log not folded yet (see `PendingDelta` for why the summaries are not updated inside the action).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from liuyan.geo.models import RegionLevel
from liuyan.messages.models import Message, Rating
from liuyan.rollups import dimensions
from liuyan.rollups.metrics import COUNTERS, MessageLike, RatingLike, contribution
from liuyan.rollups.models import (
    GRAIN_DIMENSIONS,
    KEY_FIELDS,
    NONE,
    SUMMARY_KEY_FIELDS,
    PendingDelta,
    Rollup,
    Summary,
    yearly,
)

# The message fields a key and a contribution read.
FIELDS = (
    "id",
    "submitted_at",
    "region_id",
    "board_id",
    "unit_id",
    "category_id",
    "type",
    "state",
    "source",
    "accepted_at",
    "replied_at",
    "dispatched_at",
    "rated_at",
    "reject_reason",
    "duplicate_of_id",
    "replied_on_time",
    "signed_on_time",
    "contacted_on_time",
    "return_count",
    "transfer_count",
    "reopen_count",
)

Key = tuple[dt.date, int, int, int, int, str]
SummaryKey = tuple[int, dt.date, int, int, int, int, int, int, str]  # grain, month, 6 ids (SUMMARY_KEY_FIELDS), type
Snapshot = tuple[Key, dict[str, int]]


def aware(moment: Any) -> dt.datetime:
    """A datetime column as read in plain SQL: SQLite answers naive UTC text, PostgreSQL aware datetimes."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment  # type: ignore[no-any-return]


def key_of(message: Any) -> Key:
    # The platform's time zone, not the one a request may have activated: a day is the same day for everyone.
    return (
        message.submitted_at.astimezone(timezone.get_default_timezone()).date(),
        message.region_id or NONE,
        message.board_id,
        message.unit_id or NONE,
        message.category_id or NONE,
        message.type,
    )


def latest_rating(message: Any, *, exclude: Any = None) -> Any:
    """The rating that counts for the message now: its latest, if it is rated (`rated_at` set). One query, and
    only for rated messages."""
    if message.rated_at is None or message.pk is None:
        return None
    ratings = Rating.objects.filter(message_id=message.pk)
    if exclude is not None:
        ratings = ratings.exclude(pk=exclude.pk)
    return ratings.order_by("-created_at", "-id").only("satisfaction", "resolved").first()


_BOOLEANS = frozenset({"replied_on_time", "signed_on_time", "contacted_on_time"})
# Read as datetimes where a contribution subtracts them (the others are only tested for NULL).
_TIMES = ("submitted_at", "replied_at")
_SELECT: dict[str, str] = {}


def _select_sql() -> str:
    sql = _SELECT.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        columns = ", ".join(q(f) for f in FIELDS)  # the column names: foreign keys' are `<name>_id`
        sql = _SELECT[connection.vendor] = f"SELECT {columns} FROM {q(Message._meta.db_table)} WHERE {q('id')} = %s"
    return sql


def stored_snapshot(pk: int, *, exclude_rating: Any = None) -> tuple[Snapshot, Any, SimpleNamespace] | None:
    """The stored row's snapshot, its current rating and the fields read (None if there is no such row), for
    `changed` to apply the action's changes to. One query (two if the
    message is rated), in plain SQL: the ORM would spend twenty times longer building it than the database
    answering it."""
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip(FIELDS, row, strict=True))
    for name in _BOOLEANS:  # SQLite answers 0/1
        if values[name] is not None:
            values[name] = bool(values[name])
    for name in _TIMES:
        if values[name] is not None:
            values[name] = aware(values[name])
    return _rated_snapshot(SimpleNamespace(**values, pk=pk), exclude_rating)


def loaded_snapshot(message: Message, *, exclude_rating: Any = None) -> tuple[Snapshot, Any, SimpleNamespace] | None:
    """`stored_snapshot` without reading the row again when the message holds it as loaded (`Message.loaded`) at
    the version it still has: the compare-and-set on `version` that follows refuses the action if the row moved
    since. A query fewer in every action (a round trip is most of the upkeep's cost on PostgreSQL)."""
    loaded = message.loaded
    if loaded is None or loaded.get("version") != message.version or not loaded.keys() >= _READ:
        return stored_snapshot(message.pk, exclude_rating=exclude_rating)
    return _rated_snapshot(SimpleNamespace(**{name: loaded[name] for name in FIELDS}, pk=message.pk), exclude_rating)


def _rated_snapshot(m: SimpleNamespace, exclude_rating: Any) -> tuple[Snapshot, Any, SimpleNamespace]:
    """The stored fields' snapshot with their current rating, the rating, and the fields."""
    rating = latest_rating(m, exclude=exclude_rating)
    return snapshot(m, rating), rating, m


def remember(message: Message, after: SimpleNamespace) -> None:
    """After a commit: what the row now holds, for the next action on the same copy."""
    message.loaded = {**vars(after), "version": message.version}


def changed(stored: SimpleNamespace, state: str, changes: dict[str, Any]) -> SimpleNamespace:
    """The stored fields with an action's changes applied (foreign keys given as objects become `<name>_id`)."""
    after = SimpleNamespace(**vars(stored))
    after.state = state
    for name, value in changes.items():
        if name in _FOREIGN_KEYS:
            setattr(after, f"{name}_id", getattr(value, "pk", value))
        elif name in _READ:
            setattr(after, name, value)
    return after


_READ = frozenset(FIELDS)
_FOREIGN_KEYS = frozenset(f[:-3] for f in FIELDS if f.endswith("_id"))


def snapshot(message: MessageLike, rating: RatingLike | None) -> Snapshot:
    return key_of(message), contribution(message, rating)


def record(before: Snapshot | None, after: Snapshot | None) -> None:
    """Apply the change from `before` to `after` (None: the message did not / does not exist)."""
    deltas: dict[Key, dict[str, int]] = {}
    if before is not None:
        row = deltas.setdefault(before[0], dict.fromkeys(COUNTERS, 0))
        for name, value in before[1].items():
            row[name] -= value
    if after is not None:
        row = deltas.setdefault(after[0], dict.fromkeys(COUNTERS, 0))
        for name, value in after[1].items():
            row[name] += value
    add({key: row for key, row in deltas.items() if any(row.values())})


# The summary's id columns in key order (between `month` and `type`).
def _city_of(region_id: int) -> int:
    return dimensions.region_at(region_id, RegionLevel.CITY)


# Where each of the summary's id columns comes from: the position of a daily key's field, and the map from that
# field's value to the column's (None: the value as is). In key order (between `month` and `type`).
ID_SOURCES: dict[str, tuple[int, Callable[[int], int] | None]] = {
    "province": (1, dimensions.province_of),
    "city": (1, _city_of),
    "domain": (4, dimensions.domain_of),
    "category": (4, None),
    "board": (2, None),
    "unit": (3, None),
}
ID_DIMENSIONS = tuple(ID_SOURCES)


def dimension_ids(key: Key) -> tuple[int, ...]:
    """The daily key's value of each of ID_DIMENSIONS: its region's province and city, its category's domain, …"""
    ids = [int(key[at]) for at, _of in ID_SOURCES.values()]  # type: ignore[arg-type]  # the id fields
    return tuple(value if of is None else of(value) for value, (_at, of) in zip(ids, ID_SOURCES.values(), strict=True))


def summary_keys(key: Key) -> list[SummaryKey]:
    """The summary rows a daily key adds to: one per grain for its month, and one per grain for its year."""
    values = dict(zip(ID_DIMENSIONS, dimension_ids(key), strict=True))
    month = key[0].replace(day=1)
    year = month.replace(month=1)
    type_ = key[5]
    keys: list[SummaryKey] = []
    for grain, kept in GRAIN_DIMENSIONS.items():
        rest = (*(values[name] if name in kept else NONE for name in ID_DIMENSIONS), type_ if "type" in kept else "")
        keys.append((grain, month, *rest))  # type: ignore[arg-type]
        keys.append((yearly(grain), year, *rest))  # type: ignore[arg-type]
    return keys


def summarize(deltas: dict[Key, dict[str, int]]) -> dict[SummaryKey, dict[str, int]]:
    """Daily deltas (or rows) summed into the summary rows they belong to."""
    out: dict[SummaryKey, dict[str, int]] = {}
    for key, row in deltas.items():
        for skey in summary_keys(key):
            into = out.get(skey)
            if into is None:
                out[skey] = dict(row)
            else:
                for name in COUNTERS:
                    into[name] += row[name]
    return out


def _upsert_sql(table: str, key_fields: tuple[str, ...], counters: tuple[str, ...], rows: int) -> str:
    q = connection.ops.quote_name
    updates = ", ".join(f"{q(c)} = {q(table)}.{q(c)} + excluded.{q(c)}" for c in counters)
    return (
        f"{_append_sql(table, key_fields, counters, rows)} "
        f"ON CONFLICT ({', '.join(q(c) for c in key_fields)}) DO UPDATE SET {updates}"
    )


_SQL: dict[tuple[str, str, str, tuple[str, ...], int], str] = {}


def _cached(kind: str, table: str, counters: tuple[str, ...], rows: int, build: Callable[[], str]) -> str:
    cache_key = (connection.vendor, kind, table, counters, rows)
    sql = _SQL.get(cache_key)
    if sql is None:
        if len(_SQL) > 4_096:  # bounded: the combinations in use are few, but nothing else limits them
            _SQL.clear()
        sql = _SQL[cache_key] = build()
    return sql


def _moved(deltas: Mapping[tuple[Any, ...], Mapping[str, int]]) -> tuple[tuple[str, ...], list[Any]]:
    """The counters that change and the statement's parameters, keys in order. Only those counters are named
    (the others default to 0 in a new row and stay as they are in an old one): an action moves two or three
    counters, and a statement with ten times fewer parameters is what keeps the upkeep fast on PostgreSQL."""
    counters = tuple(name for name in COUNTERS if any(row[name] for row in deltas.values()))
    params: list[Any] = []
    for key in sorted(deltas):
        params.extend(key)
        params.extend(deltas[key][name] for name in counters)
    return counters, params


def _upsert(table: str, key_fields: tuple[str, ...], deltas: Mapping[tuple[Any, ...], Mapping[str, int]]) -> None:
    counters, params = _moved(deltas)
    sql = _cached("upsert", table, counters, len(deltas), lambda: _upsert_sql(table, key_fields, counters, len(deltas)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _append_sql(table: str, key_fields: tuple[str, ...], counters: tuple[str, ...], rows: int) -> str:
    q = connection.ops.quote_name
    columns = [*key_fields, *counters]
    values = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES {', '.join([values] * rows)}"


def add(deltas: dict[Key, dict[str, int]]) -> None:
    """Add counter deltas to the daily rows of their keys (creating missing rows; keys in order, so two
    transactions lock rows in the same order) and append them to the log the summaries are folded from."""
    if not deltas:
        return
    counters, params = _moved(deltas)
    daily, log = Rollup._meta.db_table, PendingDelta._meta.db_table
    n = len(deltas)
    upsert = _cached("upsert", daily, counters, n, lambda: _upsert_sql(daily, KEY_FIELDS, counters, n))
    append = _cached("append", log, counters, n, lambda: _append_sql(log, KEY_FIELDS, counters, n))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip instead of two, the upsert as a data-modifying WITH of the log's insert (PostgreSQL
            # runs it to completion whether or not the outer statement reads it): the round trips over TCP are
            # most of the upkeep's time.
            cursor.execute(f"WITH daily AS ({upsert}) {append}", params + params)
        else:
            cursor.execute(upsert, params)
            cursor.execute(append, params)


def pending_rows(day_from: dt.date | None = None, day_to: dt.date | None = None) -> dict[Key, dict[str, int]]:
    """The log not folded yet, summed per daily key (optionally for days in [day_from, day_to))."""
    rows = PendingDelta.objects.all()
    if day_from is not None:
        rows = rows.filter(day__gte=day_from)
    if day_to is not None:
        rows = rows.filter(day__lt=day_to)
    out: dict[Key, dict[str, int]] = {}
    for values in rows.values_list(*KEY_FIELDS, *COUNTERS):
        key: Key = tuple(values[: len(KEY_FIELDS)])
        counts = values[len(KEY_FIELDS) :]
        into = out.get(key)
        if into is None:
            out[key] = dict(zip(COUNTERS, counts, strict=True))
        else:
            for name, value in zip(COUNTERS, counts, strict=True):
                into[name] += value
    return out


def fold() -> int:
    """Move the log into the summaries, in one transaction: the rows this transaction deletes are exactly the
    rows it adds (DELETE … RETURNING), so a fold running beside another, or beside actions appending, neither
    counts a delta twice nor loses one. Returns the number of log rows folded. Idempotent: run it from cron."""
    q = connection.ops.quote_name
    table = PendingDelta._meta.db_table
    columns = ", ".join(q(c) for c in (*KEY_FIELDS, *COUNTERS))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {q(table)} RETURNING {columns}")
        taken = cursor.fetchall()
        deltas: dict[Key, dict[str, int]] = {}
        for values in taken:
            key = (_as_date(values[0]), *values[1 : len(KEY_FIELDS)])
            counts = values[len(KEY_FIELDS) :]
            into = deltas.get(key)
            if into is None:
                deltas[key] = dict(zip(COUNTERS, counts, strict=True))
            else:
                for name, value in zip(COUNTERS, counts, strict=True):
                    into[name] += value
        summary = {key: row for key, row in summarize(deltas).items() if any(row.values())}
        for chunk in _chunked(sorted(summary), 500):
            _upsert(Summary._meta.db_table, SUMMARY_KEY_FIELDS, {key: summary[key] for key in chunk})
    return len(taken)


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _chunked(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]

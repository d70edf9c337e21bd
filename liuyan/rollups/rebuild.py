"""Recomputing the rollups from the messages (and their latest ratings): `liuyan rollup rebuild` and `check`.

The source is the messages' current fields, which the events produced action by action (the Event log is the
audit trail; every field `contribution` reads is written by the same `commit()` that appends the event), so a
recomputation gives exactly the figures the upkeep keeps, without re-implementing each action's effect a second
time in a replayer.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction

from liuyan.messages.models import Message, Rating
from liuyan.rollups.metrics import COUNTERS, contribution
from liuyan.rollups.models import KEY_FIELDS, Rollup
from liuyan.rollups.upkeep import FIELDS as _FIELDS
from liuyan.rollups.upkeep import Key, key_of

BATCH = 5_000


def _batches(size: int) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = list(Message.objects.filter(pk__gt=last).order_by("pk").values(*_FIELDS)[:size])
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def _latest_ratings(ids: list[int]) -> dict[int, SimpleNamespace]:
    latest: dict[int, SimpleNamespace] = {}
    if not ids:
        return latest
    ratings = (
        Rating.objects.filter(message_id__in=ids)
        .order_by("message_id", "created_at", "id")
        .values_list("message_id", "satisfaction", "resolved")
    )
    for message_id, satisfaction, resolved in ratings:
        latest[message_id] = SimpleNamespace(satisfaction=satisfaction, resolved=resolved)
    return latest


def compute(*, on_batch: Callable[[int], object] | None = None, batch: int = BATCH) -> dict[Key, dict[str, int]]:
    """Every key's counters, summed over the messages' contributions."""
    out: dict[Key, dict[str, int]] = {}
    for rows in _batches(batch):
        ratings = _latest_ratings([r["id"] for r in rows if r["rated_at"] is not None])
        for row in rows:
            m = SimpleNamespace(**row)
            counts = contribution(m, ratings.get(m.id))
            into = out.get(key := key_of(m))
            if into is None:
                out[key] = counts
            else:
                for name in COUNTERS:
                    into[name] += counts[name]
        if on_batch is not None:
            on_batch(len(rows))
    return out


def rebuild(*, on_batch: Callable[[int], object] | None = None, batch: int = BATCH) -> int:
    """Replace the whole table with a recomputation, in one transaction. Actions running meanwhile wait for it
    (PostgreSQL: the table is locked against writes first; SQLite: the delete takes the database's write lock)
    and then apply their deltas on top, so nothing is counted twice or lost. Returns the number of rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Rollup._meta.db_table)} IN EXCLUSIVE MODE")
        Rollup.objects.all().delete()
        rows = compute(on_batch=on_batch, batch=batch)
        Rollup.objects.bulk_create(
            (Rollup(**dict(zip(KEY_FIELDS, key, strict=True)), **counts) for key, counts in rows.items()),
            batch_size=1_000,
        )
    return len(rows)


@dataclass
class Difference:
    key: Key
    counter: str
    stored: int
    computed: int

    def __str__(self) -> str:
        day, region, board, unit, category, type_ = self.key
        return (
            f"{day} region={region} board={board} unit={unit} category={category} type={type_}: "
            f"{self.counter} stored {self.stored}, computed {self.computed}"
        )


def stored() -> dict[Key, dict[str, int]]:
    out: dict[Key, dict[str, int]] = {}
    for row in Rollup.objects.values_list(*KEY_FIELDS, *COUNTERS).iterator(chunk_size=5_000):
        counts = dict(zip(COUNTERS, row[len(KEY_FIELDS) :], strict=True))
        if any(counts.values()):  # a row emptied by moves is the same as no row
            out[tuple(row[: len(KEY_FIELDS)])] = counts
    return out


def check(*, on_batch: Callable[[int], object] | None = None) -> list[Difference]:
    """Differences between the table and a fresh computation (empty: they agree). On PostgreSQL both are read
    from one snapshot (REPEATABLE READ), so actions running meanwhile show no false differences."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        fresh = compute(on_batch=on_batch)
        table = stored()
    zero = dict.fromkeys(COUNTERS, 0)
    diffs: list[Difference] = []
    for key in sorted(set(fresh) | set(table)):
        a, b = table.get(key, zero), fresh.get(key, zero)
        diffs.extend(Difference(key, name, a[name], b[name]) for name in COUNTERS if a[name] != b[name])
    return diffs

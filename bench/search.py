"""Full-text search at scale: bulk-loads N synthetic messages from the demo corpus, indexes them, times queries.

    .venv/bin/python -m bench.search --db sqlite --messages 1000000
    .venv/bin/python -m bench.search --db postgres --messages 1000000

Uses its own throw-away database (a temporary SQLite file, or PostgreSQL `liuyan_bench_search`; base URL from
LIUYAN_BENCH_PG), removed at the end unless --keep. Prints JSON: load and index rates, and per query the median of
the public list as the API runs it (the count; a count capped at 1,000, as a page could show "1000+"; pages 1 and 5
of 20 newest first), the same with the former LIKE substring filter for comparison, and with --plans the query plan
of the first page.
"""

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import django

QUERIES = [
    ("very common word", "小区"),
    ("common word", "噪音"),
    ("common word", "物业"),
    ("phrase", "物业费"),
    ("two phrases", "噪音 夜间"),
    ("less common phrase", "启航双语"),
    ("one character (prefix)", "水"),
    ("letters and digits", "3号楼"),
    ("rare pair", "翠屏山 烧烤"),
    ("no match", "量子计算"),
]
PG_DATABASE = "liuyan_bench_search"


def use_database(kind: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="liuyan-bench-search-"), "bench.sqlite3")
        os.environ["LIUYAN_DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        base = os.environ.get("LIUYAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        os.environ["LIUYAN_DATABASE_URL"] = f"{base}/{PG_DATABASE}"
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["LIUYAN_DATABASE_URL"].split("@")[-1]


def synthetic_texts(count: int, seed: int) -> Iterator[tuple[str, str, str]]:
    """(type, title, body) from the demo's own templates, about one in five with a phone number in the body."""
    from liuyan.demo import corpus

    rng = random.Random(seed)
    cities = [("A市", ["A1区", "A2区", "A3区"]), ("B市", ["B1区", "B2区"]), ("C市", ["C1县", "C2县"])]
    for _ in range(count):
        city, counties = rng.choice(cities)
        slots = corpus.make_slots(rng, city=city, county=rng.choice(counties), other_city="D市")
        topic = rng.choice(corpus.TOPICS)
        texts = corpus.compose_message(rng, topic, slots, with_phone=rng.random() < 0.2, with_name=rng.random() < 0.3)
        yield texts.type, texts.title, texts.body


VARYING = ("id", "number", "type", "title", "body", "public_title", "public_body", "state", "is_public")
VARYING_MORE = ("submitted_at", "contact_phone")


def load(count: int, seed: int, batch: int = 5000) -> dict[str, Any]:
    """Insert `count` messages (no lifecycle: rows copied from one real message with the text, state, visibility
    and time changed) and index them with index_rows, `batch` per transaction."""
    from django.db import connection, transaction

    from liuyan.messages.models import Message
    from liuyan.messages.privacy import mask_personal_data
    from liuyan.messages.states import State
    from liuyan.search.index import index_rows, optimise
    from tests.world import build_world, submit

    world = build_world()
    template = submit(world, title="模板", body="模板留言").message
    Message.objects.filter(pk=template.pk).update(unit=world.a_housing)
    columns = [str(f.column) for f in Message._meta.concrete_fields]
    varying = (*VARYING, *VARYING_MORE)
    select = ", ".join(f"t.{c}" if c in varying else f"m.{c}" for c in columns)
    states = [State.CLOSED] * 5 + [State.REPLIED] * 2 + [State.IN_PROGRESS, State.UNDER_REVIEW, State.REJECTED]
    rng = random.Random(seed + 1)
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    span = 3 * 365 * 24 * 3600
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_rows (id bigint, number varchar(20), type varchar(12), title text, "
            "body text, public_title text, public_body text, state varchar(20), is_public boolean, "
            "submitted_at timestamp with time zone, contact_phone varchar(20))"
        )
    next_id = template.pk + 1
    load_seconds = index_seconds = 0.0
    rows: list[tuple[Any, ...]] = []
    loaded = 0

    def flush() -> None:
        nonlocal load_seconds, index_seconds, loaded
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(varying))
            cursor.executemany(f"INSERT INTO bench_rows ({', '.join(varying)}) VALUES ({marks})", rows)
            cursor.execute(
                f"INSERT INTO msgs_message ({', '.join(columns)}) SELECT {select} FROM bench_rows t, msgs_message m "
                "WHERE m.id = %s",
                [template.pk],
            )
            cursor.execute("DELETE FROM bench_rows")
        indexing = time.perf_counter()
        with transaction.atomic():
            index_rows(((r[0], r[5], r[6]) for r in rows), batch=1000)
        done = time.perf_counter()
        load_seconds += indexing - began
        index_seconds += done - indexing
        loaded += len(rows)
        rows.clear()
        print(f"\r{loaded}/{count}", end="", file=sys.stderr, flush=True)

    for i, (kind, title, body) in enumerate(synthetic_texts(count, seed)):
        pk = next_id + i
        rows.append(
            (
                pk,
                f"B{pk:015d}",
                kind,
                title,
                body,
                mask_personal_data(title),
                mask_personal_data(body),
                rng.choice(states),
                rng.random() < 0.95,
                connection.ops.adapt_datetimefield_value(start + dt.timedelta(seconds=rng.randrange(span))),
                f"139{rng.randrange(10**8):08d}",
            )
        )
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    print(file=sys.stderr)
    began = time.perf_counter()
    optimise()
    optimise_seconds = time.perf_counter() - began
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load on PostgreSQL (visibility map, statistics).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "messages": count,
        "insert_messages_per_s": round(count / load_seconds),
        "index_rows_per_s": round(count / index_seconds),
        "optimise_s": round(optimise_seconds, 1),
    }


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `repeat` runs after one warm-up run."""
    run()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 1)


def page(queryset: Any, start: int, stop: int) -> Callable[[], object]:
    """A run that fetches the ids of one page of `queryset`."""
    return lambda: list(queryset.values_list("pk", flat=True)[start:stop])


def explain(queryset: Any) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def run_queries(repeat: int, like: bool, plans: bool) -> list[dict[str, Any]]:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Q

    from liuyan.api.filters import MessageFilters, apply_filters
    from liuyan.messages.access import visible_messages_for

    public = visible_messages_for(AnonymousUser())
    results = []
    for label, q in QUERIES:
        searched = apply_filters(public, MessageFilters(q=q), user=AnonymousUser(), search_original=False)
        row: dict[str, Any] = {"query": q, "kind": label, "matches": searched.count()}
        row["count_ms"] = timed(searched.count, repeat)
        row["count_capped_1000_ms"] = timed(searched.order_by()[:1000].count, repeat)
        row["first_page_ms"] = timed(page(searched, 0, 20), repeat)
        row["fifth_page_ms"] = timed(page(searched, 80, 100), repeat)
        if like:
            words = q.split()
            cond = Q()
            for w in words:
                cond &= Q(public_title__icontains=w) | Q(public_body__icontains=w)
            scanned = public.filter(cond).order_by("-submitted_at", "-id")
            row["like_matches"] = scanned.count()
            row["like_count_ms"] = timed(scanned.count, max(1, repeat // 3))
            row["like_first_page_ms"] = timed(page(scanned, 0, 20), max(1, repeat // 3))
        if plans:
            row["plan_first_page"] = explain(searched.values("pk")[:20])
            row["plan_fifth_page"] = explain(searched.values("pk")[80:100])
        results.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query (median reported)")
    parser.add_argument("--no-like", action="store_true", help="skip the LIKE comparison (slow at 1M)")
    parser.add_argument("--plans", action="store_true", help="include the first page's query plan")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()

    url = use_database(args.db)
    from liuyan.search.tokens import tokens

    sample = [body for _k, _t, body in synthetic_texts(2000, args.seed)]
    began = time.perf_counter()
    for body in sample:
        tokens(body)
    tokenise_rate = len(sample) / (time.perf_counter() - began)

    result: dict[str, Any] = {"database": args.db, "url": url, "tokenise_bodies_per_s": round(tokenise_rate)}
    result["load"] = load(args.messages, args.seed)
    result["queries"] = run_queries(args.repeat, like=not args.no_like, plans=args.plans)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    if not args.keep:
        drop_database(args.db)


def drop_database(kind: str) -> None:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    connection.close()
    if kind == "sqlite":
        shutil.rmtree(os.path.dirname(name), ignore_errors=True)
        return
    import psycopg

    base = os.environ.get("LIUYAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")


if __name__ == "__main__":
    main()

"""Cost of rollup upkeep in the lifecycle actions (not a test).

`python -m bench.rollups [--db sqlite|postgres] [--messages N]` drives N messages through the whole loop (submit,
accept, dispatch, sign, contact, reply, approve, rate + auto close: 9 commits each) twice on a fresh database:
once with the upkeep timed call by call (the time spent inside `liuyan.rollups.upkeep` per commit), once with the
upkeep switched off, and prints both, the difference per action, and whether the table agrees with a rebuild.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import django


def use_database(kind: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="liuyan-bench-rollups-"), "bench.sqlite3")
        os.environ["LIUYAN_DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        base = os.environ.get("LIUYAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS liuyan_bench_rollups")
            conn.execute("CREATE DATABASE liuyan_bench_rollups")
        os.environ["LIUYAN_DATABASE_URL"] = f"{base}/liuyan_bench_rollups"
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["LIUYAN_DATABASE_URL"].split("@")[-1]


def loop(world: Any, messages: int, tag: str) -> float:
    from liuyan.messages import actions as a
    from liuyan.messages.models import Satisfaction
    from tests.world import submit

    start = time.perf_counter()
    for i in range(messages):
        m = submit(world, title=f"电梯故障{tag}第{i}号").message
        a.do_accept(world.actor("reviewer"), m)
        a.do_dispatch(world.actor("dispatcher"), m, unit=world.a_housing)
        a.do_sign(world.actor("handler"), m)
        a.do_record_contact(world.actor("handler"), m, summary="电话联系")
        a.do_submit_reply(world.actor("handler"), m, body="已处理")
        a.do_approve_reply(world.actor("unit_head"), m)
        a.do_rate(world.actor("citizen"), m, satisfaction=Satisfaction.SATISFIED, resolved=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rollups")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    url = use_database(args.db)

    from liuyan.messages.models import Event
    from liuyan.rollups import upkeep
    from liuyan.rollups.rebuild import check
    from tests.world import build_world

    world = build_world()
    loop(world, 10, "warm")  # caches, prepared statements

    # 1. Time spent inside the upkeep, per call site.
    spent: list[float] = []
    by_name: dict[str, list[float]] = {}
    originals: dict[str, Callable[..., Any]] = {}
    depth = [0]

    def timed(name: str) -> None:
        original = getattr(upkeep, name)
        originals[name] = original

        def wrapper(*args: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            depth[0] += 1
            try:
                return original(*args, **kw)
            finally:
                depth[0] -= 1
                took = time.perf_counter() - t
                by_name.setdefault(name, []).append(took)
                if depth[0] == 0:  # nested calls (stored_snapshot → snapshot) count once
                    spent.append(took)

        setattr(upkeep, name, wrapper)

    events_before = Event.objects.count()
    for name in ("stored_snapshot", "snapshot", "latest_rating", "record"):
        timed(name)
    with_upkeep = loop(world, args.messages, "on")
    for name, original in originals.items():
        setattr(upkeep, name, original)
    commits = Event.objects.count() - events_before  # every commit appends one event (creation: `submit`)
    agrees = check() == []

    # 2. The same loop with the upkeep switched off.
    setattr(upkeep, "stored_snapshot", lambda pk, exclude_rating=None: None)  # noqa: B010
    setattr(upkeep, "record", lambda before, after: None)  # noqa: B010
    without = loop(world, args.messages, "off")
    for name, original in originals.items():
        setattr(upkeep, name, original)

    result = {
        "database": args.db,
        "url": url,
        "messages": args.messages,
        "events_per_loop": round(commits / args.messages, 1),
        "upkeep_ms_per_event": round(sum(spent) / commits * 1000, 3),
        "upkeep_share_of_loop_pct": round(sum(spent) / with_upkeep * 100, 1),
        "loop_ms_with_upkeep": round(with_upkeep / args.messages * 1000, 2),
        "loop_ms_without_upkeep": round(without / args.messages * 1000, 2),
        "difference_ms_per_event": round((with_upkeep - without) / commits * 1000, 3),
        "ms_per_event_by_function": {k: round(sum(v) / commits * 1000, 3) for k, v in by_name.items()},
        "median_upkeep_call_ms": round(statistics.median(spent) * 1000, 3),
        "table_agrees_with_rebuild": agrees,
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

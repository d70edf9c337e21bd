"""`python -m bench synth --db sqlite|postgres [--scale F] [--seed N] [--workers N]`: time the national synthetic data set.

Builds it from nothing each run: SQLite `bench/results/synth-SCALE.sqlite3` (git-ignored), or the PostgreSQL
database `liuyan_synth` (`liuyan_synth_SCALE` below full size) on LIUYAN_BENCH_PG, dropped and created again. Then
migrates, runs `liuyan.synth.national.generate` (reference data, rows, indexes, rollup rebuild — each phase timed
on its own) and measures the calibrated figures from the rollups. Prints one JSON document: phases, rows, database
size, peak memory, and every figure beside its target.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.million import RESULTS, _pg_admin, pg_base, setup_django


def _names(kind: str, scale: float) -> tuple[str, str]:
    """(URL, what to report) of the run's database."""
    suffix = "" if scale == 1 else f"_{str(scale).replace('.', '_')}"
    if kind == "sqlite":
        path = RESULTS / f"synth{suffix}.sqlite3"
        return f"sqlite:///{path}", str(path)
    name = f"liuyan_synth{suffix}"
    return f"{pg_base()}/{name}", name


def _fresh(kind: str, where: str) -> None:
    if kind == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        for ending in ("", "-wal", "-shm"):
            Path(f"{where}{ending}").unlink(missing_ok=True)
        return
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{where}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{where}"')


def _size(kind: str, where: str) -> int:
    if kind == "sqlite":
        return sum(Path(f"{where}{e}").stat().st_size for e in ("", "-wal") if Path(f"{where}{e}").exists())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def run(kind: str, scale: float, seed: int, workers: int | None = None) -> dict[str, Any]:
    url, where = _names(kind, scale)
    _fresh(kind, where)
    setup_django(url)
    from django.core.management import call_command

    from liuyan.synth import figures, national

    began = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.monotonic() - began

    def phase(text: str) -> None:
        print(f"  {time.monotonic() - began:7.1f} s  {text}", file=sys.stderr, flush=True)

    done = [0]

    def rows(n: int) -> None:
        done[0] += n
        if done[0] // 250_000 != (done[0] - n) // 250_000:
            phase(f"{done[0]:,} messages")

    index_s: dict[str, float] = {}

    def index(name: str, seconds: float) -> None:
        index_s[name] = round(seconds, 1)
        print(f"           {seconds:7.1f} s  {name}", file=sys.stderr, flush=True)

    result = national.generate(seed=seed, scale=scale, on_rows=rows, on_phase=phase, on_index=index, workers=workers)
    measure_began = time.monotonic()
    measured = figures.measured()
    return {
        "database": kind,
        "where": where,
        "scale": scale,
        "seed": seed,
        "workers": workers,
        "cpus": os.cpu_count(),
        "messages": result.messages,
        "rows": result.rows,
        "states": result.states,
        "seconds": {"migrate_s": round(migrate_s, 1), **{k: round(v, 1) for k, v in result.seconds.items()}},
        "index_s": dict(sorted(index_s.items(), key=lambda kv: -kv[1])),
        "measure_s": round(time.monotonic() - measure_began, 1),
        "size_bytes": _size(kind, where),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "figures": measured,
        "targets": figures.expected(scale),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench synth", description="time the national data set")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full ≈ 5.5 M messages (1.0)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="processes composing rows (default: the CPUs)")
    args = parser.parse_args(argv)
    json.dump(run(args.db, args.scale, args.seed, args.workers), sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")

"""`python -m bench [million | pages | plans] [--db sqlite|postgres] [--messages N]`: run the benchmarks, print figures.

Without a subcommand: the lifecycle actions on a fresh database (`make bench`), printed as JSON.
`million`: build (or reuse) the fixture of N messages (default 1,000,000); see bench/million.py.
`pages`: time the public list, message pages and the unit inbox on that fixture; see bench/pages.py.
`plans`: the query plans of the message list's COUNT and first page on that fixture; see bench/plans.py.
"""

import argparse
import datetime as dt
import json
import sys


def lifecycle_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args(argv)

    from bench.setup_db import use_database

    url = use_database(args.db)
    from bench import lifecycle

    result = {"database": args.db, "url": url.split("@")[-1], "lifecycle": lifecycle.run(args.messages)}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _fixture_args(parser: argparse.ArgumentParser) -> None:
    from bench.million import DEFAULT_MESSAGES, DEFAULT_SEED

    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of the fixture (2026)")


def million_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench million", description="build or reuse the fixture")
    _fixture_args(parser)
    parser.add_argument("--as-of", help="the fixture's 'now', ISO with a time zone (default: midnight today)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if a matching fixture exists")
    args = parser.parse_args(argv)
    as_of = dt.datetime.fromisoformat(args.as_of) if args.as_of else None
    if as_of is not None and as_of.tzinfo is None:
        raise SystemExit("--as-of needs a time zone, e.g. 2026-03-01T00:00:00+08:00")

    from bench import million

    marker = million.build(args.db, args.messages, seed=args.seed, as_of=as_of, rebuild=args.rebuild)
    json.dump(marker, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def pages_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pages", description="time pages on the fixture")
    _fixture_args(parser)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case (200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per case first (10)")
    parser.add_argument("--only", default="", help="comma-separated substrings: run only matching cases")
    parser.add_argument("--json", dest="json_out", default="", help="also write the results to this JSON file")
    parser.add_argument(
        "--max-seconds", type=float, default=90.0, help="stop a slow case after this many timed seconds (90)"
    )
    parser.add_argument(
        "--without-stats",
        action="store_true",
        help="SQLite: hide the planner statistics (ANALYZE) for the run, as in a database never analysed",
    )
    args = parser.parse_args(argv)

    from bench import million

    marker = million.use_fixture(args.db, args.messages)
    from bench import pages

    pages.run(
        database=args.db,
        marker=marker,
        requests=args.requests,
        warmup=args.warmup,
        seed=args.seed,
        only=[s for s in args.only.split(",") if s],
        json_out=args.json_out,
        statistics_kept=not args.without_stats,
        max_seconds=args.max_seconds,
    )


def plans_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench plans", description="query plans of the message list")
    _fixture_args(parser)
    parser.add_argument("--only", default="", help="comma-separated substrings: run only matching cases")
    parser.add_argument(
        "--no-migrate", action="store_true", help="leave the fixture's migrations as they are (to compare plans)"
    )
    args = parser.parse_args(argv)

    from bench import million

    million.use_fixture(args.db, args.messages, migrate=not args.no_migrate)
    from bench import plans

    plans.run(only=[s for s in args.only.split(",") if s])


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "million":
        million_main(argv[1:])
    elif argv and argv[0] == "pages":
        pages_main(argv[1:])
    elif argv and argv[0] == "plans":
        plans_main(argv[1:])
    elif argv and argv[0] == "synth":
        __import__("bench.synth").synth.main(argv[1:])
    else:
        lifecycle_main(argv)


if __name__ == "__main__":
    main()

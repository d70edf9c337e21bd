"""`python -m bench [--db sqlite|postgres] [--messages N]`: run the benchmarks and print their figures as JSON."""

import argparse
import json
import sys


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()

    from bench.setup_db import use_database

    url = use_database(args.db)
    from bench import lifecycle

    result = {"database": args.db, "url": url.split("@")[-1], "lifecycle": lifecycle.run(args.messages)}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

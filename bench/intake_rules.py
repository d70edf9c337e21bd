"""The rule-based intake stages on one core: extract + mask + locate + key flags, per message.

    .venv/bin/python -m bench.intake_rules [--messages 3000] [--seed 7] [--no-shared]

Uses a throw-away SQLite database with every GB/T 2260 division and the 西地省 gazetteer (the regions locate
matches against). Texts: synthetic messages from the demo corpus (`liuyan.demo.corpus`), and, when present, the
raw messages of ../shared/data (tipdm2020c dev_raw.csv and hot_messages.csv, msgabench messages.csv), read in place
and never copied. Prints messages per second and p50 / p95 / max per message for each stage and for all four,
and the time of one 50,000-character message (the stages must stay linear). The stages run in the pipeline's
order on each text, so locate reuses the division-name scan extract has just made of the same text (its figure
is the choosing alone; the scan is in extract's).
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SHARED_FILES = [
    ("tipdm2020c/dev_raw.csv", "留言主题", "留言详情"),
    ("tipdm2020c/hot_messages.csv", "留言主题", "留言详情"),
    ("msgabench/messages.csv", None, "message"),
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    path = os.path.join(tempfile.mkdtemp(prefix="liuyan-bench-intake-"), "bench.sqlite3")
    os.environ["LIUYAN_DATABASE_URL"] = f"sqlite:///{path}"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
    from liuyan.geo.loader import load_divisions

    load_divisions()
    import_gazetteer(SAMPLE_GAZETTEER)


def synthetic(count: int, seed: int) -> list[str]:
    from liuyan.demo import corpus
    from liuyan.geo.models import Region, RegionLevel

    rng = random.Random(seed)
    counties = list(Region.objects.filter(is_custom=True, level=RegionLevel.COUNTY).values_list("name", "parent__name"))
    cities = sorted({city for _, city in counties})
    texts = []
    for _ in range(count):
        county, city = rng.choice(counties)
        if rng.random() < 0.3:
            county = city
        slots = corpus.make_slots(rng, city=city, county=county, other_city=rng.choice(cities))
        topic = rng.choice(corpus.TOPICS)
        m = corpus.compose_message(rng, topic, slots, with_phone=rng.random() < 0.5, with_name=rng.random() < 0.3)
        texts.append(f"{m.title}\n{m.body}")
    return texts


def shared(limit: int) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, title_col, body_col in SHARED_FILES:
        path = SHARED / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as f:
            rows = []
            for row in csv.DictReader(f):
                title = row.get(title_col, "") if title_col else ""
                rows.append(f"{title}\n{row.get(body_col, '')}")
                if len(rows) >= limit:
                    break
        found[name] = rows
    return found


def stages() -> dict[str, Callable[[str], Any]]:
    from liuyan.intake.extract import extract
    from liuyan.intake.flags import key_flags
    from liuyan.intake.locate import locate
    from liuyan.messages.privacy import mask_personal_data

    return {"extract": extract, "mask": mask_personal_data, "locate": locate, "flags": key_flags}


def measure(texts: list[str]) -> dict[str, Any]:
    funcs = stages()
    for text in texts[:50]:  # warm-up: the region matcher is built on the first call
        for func in funcs.values():
            func(text)
    per_stage: dict[str, list[float]] = {name: [] for name in funcs}
    totals: list[float] = []
    begin = time.perf_counter()
    for text in texts:
        total = 0.0
        for name, func in funcs.items():
            started = time.perf_counter()
            func(text)
            took = time.perf_counter() - started
            per_stage[name].append(took)
            total += took
        totals.append(total)
    elapsed = time.perf_counter() - begin

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3),
        }

    return {
        "messages": len(texts),
        "mean_chars": round(statistics.mean(len(t) for t in texts)),
        "messages_per_s": round(len(texts) / elapsed, 1),
        "all_four": summary(totals),
        "stages": {name: summary(values) for name, values in per_stage.items()},
    }


def long_text() -> dict[str, float]:
    from liuyan.demo import corpus

    text = ("".join(t.problem for t in corpus.TOPICS) * 10)[:50_000]
    timings = {}
    for name, func in stages().items():
        started = time.perf_counter()
        func(text)
        timings[f"{name}_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return {"chars": len(text), **timings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_rules")
    parser.add_argument("--messages", type=int, default=3000, help="synthetic messages (3000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shared-limit", type=int, default=3000, help="rows read from each shared file (3000)")
    parser.add_argument("--no-shared", action="store_true", help="leave ../shared/data out")
    args = parser.parse_args(argv)
    setup()
    result: dict[str, Any] = {"synthetic": measure(synthetic(args.messages, args.seed))}
    if not args.no_shared:
        for name, texts in shared(args.shared_limit).items():
            result[name] = measure(texts)
    result["one_50000_char_message"] = long_text()
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

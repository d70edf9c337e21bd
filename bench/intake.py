"""The whole intake pipeline on one core, against the speed targets of issue 4.

    .venv/bin/python -m bench.intake                      # models trained on the project's own demo corpus
    .venv/bin/python -m bench.intake --shared             # models and texts from ../shared/data as well
    .venv/bin/python -m bench.intake --json out.json      # also write every figure to a JSON file
    .venv/bin/python -m bench.intake --profile            # and the pipeline's top functions (cProfile)

Targets: the pipeline (`liuyan.intake.pipeline.read_texts`: normalise, extract, locate, key flags and the three
classifiers) ≥ 500 messages/s in batch and ≤ 20 ms per single message (judged on p95); classification alone
≥ 2,000 messages/s in batch; the three loaded models ≤ 500 MB of memory. Also reported, without a target: a
citizen's `do_submit` end to end (which runs `run_intake`: reading, routing, decision, storing the IntakeResult).

How:

- The process pins itself to one CPU (the first it may use; `--all-cores` leaves the affinity alone) and limits
  BLAS/OpenMP to one thread. Every figure is taken on the wall clock and in CPU time of this process; the targets
  are judged on CPU time (what the work costs on a core of its own), since the machine's other work may share the
  core. The load average before and after is printed.
- Everything lives in a temporary directory removed afterwards (`--keep` keeps it): a fresh SQLite database with
  the demo's reference data and accounts (`liuyan.demo.reference`, `liuyan.demo.users`: 西地省, its units, boards
  and responsibility catalogue), and VAR_DIR, so the models never land in ./var.
- Models, trained with `liuyan.classify.store.train` in a child process (so the figures of loading them are not
  muddied by training): category and type on the demo corpus (`liuyan.intake.training.corpus_examples`); the
  department router on the same templates composed with a 西地省 place, labelled with the unit the
  responsibility catalogue names for that category and place. With `--shared`: category on
  tipdm2020c/train_segmented.csv and type on msgabench/messages.csv (`read_labeled_file`); department as above.
- Texts timed: demo-corpus messages composed with another seed than the training data's; with `--shared` also
  the raw messages of tipdm2020c dev_raw.csv and hot_messages.csv (~400 characters, Excel/HTML noise). All warm:
  the first call (region matcher, OpenCC, models) is timed on its own as "cold first message".
- Pathological inputs, one read each: 50,000 characters, emoji only, English, garbage, markup; none may raise
  and no stage may fail (a failed stage is logged and becomes a `*_failed` problem).
- Memory: RSS after setup, after importing the model libraries, after loading the three models; each model's
  pickled (in-memory) size and file size.
"""

import argparse
import csv
import datetime as dt
import json
import logging
import math
import multiprocessing
import os
import pickle
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liuyan.classify.data import Example
    from liuyan.demo.reference import Province
    from liuyan.demo.users import Staff

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SHARED_TRAIN = {"category": "tipdm2020c/train_segmented.csv", "type": "msgabench/messages.csv"}
SHARED_TEXTS = ("tipdm2020c/dev_raw.csv", "tipdm2020c/hot_messages.csv")
TASKS = ("type", "category", "department")

TARGET_BATCH = 500.0  # messages/s, the whole pipeline
TARGET_SINGLE_MS = 20.0  # per message, one at a time (p95)
TARGET_CLASSIFY = 2000.0  # messages/s, the three classifiers
TARGET_MEMORY_MB = 500.0  # the three loaded models


# ---------------------------------------------------------------------------------------------------------------
# Process, memory, figures


def pin_one_core(all_cores: bool) -> str:
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    allowed = sorted(os.sched_getaffinity(0))
    if all_cores or len(allowed) == 1:
        return f"CPUs {','.join(map(str, allowed))} of {os.cpu_count()}"
    os.sched_setaffinity(0, {allowed[0]})
    return f"pinned to CPU {allowed[0]} (of {os.cpu_count()})"


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class Took:
    wall: float  # seconds on the clock
    cpu: float  # seconds of this process's CPU time: what it costs on a core of its own (others share ours)


def _added(a: Took, b: Took) -> Took:
    return Took(a.wall + b.wall, a.cpu + b.cpu)


class Stopwatch:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def took(self) -> Took:
        return Took(time.perf_counter() - self.wall, time.process_time() - self.cpu)


@dataclass
class Row:
    case: str
    messages: int
    chars: float  # mean characters per message
    per_s: float
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    rss_mb: float = 0.0
    cpu_per_s: float | None = None
    cpu_p50_ms: float | None = None
    cpu_p95_ms: float | None = None


def batch_row(case: str, texts: Sequence[str], took: Took) -> Row:
    n = len(texts)
    return Row(case, n, _mean_chars(texts), n / took.wall, rss_mb=rss_mb(), cpu_per_s=n / max(took.cpu, 1e-9))


def single_row(case: str, texts: Sequence[str], each: list[Took]) -> Row:
    wall = sorted(t.wall for t in each)
    cpu = sorted(t.cpu for t in each)
    return Row(
        case,
        len(each),
        _mean_chars(texts),
        len(each) / sum(wall),
        statistics.median(wall) * 1000,
        percentile(wall, 0.95) * 1000,
        wall[-1] * 1000,
        rss_mb(),
        len(each) / max(sum(cpu), 1e-9),
        statistics.median(cpu) * 1000,
        percentile(cpu, 0.95) * 1000,
    )


def _mean_chars(texts: Sequence[str]) -> float:
    return statistics.mean(len(t) for t in texts) if texts else 0.0


def time_each(func: Callable[[Any], Any], items: Sequence[Any]) -> list[Took]:
    out = []
    for item in items:
        watch = Stopwatch()
        func(item)
        out.append(watch.took())
    return out


class ErrorCount(logging.Handler):
    """Counts what the pipeline logs at ERROR: a stage that failed and was swallowed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


# ---------------------------------------------------------------------------------------------------------------
# Django on a throw-away database


def setup(workdir: Path) -> None:
    var = workdir / "var"
    var.mkdir()
    os.environ["LIUYAN_VAR_DIR"] = str(var)
    os.environ["LIUYAN_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR = var.resolve()  # the models go here, never to ./var
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)


def reference() -> "tuple[Province, Staff]":
    """The demo's reference data, province, ministries and accounts, as `liuyan demo` (and bench.million) makes
    them."""
    from liuyan.common.clock import now
    from liuyan.demo.reference import ReferenceReport, build_ministries, build_province, load_reference_data
    from liuyan.demo.users import MIN_CITIZENS, ensure_users

    report = ReferenceReport()
    load_reference_data(report)
    province = build_province(report, catalogue_since=now() - dt.timedelta(days=400))
    build_ministries(report)
    return province, ensure_users(province, citizens=MIN_CITIZENS)


# ---------------------------------------------------------------------------------------------------------------
# Texts


@dataclass
class Sample:
    title: str
    body: str
    region_id: int  # the place the text is about (a county or a city)
    city_id: int
    category: str  # taxonomy path
    type: str
    unit: str  # the unit code the catalogue names for category × place ("" when none)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}"


def compose(province: "Province", count: int, seed: int, *, per_topic: bool = False) -> list[Sample]:
    """Demo-corpus messages about 西地省 places (`per_topic`: `count` per topic, else `count` in all)."""
    from liuyan.demo import corpus
    from liuyan.orgs.catalogue import CurrentCatalogue

    rng = random.Random(seed)
    catalogue = CurrentCatalogue()
    topics = [t for t in corpus.TOPICS for _ in range(count)] if per_topic else None
    out: list[Sample] = []
    for i in range(len(topics) if topics else count):
        topic = topics[i] if topics else rng.choice(corpus.TOPICS)
        city = rng.choice(province.cities)
        place = rng.choice([city, *province.counties[city.pk]])
        other = rng.choice(province.cities)
        slots = corpus.make_slots(rng, city=city.name, county=place.name, other_city=other.name)
        m = corpus.compose_message(rng, topic, slots, with_phone=rng.random() < 0.3, with_name=rng.random() < 0.2)
        category = province.categories.get(m.category)
        unit = catalogue.unit(category.pk, place.pk) if category is not None else None
        out.append(Sample(m.title, m.body, place.pk, city.pk, m.category, m.type, unit.code if unit else ""))
    return out


def shared_texts(name: str, limit: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with (SHARED / name).open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            rows.append((row.get("留言主题") or "", row.get("留言详情") or ""))
            if len(rows) >= limit:
                break
    return rows


def pathological() -> dict[str, tuple[str, str]]:
    from liuyan.demo import corpus

    rng = random.Random(13)
    chinese = ("".join(t.problem for t in corpus.TOPICS) * 20)[:50_000]
    ranges = [(0x0, 0x1F), (0x7F, 0x9F), (0x200B, 0x200F), (0x202A, 0x202E), (0x0300, 0x036F), (0xE000, 0xE0FF)]
    ranges += [(0x2500, 0x25FF), (0xFF00, 0xFFEF), (0x1F000, 0x1FAFF), (0x10000, 0x1007F), (0x21, 0x7E)]
    garbage = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(3000))
    english = (
        "Dear Mayor, the street lights on Main Road have been broken for three weeks and the neighbourhood is "
        "completely dark at night. Elderly residents are afraid to go out. Please send someone to repair them. "
    ) * 5
    markup = '<div style="x">&lt;p&gt;小区&nbsp;电梯</div>' * 300 + "_x000D_\r\n" * 200
    return {
        "50,000 characters (Chinese)": ("很长的留言", chinese),
        "50,000 × one character": ("啊", "啊" * 50_000),
        "emoji only": ("😡😡😡", "🚗🚗🏠💧🔥😭🙏" * 60),
        "English": ("Broken street lights", english),
        "garbage (controls, marks, symbols)": (garbage[:60], garbage),
        "markup and Excel escapes": ("<b>标题</b>", markup),
        "empty body": ("？", ""),
    }


# ---------------------------------------------------------------------------------------------------------------
# Models


@dataclass
class Plan:
    task: str
    examples: "list[Example]"
    source: str


def _train_child(plans: list[Plan], seed: int, out: str) -> None:
    from threadpoolctl import threadpool_limits

    from liuyan.classify import store

    done: dict[str, dict[str, Any]] = {}
    with threadpool_limits(limits=1):
        for plan in plans:
            started = time.perf_counter()
            version = store.train(plan.task, plan.examples, source_description=plan.source, seed=seed)
            done[plan.task] = {"version": version, "seconds": time.perf_counter() - started}
            sys.stderr.write(f"  trained {plan.task} in {done[plan.task]['seconds']:.1f} s\n")
    Path(out).write_text(json.dumps(done), encoding="utf-8")


def train_models(plans: list[Plan], seed: int, workdir: Path) -> dict[str, dict[str, Any]]:
    """Train in a forked child: this process then loads the models as a web worker would, from disk."""
    from django.db import connections

    connections.close_all()
    out = workdir / "trained.json"
    child = multiprocessing.get_context("fork").Process(target=_train_child, args=(plans, seed, str(out)))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"training failed (exit code {child.exitcode})")
    trained: dict[str, dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return trained


def plans_for(province: "Province", args: argparse.Namespace) -> tuple[list[Plan], list[str]]:
    from liuyan.classify.data import Example, read_labeled_file
    from liuyan.intake.training import corpus_examples

    notes: list[str] = []
    plans: list[Plan] = []
    for task in ("category", "type"):
        if args.shared:
            source = read_labeled_file(SHARED / SHARED_TRAIN[task])
            plans.append(Plan(task, source.examples, f"bench.intake: {SHARED_TRAIN[task]}"))
        else:
            examples = corpus_examples(task, per_topic=args.per_topic, seed=args.seed)
            plans.append(Plan(task, examples, "bench.intake: demo corpus"))
    samples = compose(province, args.per_topic, args.seed, per_topic=True)
    labelled = [Example(s.text, s.unit) for s in samples if s.unit]
    if len({e.label for e in labelled}) >= 2:
        plans.append(Plan("department", labelled, "bench.intake: demo corpus × 西地省 catalogue → unit codes"))
        notes.append(
            f"department: {len(labelled):,} demo-corpus texts labelled with the catalogue's unit for their category "
            f"and place ({len({e.label for e in labelled})} units; a model for speed and size: a linear model of "
            "character n-grams cannot learn category × place, hence its low macro-F1)"
        )
    else:
        notes.append("department: skipped (the catalogue names no units for the corpus)")
    return plans, notes


def label_notes() -> list[str]:
    """Whether the category model's labels are categories of the taxonomy (the contest's classes are not)."""
    from liuyan.classify.store import load_active
    from liuyan.intake.pipeline import lookups

    model = load_active("category")
    if model is None:
        return []
    unknown = [label for label in model.labels if lookups.category_id(label) is None]
    if not unknown:
        return []
    return [
        f"category: {len(unknown)} of {len(model.labels)} labels are not categories of the demo taxonomy "
        f"({'、'.join(unknown[:8])}): readings carry unknown_category and the catalogue suggests no unit, so "
        "routing in do_submit does less than with the corpus model"
    ]


def load_models() -> dict[str, Any]:
    """RSS before and after importing the libraries and loading the three active models; each model's size."""
    import gc

    gc.collect()
    before_libs = rss_mb()
    import joblib  # noqa: F401
    import sklearn.calibration
    import sklearn.svm  # noqa: F401

    from liuyan.classify import model as _model  # noqa: F401
    from liuyan.classify import store

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    loaded = {task: store.load_active(task) for task in TASKS}
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    per_model: dict[str, dict[str, Any]] = {}
    for task, m in loaded.items():
        if m is None:
            continue
        svm = m.classifier._model().calibrated_classifiers_[0].estimator
        per_model[task] = {
            "version": m.version,
            "labels": len(m.labels),
            "features": len(m.classifier.features),
            "examples": int(m.meta.get("examples", {}).get("total", 0)),
            "macro_f1": m.meta.get("validation", {}).get("macro_f1"),
            "threshold": m.threshold,
            "file_mb": m.meta.get("model_bytes", 0) / 1e6,
            "pickled_mb": len(pickle.dumps(m.classifier, protocol=pickle.HIGHEST_PROTOCOL)) / 1e6,
            "arrays_mb": (m.classifier.features.memory_bytes() + svm.coef_.nbytes) / 1e6,
        }
    return {
        "rss_before_libraries_mb": before_libs,
        "rss_before_models_mb": before,
        "rss_after_models_mb": after,
        "models_rss_mb": after - before,
        "load_seconds": seconds,
        "models": per_model,
    }


# ---------------------------------------------------------------------------------------------------------------
# The cases


Item = tuple[str, str, int | None, dt.date | None]


def pipeline_cases(
    label: str, items: list[Item], singles: int, batch: int, rows: list[Row], profile: bool
) -> dict[str, Any]:
    """The pipeline in batches and one at a time, classification alone, and each stage's share."""
    from liuyan.classify.features import BatchGrams, feature_text
    from liuyan.classify.store import load_active
    from liuyan.intake import extract, flags, locate
    from liuyan.intake.normalize import normalize_text
    from liuyan.intake.pipeline import CLASSIFY_CHARS, read_text, read_texts

    texts = [f"{t}\n{b}" for t, b, _, _ in items]
    read_texts(items[:50])  # warm (the first case also had its cold message timed)
    watch = Stopwatch()
    for i in range(0, len(items), batch):
        read_texts(items[i : i + batch])
    rows.append(batch_row(f"pipeline batch of {batch} · {label}", texts, watch.took()))

    few = items[:singles]
    each = time_each(lambda it: read_text(it[0], it[1], author_region_id=it[2], written=it[3]), few)
    rows.append(single_row(f"pipeline one at a time · {label}", texts[: len(few)], each))

    # Classification alone, on the text the pipeline hands the models, as the pipeline runs them: the feature text
    # and its n-grams prepared once for the three (their own line in the stages), then each model on them.
    prepared = [normalize_text(t)[:CLASSIFY_CHARS] for t in texts]
    models = [m for m in (load_active(task) for task in TASKS) if m is not None]
    for m in models:
        m.predict(prepared[:20])
    task_took: dict[str, Took] = {"feature text": Took(0.0, 0.0)}
    for i in range(0, len(prepared), batch):
        chunk = prepared[i : i + batch]
        watch = Stopwatch()
        features = [feature_text(t) for t in chunk]
        grams = BatchGrams(features)
        task_took["feature text"] = _added(task_took["feature text"], watch.took())
        for m in models:
            watch = Stopwatch()
            m.predict(chunk, prepared=features, grams=grams)
            task_took[m.task] = _added(task_took.get(m.task, Took(0.0, 0.0)), watch.took())
    classify = Took(sum(t.wall for t in task_took.values()), sum(t.cpu for t in task_took.values()))
    rows.append(batch_row(f"classify batch ({len(models)} models) · {label}", prepared, classify))

    def classify_one(text: str) -> None:
        features = [feature_text(text)]
        grams = BatchGrams(features)
        for m in models:
            m.predict([text], prepared=features, grams=grams)

    each = time_each(classify_one, prepared[:singles])
    rows.append(single_row(f"classify one at a time · {label}", prepared[:singles], each))

    # Each stage called on its own, in the pipeline's order on each text (locate reuses extract's scan).
    stage_seconds = dict.fromkeys(("normalise", "extract", "locate", "key flags"), 0.0)
    for title, body, region_id, written in items:
        t0 = time.perf_counter()
        text = normalize_text(f"{title}\n{body}")
        t1 = time.perf_counter()
        extract.extract(text, today=written)
        t2 = time.perf_counter()
        locate.locate(text, author_region_id=region_id)
        t3 = time.perf_counter()
        flags.key_flags(text)
        t4 = time.perf_counter()
        for name, took in zip(stage_seconds, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            stage_seconds[name] += took
    stage_seconds.update({f"classify: {task}": t.wall for task, t in task_took.items()})
    total = sum(stage_seconds.values())
    stages = {name: {"ms_per_message": 1000 * s / len(items), "share": s / total} for name, s in stage_seconds.items()}
    result: dict[str, Any] = {"stages": stages}
    if profile:
        result["profile"] = profile_pipeline(items, batch)
    return result


# Where the time goes: these functions' cumulative share of the profiled time (the biggest entry where a name
# occurs more than once, e.g. the two predict_proba of sklearn's calibration module).
PROFILED = (
    ("liuyan/intake/normalize.py", "normalize_text"),
    ("liuyan/intake/extract.py", "extract"),
    ("liuyan/intake/locate.py", "locate"),
    ("liuyan/intake/flags.py", "key_flags"),
    ("liuyan/classify/store.py", "load_active"),
    ("liuyan/classify/model.py", "predict"),
    ("liuyan/classify/features.py", "feature_text"),
    ("liuyan/classify/features.py", "lookup"),
    ("liuyan/classify/features.py", "weigh"),
    ("sklearn/calibration.py", "predict_proba"),
    ("sklearn/calibration.py", "predict"),
    ("sklearn/svm/_base.py", "decision_function"),
    ("sklearn/linear_model/_base.py", "decision_function"),
    ("sklearn/utils/validation.py", "check_array"),
    ("liuyan/classify/model.py", "_reasons"),
    ("liuyan/intake/pipeline.py", "category_id"),
)


def profile_pipeline(items: list[Item], batch: int) -> dict[str, Any]:
    """cProfile of the pipeline in batches and one at a time: the key functions' cumulative share, and the
    functions with the most time of their own."""
    import cProfile
    import pstats

    from liuyan.intake.pipeline import read_text, read_texts

    def batches() -> None:
        for i in range(0, len(items), batch):
            read_texts(items[i : i + batch])

    def singles() -> None:
        for title, body, region_id, written in items[:200]:
            read_text(title, body, author_region_id=region_id, written=written)

    runs: dict[str, Callable[[], None]] = {f"batch of {batch}": batches, "one at a time (first 200)": singles}
    out: dict[str, Any] = {}
    for name, run in runs.items():
        profiler = cProfile.Profile()
        profiler.enable()
        run()
        profiler.disable()
        raw: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        total = sum(v[2] for v in raw.values())
        key: dict[str, float] = {}
        for path, func in PROFILED:
            found = [v[3] for (f, _line, n), v in raw.items() if n == func and f.replace("\\", "/").endswith(path)]
            if found:
                key[f"{Path(path).name} {func}"] = max(found) / total
        top = sorted(raw.items(), key=lambda kv: -kv[1][2])[:12]
        out[name] = {
            "seconds": total,
            "cumulative_share": key,
            "own_time": [
                {"function": f"{Path(f).name}:{line} {n}", "calls": v[1], "own_s": v[2], "own_share": v[2] / total}
                for (f, line, n), v in top
            ],
        }
    return out


def pathological_cases(errors: ErrorCount) -> list[dict[str, Any]]:
    from liuyan.intake.pipeline import read_text

    out = []
    for name, (title, body) in pathological().items():
        seen = len(errors.records)
        raised = ""
        problems: list[str] = []
        took: list[Took] = []
        for _ in range(3):
            watch = Stopwatch()
            try:
                reading = read_text(title, body, written=dt.date.today())
                problems = [p.code for p in reading.problems]
            except Exception as exc:  # the pipeline promises never to; report it rather than stop
                raised = f"{type(exc).__name__}: {exc}"[:200]
            took.append(watch.took())
        out.append(
            {
                "case": name,
                "chars": len(title) + 1 + len(body),
                "best_ms": min(t.wall for t in took) * 1000,
                "max_ms": max(t.wall for t in took) * 1000,
                "cpu_best_ms": min(t.cpu for t in took) * 1000,
                "raised": raised,
                "logged_errors": errors.records[seen:][:3],
                "problems": problems,
            }
        )
    return out


def submit_cases(
    province: "Province", staff: "Staff", samples: list[Sample], raw: list[tuple[str, str]], rows: list[Row]
) -> dict[str, Any]:
    """`do_submit` by citizens, one at a time, each in its own transaction as a web request would."""
    from liuyan.common.errors import InvalidInput
    from liuyan.intake.models import IntakeResult
    from liuyan.messages.access import Actor
    from liuyan.messages.actions import do_submit
    from liuyan.messages.models import BODY_MAX, TITLE_MAX

    refused = 0
    counter = 0
    regions = {r.pk: r for r in province.regions.values()}

    def submit(title: str, body: str, region_id: int | None, city_id: int, type_: str, category: str) -> Took:
        nonlocal refused, counter
        counter += 1
        citizen = staff.citizens[counter % len(staff.citizens)]
        board = province.city_boards[city_id][counter % 2]
        region = regions.get(region_id) if region_id else None
        watch = Stopwatch()
        try:
            do_submit(
                Actor.of(citizen),
                board=board,
                type=type_,
                title=title[:TITLE_MAX],
                body=body[:BODY_MAX],
                category=province.categories.get(category) if category else None,
                region=region,
            )
        except InvalidInput:
            refused += 1
        return watch.took()

    rng = random.Random(5)
    warm = samples[:5]
    for s in warm:
        submit(s.title, s.body + "（预热）", s.region_id, s.city_id, s.type, "")
    first_id = IntakeResult.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    each = []
    for s in samples[5:]:
        region_id = s.region_id if rng.random() < 0.7 else None  # citizens often leave the place (or category) out
        category = s.category if rng.random() < 0.5 else ""
        each.append(submit(s.title, s.body, region_id, s.city_id, s.type, category))
    texts = [s.text for s in samples[5:]]
    rows.append(single_row("do_submit + run_intake · demo corpus", texts, each))
    durations = sorted(IntakeResult.objects.filter(pk__gt=first_id).values_list("duration_ms", flat=True))
    if durations:
        rows.append(
            Row(
                "  run_intake alone (IntakeResult.duration_ms)",
                len(durations),
                _mean_chars(texts),
                1000 * len(durations) / sum(durations),
                statistics.median(durations),
                percentile(durations, 0.95),
                durations[-1],
                rss_mb(),
            )  # wall clock only: the pipeline stores that
        )
    if raw:
        usable = [(t.strip(), b.strip()) for t, b in raw if t.strip() and b.strip()]
        city = province.cities[0]
        each = [submit(t, b, None, city.pk, "complaint", "") for t, b in usable]
        rows.append(single_row("do_submit + run_intake · dev_raw.csv", [f"{t}\n{b}" for t, b in usable], each))
    long_body = ("".join(s.body for s in samples) * 3)[:BODY_MAX]
    took = submit("很长的留言（上限长度）", long_body, None, province.cities[0].pk, "complaint", "")
    rows.append(single_row("do_submit, body of 10,000 characters", ["x" * (len(long_body) + 12)], [took]))
    return {"refused_as_invalid": refused}


# ---------------------------------------------------------------------------------------------------------------
# Output


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def print_report(report: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(
        f"\nbench.intake — {report['cpu']}; load average {report['load_before']} before, {report['load_after']} "
        f"after; Python {report['python']}; data: {report['data']}\n\n"
    )
    mem = report["memory"]
    out.write("Models (trained in a child process, loaded here as a web worker would):\n")
    out.write("| task | examples | labels | features | macro-F1 (validation) | file MB | in memory MB | train s |\n")
    out.write("|---|---|---|---|---|---|---|---|\n")
    for task, m in mem["models"].items():
        f1 = "—" if m["macro_f1"] is None else f"{m['macro_f1']:.3f}"
        out.write(
            f"| {task} | {m['examples']:,} | {m['labels']} | {m['features']:,} | {f1} | {m['file_mb']:.1f} | "
            f"{m['pickled_mb']:.1f} | {report['trained'][task]['seconds']:.1f} |\n"
        )
    for note in report["notes"]:
        out.write(f"  note: {note}\n")
    out.write(
        f"RSS: {mem['rss_before_libraries_mb']:.0f} MB after setup → {mem['rss_before_models_mb']:.0f} MB with "
        f"the model libraries → {mem['rss_after_models_mb']:.0f} MB with the three models: "
        f"+{mem['models_rss_mb']:.0f} MB (loaded in {mem['load_seconds']:.2f} s)\n\n"
    )
    out.write(
        "Wall clock, and CPU time of this process (what it costs on a core of its own: the machine's other work "
        "shares our core):\n"
    )
    out.write(
        "| case | messages | chars | msg/s | p50 ms | p95 ms | max ms | RSS MB | CPU msg/s | CPU p50 | CPU p95 |\n"
    )
    out.write("|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in report["rows"]:
        cpu_rate = "—" if r["cpu_per_s"] is None else f"{r['cpu_per_s']:,.0f}"
        out.write(
            f"| {r['case']} | {r['messages']:,} | {r['chars']:.0f} | {r['per_s']:,.0f} | {_ms(r['p50_ms'])} | "
            f"{_ms(r['p95_ms'])} | {_ms(r['max_ms'])} | {r['rss_mb']:.0f} | {cpu_rate} | {_ms(r['cpu_p50_ms'])} | "
            f"{_ms(r['cpu_p95_ms'])} |\n"
        )
    out.write("\nStages, each called on its own on the batch texts (ms per message, share of their sum):\n")
    for label, stages in report["stages"].items():
        parts = [f"{name} {s['ms_per_message']:.3f} ({100 * s['share']:.0f}%)" for name, s in stages.items()]
        out.write(f"  {label}: " + " · ".join(parts) + "\n")
    out.write("\nPathological inputs (read_text, best of 3; none may raise or fail a stage):\n")
    out.write("| input | chars | ms | CPU ms | raised | failed stages | problems |\n|---|---|---|---|---|---|---|\n")
    for p in report["pathological"]:
        failed = [c for c in p["problems"] if c.endswith("_failed")] + p["logged_errors"]
        out.write(
            f"| {p['case']} | {p['chars']:,} | {_ms(p['best_ms'])} | {_ms(p['cpu_best_ms'])} | {p['raised'] or 'no'} | "
            f"{', '.join(failed) or 'none'} | {', '.join(c for c in p['problems'] if not c.endswith('_failed')) or '—'} |\n"
        )
    for label, runs in report.get("profile", {}).items():
        for name, found in runs.items():
            out.write(f"\ncProfile · {label} · {name} ({found['seconds']:.2f} s profiled):\n  cumulative: ")
            out.write(" · ".join(f"{f} {100 * share:.0f}%" for f, share in found["cumulative_share"].items()))
            out.write("\n  own time: ")
            out.write(
                " · ".join(f"{f['function']} {100 * f['own_share']:.1f}% ({f['calls']:,})" for f in found["own_time"])
            )
            out.write("\n")
    out.write(f"\n{report['summary']}\n")
    out.write(f"(whole run {report['seconds']:.0f} s)\n")


def summarise(rows: list[Row], memory: dict[str, Any], pathological: list[dict[str, Any]]) -> tuple[str, bool]:
    """Each target on the worst data set, judged on CPU time (the wall clock beside it)."""

    def worst(prefix: str, key: Callable[[Row], float], high: bool) -> Row:
        found = [r for r in rows if r.case.startswith(prefix)]
        return min(found, key=key) if high else max(found, key=key)

    def on(row: Row) -> str:
        return row.case.split("·")[-1].strip()

    batch = worst("pipeline batch", lambda r: r.cpu_per_s or 0.0, True)
    single = worst("pipeline one at a time", lambda r: r.cpu_p95_ms or 0.0, False)
    classify = worst("classify batch", lambda r: r.cpu_per_s or 0.0, True)
    models = memory["models_rss_mb"]
    safe = all(not p["raised"] and not p["logged_errors"] for p in pathological)
    checks = [
        (
            (batch.cpu_per_s or 0.0) >= TARGET_BATCH,
            f"pipeline batch ≥ {TARGET_BATCH:.0f}/s: {batch.cpu_per_s or 0:,.0f}/s (wall {batch.per_s:,.0f}/s; {on(batch)})",
        ),
        (
            (single.cpu_p95_ms or 0.0) <= TARGET_SINGLE_MS,
            f"single ≤ {TARGET_SINGLE_MS:.0f} ms: p95 {single.cpu_p95_ms or 0:.1f} ms (wall p95 {single.p95_ms or 0:.1f}, "
            f"max {single.max_ms or 0:.0f}; {on(single)})",
        ),
        (
            (classify.cpu_per_s or 0.0) >= TARGET_CLASSIFY,
            f"classify ≥ {TARGET_CLASSIFY:,.0f}/s: {classify.cpu_per_s or 0:,.0f}/s (wall {classify.per_s:,.0f}/s; "
            f"{on(classify)})",
        ),
        (models <= TARGET_MEMORY_MB, f"models ≤ {TARGET_MEMORY_MB:.0f} MB: +{models:.0f} MB RSS"),
        (safe, "pathological inputs: none raised" if safe else "pathological inputs: SOME RAISED OR FAILED"),
    ]
    met = sum(ok for ok, _ in checks)
    text = f"Targets met {met}/{len(checks)} (CPU time): " + "; ".join(
        f"{'MET' if ok else 'NOT MET'} {s}" for ok, s in checks
    )
    return text, met == len(checks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n")[0])
    parser.add_argument("--shared", action="store_true", help="train and time on ../shared/data too")
    parser.add_argument("--messages", type=int, default=2000, help="demo-corpus messages timed in batch (2000)")
    parser.add_argument("--shared-limit", type=int, default=2000, help="rows of each shared file timed (2000)")
    parser.add_argument("--single", type=int, default=300, help="messages timed one at a time (300)")
    parser.add_argument("--batch", type=int, default=500, help="messages per read_texts call (500)")
    parser.add_argument("--submits", type=int, default=200, help="do_submit calls timed (200)")
    parser.add_argument("--per-topic", type=int, default=40, help="training texts per corpus topic (40)")
    parser.add_argument("--seed", type=int, default=2026, help="training seed; timed texts use seed+1")
    parser.add_argument("--json", dest="json_out", default="", help="also write the figures to this file")
    parser.add_argument("--profile", action="store_true", help="cProfile the batch pipeline, print the top")
    parser.add_argument("--all-cores", action="store_true", help="do not pin the process to one CPU")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, models)")
    args = parser.parse_args(argv)
    if args.shared and not SHARED.is_dir():
        parser.error(f"--shared: {SHARED} does not exist")

    began = time.perf_counter()
    load_before = _load_average()
    cpu = pin_one_core(args.all_cores)
    workdir = Path(tempfile.mkdtemp(prefix="liuyan-bench-intake-pipeline-"))
    try:
        sys.stderr.write(f"setting up in {workdir} …\n")
        setup(workdir)
        from threadpoolctl import threadpool_limits

        errors = ErrorCount()
        logging.getLogger("liuyan").addHandler(errors)
        province, staff = reference()
        sys.stderr.write("training the models …\n")
        plans, notes = plans_for(province, args)
        trained = train_models(plans, args.seed, workdir)
        del plans
        memory = load_models()
        notes.extend(label_notes())
        rows: list[Row] = []
        report: dict[str, Any] = {
            "cpu": cpu,
            "load_before": load_before,
            "python": sys.version.split()[0],
            "data": "demo corpus + ../shared/data" if args.shared else "demo corpus",
            "trained": trained,
            "notes": notes,
            "memory": memory,
            "rows": rows,
            "stages": {},
            "profile": {},
        }
        today = dt.date.today()
        samples = compose(province, args.messages, args.seed + 1)
        corpus_items: list[Item] = [
            (s.title, s.body, s.region_id if i % 2 else None, today) for i, s in enumerate(samples)
        ]
        data: dict[str, list[Item]] = {"demo corpus": corpus_items}
        raw_dev: list[tuple[str, str]] = []
        if args.shared:
            for name in SHARED_TEXTS:
                found = shared_texts(name, args.shared_limit)
                data[Path(name).name] = [(t, b, None, today) for t, b in found]
                if name.endswith("dev_raw.csv"):
                    raw_dev = found[: args.submits // 2]
        with threadpool_limits(limits=1):
            from liuyan.intake.pipeline import read_text

            first = corpus_items[0]
            sys.stderr.write("timing the pipeline …\n")
            watch = Stopwatch()
            read_text(first[0], first[1], author_region_id=first[2], written=first[3])
            cold = watch.took()
            rows.append(single_row("cold first message (matcher, OpenCC, …)", [f"{first[0]}\n{first[1]}"], [cold]))
            for label, items in data.items():
                found_stages = pipeline_cases(label, items, args.single, args.batch, rows, args.profile)
                report["stages"][label] = found_stages["stages"]
                if "profile" in found_stages:
                    report["profile"][label] = found_stages["profile"]
            report["pathological"] = pathological_cases(errors)
            sys.stderr.write("timing do_submit …\n")
            submit_samples = compose(province, args.submits + 5, args.seed + 2)
            report["submit"] = submit_cases(province, staff, submit_samples, raw_dev, rows)
        report["rows"] = [asdict(r) for r in rows]
        report["summary"], report["all_met"] = summarise(rows, memory, report["pathological"])
        report["seconds"] = time.perf_counter() - began
        report["load_after"] = _load_average()
        print_report(report)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    finally:
        if args.keep:
            sys.stderr.write(f"kept {workdir}\n")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

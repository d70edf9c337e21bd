"""The text classifiers on the shared real data: quality, auto-dispatch coverage, speed and memory.

    .venv/bin/python -m bench.classify                 # all three tasks, 5-fold cross-validation
    .venv/bin/python -m bench.classify --folds 0       # only the saved model's own validation split (faster)
    .venv/bin/python -m bench.classify --tasks category --json
    .venv/bin/python -m bench.classify --refit         # models trained again on all examples after validation

For each task it trains exactly as `liuyan model train` does (store.train: a stratified 20% validation split with
seed 0, threshold chosen there for the target precision), into a temporary VAR_DIR that is removed afterwards, and
reports:

- validation split: accuracy, macro-F1, and the auto-dispatch threshold with its coverage and precision;
- k-fold cross-validation on the training file: each fold trains like `train` (its own inner validation split and
  threshold) on the other folds and is scored on its fold, so the threshold too is judged on unseen data;
- category also on dev_raw.csv (raw text; the model is trained on the segmented file only, never tuned to it);
- speed on one core (BLAS limited to one thread): batch classification with reasons, single-message latency,
  training on 10,000 messages (train_segmented.csv plus the first MSGABench messages: a timing, not a quality
  figure), and the model's size on disk and in memory (pickled, uncompressed) and the process's peak RSS.

Skips, saying so, when ../shared/data (LIUYAN_SHARED_DATA_DIR) is absent.
"""

import argparse
import json
import os
import pickle
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = {
    "category": "macro-F1 ≥ 0.93 (validation and dev_raw), coverage ≥ 90% at precision ≥ 98%",
    "type": "macro-F1 ≥ 0.88",
    "department": "accuracy ≥ 0.95",
}
FILES = {
    "category": "tipdm2020c/train_segmented.csv",
    "type": "msgabench/messages.csv",
    "department": "msgabench/qa_department.csv",
}


def _setup() -> Path:
    var = Path(tempfile.mkdtemp(prefix="liuyan-bench-classify-"))
    os.environ["LIUYAN_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()
    return var


def _folds(labels: list[str], k: int, seed: int) -> list[int]:
    """A fold number per example, stratified: each label's examples dealt round the folds in a shuffled order."""
    rng = random.Random(seed)
    fold = [0] * len(labels)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        offset = rng.randrange(k)
        for j, i in enumerate(indices):
            fold[i] = (j + offset) % k
    return fold


def cross_validate(examples: list[Any], k: int, target: float, refit: bool = False) -> dict[str, Any]:
    from liuyan.classify.model import auto_dispatch_at
    from liuyan.classify.training import evaluate, fit_and_validate

    fold_of = _folds([e.label for e in examples], k, seed=2026)
    rows = []
    covered = right = total = 0
    for fold in range(k):
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        test = [e for e, f in zip(examples, fold_of, strict=True) if f == fold]
        result = fit_and_validate(train, target_precision=target, seed=fold, refit=refit)
        metrics = evaluate(result.classifier, test, result.threshold)
        predicted, confidences = result.classifier.predict_labels([e.text for e in test])
        correct = [p == e.label for p, e in zip(predicted, test, strict=True)]
        auto = auto_dispatch_at(confidences.tolist(), correct, result.threshold)
        if result.threshold is not None:
            taken = [c >= result.threshold for c in confidences]
            covered += int(sum(taken))
            right += int(sum(ok for ok, t in zip(correct, taken, strict=True) if t))
        total += len(test)
        rows.append({"macro_f1": metrics["macro_f1"], "accuracy": metrics["accuracy"], "auto_dispatch": auto})
    f1s = [r["macro_f1"] for r in rows]
    accs = [r["accuracy"] for r in rows]
    return {
        "folds": k,
        "macro_f1_mean": statistics.mean(f1s),
        "macro_f1_sd": statistics.stdev(f1s) if k > 1 else 0.0,
        "accuracy_mean": statistics.mean(accs),
        "accuracy_sd": statistics.stdev(accs) if k > 1 else 0.0,
        "auto_dispatch_coverage": covered / total if total else 0.0,
        "auto_dispatch_precision": right / covered if covered else None,
        "per_fold": rows,
    }


def speed(loaded: Any, texts: list[str]) -> dict[str, Any]:
    batch = (texts * (2000 // max(1, len(texts)) + 1))[:2000]
    loaded.predict(batch[:50])  # warm up (first calls load OpenCC, allocate)
    started = time.perf_counter()
    loaded.predict(batch)
    batch_seconds = time.perf_counter() - started
    latencies = []
    for text in batch[:300]:
        started = time.perf_counter()
        loaded.predict([text])
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "batch_messages_per_s": len(batch) / batch_seconds,
        "mean_chars": statistics.mean(len(t) for t in batch),
        "single_ms_p50": latencies[len(latencies) // 2],
        "single_ms_p95": latencies[int(len(latencies) * 0.95)],
    }


def run_task(task: str, data: Path, folds: int, target: float, refit: bool = False) -> dict[str, Any]:
    from liuyan.classify import store
    from liuyan.classify.data import read_labeled_file
    from liuyan.classify.training import evaluate

    source = read_labeled_file(data / FILES[task])
    started = time.perf_counter()
    version = store.train(
        task,
        source.examples,
        target_precision=target,
        source_description=f"bench {source.path.name}",
        sources=[source],
        refit=refit,
    )
    train_seconds = time.perf_counter() - started
    loaded = store.load(task, version)
    meta = loaded.meta
    result: dict[str, Any] = {
        "task": task,
        "file": source.path.name,
        "examples": len(source.examples),
        "skipped": source.skipped,
        "labels": len(meta["labels"]),
        "dropped_labels": meta["dropped_labels"],
        "train_seconds": train_seconds,
        "validation": {k: meta["validation"][k] for k in ("examples", "accuracy", "macro_f1", "auto_dispatch")},
        "model_file_mb": meta["model_bytes"] / 1e6,
        "model_memory_mb": len(pickle.dumps(loaded.classifier, protocol=pickle.HIGHEST_PROTOCOL)) / 1e6,
        "target": TARGETS[task],
    }
    texts = [e.text for e in source.examples]
    if task == "category":
        dev = read_labeled_file(data / "tipdm2020c/dev_raw.csv")
        figures = evaluate(loaded.classifier, dev.examples, loaded.threshold)
        result["dev_raw"] = {k: figures[k] for k in ("examples", "accuracy", "macro_f1", "auto_dispatch")}
        texts = [e.text for e in dev.examples]  # raw messages (~400 characters) for the speed figures
    result["speed"] = speed(loaded, texts)
    if folds > 1:
        result["cross_validation"] = cross_validate(source.examples, folds, target, refit=refit)
    return result


def training_speed(data: Path) -> dict[str, Any]:
    from liuyan.classify.data import read_labeled
    from liuyan.classify.model import TextClassifier

    examples = read_labeled(data / FILES["category"]) + read_labeled(data / FILES["type"])
    examples = examples[:10_000]
    started = time.perf_counter()
    TextClassifier().fit([e.text for e in examples], [e.label for e in examples])
    return {"messages": len(examples), "seconds": time.perf_counter() - started}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _auto(auto: dict[str, Any]) -> str:
    threshold = "none" if auto["threshold"] is None else f"{auto['threshold']:.3f}"
    return f"t={threshold} cov {_pct(auto['coverage'])} prec {_pct(auto['precision'])}"


def print_table(results: list[dict[str, Any]], training: dict[str, Any], target: float) -> None:
    out = sys.stdout
    out.write(f"\nTarget precision for auto-dispatch: {target}\n\n")
    out.write(
        "| task | data | evaluation | accuracy | macro-F1 | auto-dispatch | target |\n|---|---|---|---|---|---|---|\n"
    )
    for r in results:
        v = r["validation"]
        rows = [("validation split", v["examples"], v["accuracy"], v["macro_f1"], _auto(v["auto_dispatch"]))]
        cv = r.get("cross_validation")
        if cv:
            auto = f"cov {_pct(cv['auto_dispatch_coverage'])} prec {_pct(cv['auto_dispatch_precision'])}"
            rows.append(
                (
                    f"{cv['folds']}-fold CV (± sd)",
                    r["examples"],
                    f"{cv['accuracy_mean']:.4f} ± {cv['accuracy_sd']:.4f}",
                    f"{cv['macro_f1_mean']:.4f} ± {cv['macro_f1_sd']:.4f}",
                    auto,
                )
            )
        if "dev_raw" in r:
            d = r["dev_raw"]
            rows.append(("dev_raw.csv", d["examples"], d["accuracy"], d["macro_f1"], _auto(d["auto_dispatch"])))
        for name, n, acc, f1, auto in rows:
            acc_s = acc if isinstance(acc, str) else f"{acc:.4f}"
            f1_s = f1 if isinstance(f1, str) else f"{f1:.4f}"
            out.write(
                f"| {r['task']} | {r['file']} ({r['labels']} labels) | {name} (n={n}) | {acc_s} | {f1_s} | {auto} | {r['target']} |\n"
            )
    out.write(
        "\n| task | train (s) | batch msgs/s (mean chars) | single p50 / p95 (ms) | model file / in memory (MB) |\n|---|---|---|---|---|\n"
    )
    for r in results:
        s = r["speed"]
        out.write(
            f"| {r['task']} | {r['train_seconds']:.1f} | {s['batch_messages_per_s']:.0f} ({s['mean_chars']:.0f}) | "
            f"{s['single_ms_p50']:.2f} / {s['single_ms_p95']:.2f} | {r['model_file_mb']:.1f} / {r['model_memory_mb']:.1f} |\n"
        )
    out.write(f"\nTraining on {training['messages']:,} messages: {training['seconds']:.1f} s (fit only, one core)\n")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write(f"Peak RSS of this process: {peak:.0f} MB\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.classify", description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="category,type,department", help="comma-separated (all three)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds; 0 or 1 skips it (5)")
    parser.add_argument("--target-precision", type=float, default=0.98)
    parser.add_argument("--refit", action="store_true", help="train as `liuyan model train --refit` does")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(tasks) - set(FILES))
    if unknown:
        parser.error(f"unknown task(s): {', '.join(unknown)}")

    var = _setup()
    try:
        from django.conf import settings
        from threadpoolctl import threadpool_limits

        data = Path(settings.SHARED_DATA_DIR)
        missing = [FILES[t] for t in tasks if not (data / FILES[t]).is_file()]
        if missing:
            sys.stdout.write(f"SKIPPED: shared data not available under {data} (missing: {', '.join(missing)})\n")
            return
        with threadpool_limits(limits=1):
            results = []
            for task in tasks:
                sys.stderr.write(f"{task} …\n")
                results.append(run_task(task, data, args.folds, args.target_precision, refit=args.refit))
            training = training_speed(data)
        if args.json:
            json.dump({"tasks": results, "training_10k": training}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print_table(results, training, args.target_precision)
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()

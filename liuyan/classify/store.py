"""Versioned model artifacts: train, save, list, activate (roll back) and load the classifiers.

Layout under `settings.VAR_DIR / "models"`:

    models/<task>/<version>/model.joblib   the pickled `TextClassifier` (joblib, compressed)
    models/<task>/<version>/meta.json      what it is: task, created_at, training sources (file, rows, sha256),
                                           labels, validation metrics, threshold, target precision, versions
    models/<task>/ACTIVE                   the active version's name (one line)

A version is named `YYYYMMDD-HHMM-<task>-<8 hex>` (UTC time of training; the hash covers the training data, the
settings and the moment). A version directory is written under a temporary name and renamed when complete, so a
failed or interrupted training leaves no half-written model; the pointer is replaced atomically too.

`load_active(task)` caches the loaded model per process and reloads it when the pointer changes (it reads the
small pointer file on every call, so `liuyan model use` on one machine reaches every process sharing VAR_DIR).
"""

import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings

from liuyan.classify.data import Example, LabeledFile
from liuyan.classify.features import BatchGrams
from liuyan.classify.model import Prediction, TextClassifier
from liuyan.common.errors import InvalidInput, NotFound

TASKS = ("category", "type", "department")
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
POINTER_FILE = "ACTIVE"
_TASK_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_VERSION_NAME = re.compile(r"^\d{8}-\d{4}-[a-z0-9_-]+-[0-9a-f]{8}$")
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "opencc")


@dataclasses.dataclass
class LoadedModel:
    task: str
    version: str
    meta: dict[str, Any]
    classifier: TextClassifier

    @property
    def threshold(self) -> float | None:
        value = self.meta.get("threshold")
        return float(value) if value is not None else None

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.labels)

    def predict(
        self, texts: Sequence[str], *, prepared: Sequence[str] | None = None, grams: BatchGrams | None = None
    ) -> list[Prediction]:
        """`prepared`: `liuyan.classify.features.feature_text` of each text, and `grams` its `BatchGrams`, shared by
        several models."""
        return self.classifier.predict(texts, prepared=prepared, grams=grams)

    def auto_dispatchable(self, prediction: Prediction) -> bool:
        """Whether the prediction is confident enough to act on without a person (confidence ≥ threshold)."""
        threshold = self.threshold
        return threshold is not None and prediction.confidence >= threshold


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    task: str
    version: str
    created_at: str
    active: bool
    labels: int
    examples: int
    macro_f1: float | None
    accuracy: float | None
    threshold: float | None
    coverage: float | None
    source_description: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------------------------------------------
# Paths


def models_root() -> Path:
    return Path(settings.VAR_DIR) / "models"


def check_task(task: str) -> str:
    if not _TASK_NAME.match(task or ""):
        raise InvalidInput(
            f"任务名称无效：{task!r}（小写字母、数字、- 或 _）",
            f"invalid task name: {task!r} (lower-case letters, digits, - or _)",
        )
    return task


def task_dir(task: str) -> Path:
    return models_root() / check_task(task)


def _version_dir(task: str, version: str) -> Path:
    if not _VERSION_NAME.match(version or ""):
        raise NotFound(
            f"模型版本 {version!r} 不存在（任务 {task}）",
            f"no model version {version!r} for task {task}",
            code="model_not_found",
        )
    path = task_dir(task) / version
    if not (path / META_FILE).is_file() or not (path / MODEL_FILE).is_file():
        raise NotFound(
            f"模型版本 {version} 不存在（任务 {task}；可用 `liuyan model list --task {task}` 查看）",
            f"no model version {version} for task {task} (see `liuyan model list --task {task}`)",
            code="model_not_found",
        )
    return path


def _read_meta(path: Path) -> dict[str, Any]:
    with (path / META_FILE).open(encoding="utf-8") as fh:
        meta: dict[str, Any] = json.load(fh)
    return meta


def active_version(task: str) -> str | None:
    try:
        value = (task_dir(task) / POINTER_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return value or None


def _write_pointer(task: str, version: str) -> None:
    directory = task_dir(task)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ACTIVE-")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(version + "\n")
        os.replace(tmp, directory / POINTER_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------------------------
# Saving, listing, activating


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _new_version(task: str, created: dt.datetime, fingerprint: str) -> str:
    digest = hashlib.sha256(f"{task}|{created.isoformat()}|{fingerprint}".encode()).hexdigest()[:8]
    return f"{created:%Y%m%d-%H%M}-{task}-{digest}"


def save(task: str, classifier: TextClassifier, meta: dict[str, Any], *, activate: bool = True) -> str:
    """Write a new version of `task` (model + meta.json) and, by default, make it the active one. Returns the version.

    `meta` is completed with task, version, created_at, labels and library versions.
    """
    import joblib

    if not classifier.fitted:
        raise ValueError("cannot save an untrained classifier")
    directory = task_dir(task)
    directory.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC)
    version = _new_version(task, created, json.dumps(meta.get("sources", []), sort_keys=True, default=str))
    while (directory / version).exists():  # two trainings in the same microsecond: practically never
        created += dt.timedelta(microseconds=1)
        version = _new_version(task, created, version)
    full_meta = {
        "task": task,
        "version": version,
        "created_at": created.isoformat(timespec="microseconds"),  # orders versions made in one second
        "labels": classifier.labels,
        **meta,
        "libraries": library_versions(),
    }
    staging = Path(tempfile.mkdtemp(dir=directory, prefix=f".tmp-{version}-"))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; other processes (the web workers) read models too
        joblib.dump(classifier, staging / MODEL_FILE, compress=3)
        full_meta["model_bytes"] = (staging / MODEL_FILE).stat().st_size
        with (staging / META_FILE).open("w", encoding="utf-8") as fh:
            json.dump(full_meta, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.rename(staging, directory / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if activate:
        _write_pointer(task, version)
    return version


def list_models(task: str | None = None) -> list[ModelInfo]:
    """Every saved version (of one task, or of all), oldest first."""
    root = models_root()
    tasks = (
        [check_task(task)] if task else sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    )
    found: list[ModelInfo] = []
    for name in tasks:
        directory = root / name
        if not directory.is_dir() or not _TASK_NAME.match(name):
            continue
        active = active_version(name)
        for path in sorted(directory.iterdir()):
            if not path.is_dir() or not _VERSION_NAME.match(path.name) or not (path / META_FILE).is_file():
                continue
            try:
                meta = _read_meta(path)
            except (OSError, ValueError):
                continue
            validation = meta.get("validation") or {}
            auto = validation.get("auto_dispatch") or {}
            found.append(
                ModelInfo(
                    task=name,
                    version=path.name,
                    created_at=str(meta.get("created_at", "")),
                    active=path.name == active,
                    labels=len(meta.get("labels", [])),
                    examples=int(meta.get("examples", {}).get("total", 0)),
                    macro_f1=validation.get("macro_f1"),
                    accuracy=validation.get("accuracy"),
                    threshold=meta.get("threshold"),
                    coverage=auto.get("coverage"),
                    source_description=str(meta.get("source_description", "")),
                )
            )
    found.sort(key=lambda m: (m.task, m.created_at, m.version))
    return found


def use(task: str, version: str) -> None:
    """Make `version` the active model of `task` (also to roll back). NotFound when there is no such version."""
    path = _version_dir(task, version)
    _read_meta(path)
    _write_pointer(task, version)


# ---------------------------------------------------------------------------------------------------------------
# Loading


_cache: dict[str, LoadedModel] = {}
_cache_lock = threading.Lock()


def load(task: str, version: str) -> LoadedModel:
    """One saved version (not cached)."""
    import joblib

    path = _version_dir(task, version)
    meta = _read_meta(path)
    classifier = joblib.load(path / MODEL_FILE)
    if not isinstance(classifier, TextClassifier):
        raise InvalidInput(
            f"{path / MODEL_FILE} 不是本平台的分类模型", f"{path / MODEL_FILE} is not a Liuyan classifier"
        )
    return LoadedModel(task, version, meta, classifier)


def load_active(task: str) -> LoadedModel | None:
    """The active model of `task`, or None when there is none. Cached per process; a changed pointer reloads."""
    version = active_version(task)
    if version is None:
        return None
    cached = _cache.get(task)
    if cached is not None and cached.version == version:
        return cached
    with _cache_lock:
        cached = _cache.get(task)
        if cached is not None and cached.version == version:
            return cached
        try:
            loaded = load(task, version)
        except NotFound:
            return None  # the pointer names a version that was removed by hand
        _cache[task] = loaded
        return loaded


def forget_cache() -> None:
    _cache.clear()


# ---------------------------------------------------------------------------------------------------------------
# Training


def train(
    task: str,
    examples: list[Example],
    *,
    target_precision: float = 0.98,
    source_description: str,
    validation_fraction: float = 0.2,
    seed: int = 0,
    sources: Sequence[LabeledFile] = (),
    activate: bool = True,
    refit: bool = False,
) -> str:
    """Train a classifier for `task` on `examples`, validate it on a held-out split, save it and (by default)
    activate it. Returns the new version. `source_description` says where the examples came from (shown by
    `liuyan model list`); `sources` are the files read, recorded with their row counts and sha256. `refit` trains
    the kept model again on all examples after validation (see `training.fit_and_validate`).
    """
    from liuyan.classify.training import fit_and_validate

    check_task(task)
    result = fit_and_validate(
        examples,
        target_precision=target_precision,
        validation_fraction=validation_fraction,
        seed=seed,
        refit=refit,
    )
    meta = {
        "source_description": source_description,
        "sources": [{**source.summary(), "path": str(source.path.resolve())} for source in sources],
        "examples": {
            "total": result.train_examples + result.validation_examples,
            "train": result.train_examples,
            "validation": result.validation_examples,
        },
        "label_counts": result.label_counts,
        "dropped_labels": result.dropped_labels,
        "seed": seed,
        "validation_fraction": validation_fraction,
        "refit": result.refit,
        "target_precision": target_precision,
        "threshold": result.threshold,
        "validation": result.metrics,
        "hyperparameters": result.classifier.hyperparameters.as_dict(),
        "training_seconds": round(result.seconds, 2),
        "features": len(result.classifier.features),
    }
    return save(task, result.classifier, meta, activate=activate)

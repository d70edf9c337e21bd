"""Training with a held-out validation split, evaluation metrics and the auto-dispatch threshold.

`fit_and_validate(examples, ...)` splits the examples per label (stratified, seeded), trains a `TextClassifier` on
the training part, and measures it on the validation part: accuracy, macro-F1, per-label precision/recall/F1 and
the auto-dispatch threshold — the lowest calibrated confidence at which the validation predictions at or above it
are right at least `target_precision` of the time — with its coverage and precision. The model kept is the one
trained on the training part only, so its validation figures are honest (unless `refit` is asked for: then the
figures are those of the model before it was trained again on everything).
"""

import dataclasses
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from liuyan.classify.data import Example
from liuyan.classify.model import (
    MIN_EXAMPLES_PER_LABEL,
    Hyperparameters,
    TextClassifier,
    auto_dispatch_at,
    choose_threshold,
)
from liuyan.common.errors import InvalidInput

DEFAULT_TARGET_PRECISION = 0.98
DEFAULT_VALIDATION_FRACTION = 0.2
MIN_EXAMPLES = 10


@dataclasses.dataclass
class TrainingResult:
    classifier: TextClassifier
    metrics: dict[str, Any]  # evaluate()'s figures on the validation split
    threshold: float | None
    target_precision: float
    label_counts: dict[str, int]  # of the examples used (training + validation)
    dropped_labels: dict[str, int]  # labels with too few examples to learn, left out
    refit: bool  # the classifier was trained again on all examples after validation
    train_examples: int
    validation_examples: int
    seconds: float


def stratified_split(labels: Sequence[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices (training, validation): about `fraction` of each label's examples held out, at least one when the
    label has three or more, and always at least two left for training."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    train: list[int] = []
    validation: list[int] = []
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        held = round(fraction * len(indices)) if fraction > 0 else 0
        if fraction > 0 and len(indices) >= 3:
            held = max(held, 1)
        held = min(held, len(indices) - 2)
        held = max(held, 0)
        validation.extend(indices[:held])
        train.extend(indices[held:])
    return sorted(train), sorted(validation)


def evaluate(classifier: TextClassifier, examples: Sequence[Example], threshold: float | None) -> dict[str, Any]:
    """macro_f1, accuracy, per_class {label: precision, recall, f1, support} and auto_dispatch at `threshold`.

    Labels of the examples that the model does not know count as errors (recall 0); macro-F1 averages over every
    label that occurs in the examples or in the predictions.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    if not examples:
        raise InvalidInput("没有可评估的样本", "no examples to evaluate")
    truth = [e.label for e in examples]
    predicted, confidences = classifier.predict_labels([e.text for e in examples])
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    correct = [t == p for t, p in zip(truth, predicted, strict=True)]
    return {
        "examples": len(examples),
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        "per_class": per_class,
        "auto_dispatch": auto_dispatch_at(confidences.tolist(), correct, threshold),
        "unknown_labels": sorted(set(truth) - set(classifier.labels)),
    }


def fit_and_validate(
    examples: Sequence[Example],
    *,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    validation_fraction: float = DEFAULT_VALIDATION_FRACTION,
    seed: int = 0,
    hyperparameters: Hyperparameters | None = None,
    refit: bool = False,
) -> TrainingResult:
    """Train on a stratified split, measure on the held-out part, choose the threshold there.

    With `refit`, the model finally kept is trained again on all the examples (training + validation) and keeps
    the threshold chosen on the validation split; the metrics stay those of the model that did not see it.
    """
    if not 0.5 <= target_precision <= 1.0:
        raise InvalidInput(
            f"目标准确率应在 0.5 到 1 之间（现为 {target_precision}）",
            f"the target precision must be between 0.5 and 1 (got {target_precision})",
        )
    if not 0.05 <= validation_fraction <= 0.5:
        raise InvalidInput(
            f"验证集比例应在 0.05 到 0.5 之间（现为 {validation_fraction}）",
            f"the validation fraction must be between 0.05 and 0.5 (got {validation_fraction})",
        )
    started = time.perf_counter()
    counts = Counter(e.label for e in examples)
    dropped = {label: n for label, n in sorted(counts.items()) if n < MIN_EXAMPLES_PER_LABEL}
    kept = [e for e in examples if e.label not in dropped]
    kept_labels = sorted({e.label for e in kept})
    if len(kept) < MIN_EXAMPLES or len(kept_labels) < 2:
        raise InvalidInput(
            f"训练样本不足：需要至少 {MIN_EXAMPLES} 条、至少两个标签且每个标签至少 {MIN_EXAMPLES_PER_LABEL} 条"
            f"（现有 {len(kept)} 条可用样本、{len(kept_labels)} 个标签）",
            f"not enough training examples: at least {MIN_EXAMPLES}, two labels and {MIN_EXAMPLES_PER_LABEL} "
            f"examples per label are needed (usable: {len(kept)} examples, {len(kept_labels)} labels)",
            details={"dropped_labels": dropped},
        )
    train_idx, validation_idx = stratified_split([e.label for e in kept], validation_fraction, seed)
    train = [kept[i] for i in train_idx]
    validation = [kept[i] for i in validation_idx]
    classifier = TextClassifier(hyperparameters).fit([e.text for e in train], [e.label for e in train])
    truth = [e.label for e in validation]
    predicted, confidences = classifier.predict_labels([e.text for e in validation])
    threshold, _, _ = choose_threshold(
        confidences.tolist(), [t == p for t, p in zip(truth, predicted, strict=True)], target_precision
    )
    metrics = evaluate(classifier, validation, threshold) if validation else {}
    if refit and validation:
        classifier = TextClassifier(hyperparameters).fit([e.text for e in kept], [e.label for e in kept])
    return TrainingResult(
        classifier=classifier,
        metrics=metrics,
        threshold=threshold,
        target_precision=target_precision,
        label_counts=dict(sorted(Counter(e.label for e in kept).items())),
        dropped_labels=dropped,
        refit=refit and bool(validation),
        train_examples=len(train),
        validation_examples=len(validation),
        seconds=time.perf_counter() - started,
    )

"""The text classifier: character n-gram TF-IDF, a linear SVM, sigmoid-calibrated probabilities, reasons.

`TextClassifier.fit(texts, labels)` learns; `predict(texts)` gives one `Prediction` per text: the top label, its
calibrated probability (`confidence`), the three best labels with their probabilities (`ranked`) and the few
stretches of the text that pushed most toward the chosen label (`reason_terms`).

Model: `features.CharTfidf` (1–3-grams of `features.feature_text`) → scikit-learn's `LinearSVC` (one-vs-rest,
class_weight="balanced") inside `CalibratedClassifierCV(method="sigmoid", cv=3, ensemble=False)`: Platt scaling fitted
on cross-validated decision values of the training data, then one SVM on all of it. One linear model, so the
reasons read its coefficients directly (see `TextClassifier._reasons`).

Metrics and the auto-dispatch threshold (`choose_threshold`) are computed by the caller on held-out data
(`liuyan.classify.training`).
"""

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from liuyan.classify.features import CHUNK, BatchGrams, CharTfidf, Occurrences, feature_text
from liuyan.common.errors import InvalidInput

TOP_RANKED = 3
REASON_TERMS = 5
REASON_SHARE = 0.3  # a character is part of a reason when its push is at least this share of the strongest one
REASON_MAX_CHARS = 12
MIN_EXAMPLES_PER_LABEL = 3  # fewer cannot be calibrated by cross-validation; such labels are left out of training


@dataclasses.dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # calibrated probability of `label`
    ranked: list[tuple[str, float]]  # the best TOP_RANKED labels, most probable first
    reason_terms: list[str]  # stretches of the (feature) text that pushed most toward `label`, strongest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "ranked": [[label, round(p, 4)] for label, p in self.ranked],
            "reason_terms": self.reason_terms,
        }


@dataclasses.dataclass
class Hyperparameters:
    min_n: int = 1
    max_n: int = 3
    min_df: int = 2
    max_features: int = 300_000
    c: float = 0.5
    calibration_folds: int = 3

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class TextClassifier:
    """A trained classifier; pickled whole into a model artifact (see `liuyan.classify.store`)."""

    def __init__(self, hyperparameters: Hyperparameters | None = None) -> None:
        self.hyperparameters = hyperparameters or Hyperparameters()
        self.features = CharTfidf(
            min_n=self.hyperparameters.min_n,
            max_n=self.hyperparameters.max_n,
            min_df=self.hyperparameters.min_df,
            max_features=self.hyperparameters.max_features,
        )
        self.labels: list[str] = []
        self._calibrated: CalibratedClassifierCV | None = None

    # -- training ---------------------------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TextClassifier":
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        distinct = sorted(set(labels))
        if len(distinct) < 2:
            raise InvalidInput(
                f"训练数据至少需要两个不同的标签（现有：{'、'.join(distinct) or '无'}）",
                f"training needs at least two different labels (found: {', '.join(distinct) or 'none'})",
            )
        counts = {label: 0 for label in distinct}
        for label in labels:
            counts[label] += 1
        rare = [label for label, n in counts.items() if n < 2]
        if rare:
            raise InvalidInput(
                f"每个标签至少需要 2 条训练样本：{'、'.join(rare)}",
                f"every label needs at least 2 training examples: {', '.join(rare)}",
            )
        prepared = [feature_text(t) for t in texts]
        matrix = self.features.fit_transform(prepared)
        y = np.asarray(labels, dtype=object)
        folds = max(2, min(self.hyperparameters.calibration_folds, min(counts.values())))
        svm = LinearSVC(C=self.hyperparameters.c, class_weight="balanced", max_iter=5000, random_state=0)
        calibrated = CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            calibrated.fit(matrix, y)
        self._calibrated = calibrated
        self.labels = [str(c) for c in calibrated.classes_]
        svm = calibrated.calibrated_classifiers_[0].estimator
        # float32 halves the largest part of the model (labels × features); the reasons read the same array.
        svm.coef_ = np.ascontiguousarray(svm.coef_, dtype=np.float32)
        svm.intercept_ = np.asarray(svm.intercept_, dtype=np.float32)
        return self

    # -- prediction -------------------------------------------------------------------------------------------

    @property
    def fitted(self) -> bool:
        return self._calibrated is not None

    def _model(self) -> CalibratedClassifierCV:
        if self._calibrated is None:
            raise RuntimeError("the classifier is not trained")
        return self._calibrated

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(texts × labels) calibrated probabilities in `self.labels` order."""
        return self.calibrated_probabilities(self.features.transform([feature_text(t) for t in texts]))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_scoring", None)  # derived from the SVM and its calibrators; rebuilt after loading
        return state

    def _scoring_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(features × labels) coefficients laid out for sparse × dense products, intercepts, and the sigmoid
        calibrators' a and b: computed once per loaded model."""
        cached: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = getattr(self, "_scoring", None)
        if cached is None:
            calibrated = self._model().calibrated_classifiers_[0]
            svm = calibrated.estimator
            coef_t = np.ascontiguousarray(np.asarray(svm.coef_).T)
            a = np.array([float(c.a_) for c in calibrated.calibrators], dtype=np.float64)
            b = np.array([float(c.b_) for c in calibrated.calibrators], dtype=np.float64)
            cached = (coef_t, np.asarray(svm.intercept_, dtype=np.float64), a, b)
            self._scoring = cached
        return cached

    def calibrated_probabilities(self, matrix: Any) -> np.ndarray:
        """The same probabilities as scikit-learn's CalibratedClassifierCV.predict_proba (sigmoid, one split), in
        one vectorised step: its own per-label loop re-validates the input once per label and copies the whole
        coefficient matrix per call, 29 ms of a single message's 30 (a test checks they agree)."""
        coef_t, intercept, a, b = self._scoring_arrays()
        scores = np.asarray(matrix @ coef_t, dtype=np.float64) + intercept
        calibrated = 1.0 / (1.0 + np.exp(a * scores + b))  # expit(-(a·s + b)), per label
        if len(self.labels) == 2:
            proba = np.column_stack([1.0 - calibrated[:, 0], calibrated[:, 0]])
        else:
            total = calibrated.sum(axis=1, keepdims=True)
            proba = np.divide(calibrated, total, out=np.full_like(calibrated, 1 / len(self.labels)), where=total != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    def predict(
        self,
        texts: Sequence[str],
        *,
        reasons: bool = True,
        prepared: Sequence[str] | None = None,
        grams: BatchGrams | None = None,
    ) -> list[Prediction]:
        """`prepared`: the texts' `feature_text`, and `grams`: its `BatchGrams`, when the caller runs several models
        over the same batch (a batch of more than CHUNK texts goes in chunks, each computing its own n-grams)."""
        if prepared is None:
            prepared = [feature_text(t) for t in texts]
        if grams is not None and grams.documents != len(texts):
            raise ValueError("the n-grams are of another batch")
        if len(texts) > CHUNK:
            return [
                p
                for i in range(0, len(texts), CHUNK)
                for p in self.predict(texts[i : i + CHUNK], reasons=reasons, prepared=prepared[i : i + CHUNK])
            ]
        if not texts:
            return []
        found = self.features.lookup(grams if grams is not None else prepared)
        probabilities = self.calibrated_probabilities(self.features.weigh(found))
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :TOP_RANKED]
        best = order[:, 0]
        reason_lists = self._reasons(found, "\x00".join(prepared), best) if reasons else [[] for _ in texts]
        predictions = []
        for row, columns in enumerate(order):
            ranked = [(self.labels[c], float(probabilities[row, c])) for c in columns]
            predictions.append(Prediction(ranked[0][0], ranked[0][1], ranked, reason_lists[row]))
        return predictions

    def predict_labels(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Top labels and their confidences, without building reasons (evaluation)."""
        if not texts:
            return [], np.zeros(0)
        probabilities = self.probabilities(texts)
        best = np.argmax(probabilities, axis=1)
        return [self.labels[c] for c in best], probabilities[np.arange(len(best)), best]

    def _reasons(self, found: Occurrences, joined: str, best: np.ndarray) -> list[list[str]]:
        """For each text, the few stretches of it that pushed most toward the chosen label.

        Every known n-gram occurrence spreads its push (idf × the SVM's coefficient for the label) evenly over its
        characters; the maximal runs of characters pushed by at least 30% of the text's strongest one are the
        reasons, strongest first, stretches of two or more characters before single ones ("地铁站", "红绿灯" rather
        than the characters that make them up), none inside another. They are read from the feature text, so
        they are simplified, lower-case, without punctuation, digits shown as 0. Computed for the whole batch at
        once (numpy); only the few runs per text are handled one by one.
        """
        coef = np.asarray(self._model().calibrated_classifiers_[0].estimator.coef_)
        documents = found.document_of[found.starts]
        labels = best[documents]
        if coef.shape[0] == 1:  # a binary SVM has one row of coefficients, pointing toward the second label
            toward = coef[0, found.columns] * np.where(labels == 1, 1.0, -1.0)
        else:
            toward = coef[labels, found.columns]
        push = toward * self.features.idf[found.columns] / found.sizes
        length = len(found.points)
        scores = np.zeros(length, dtype=np.float64)
        for n in np.unique(found.sizes):
            of_size = found.sizes == n
            for k in range(int(n)):
                scores += np.bincount(found.starts[of_size] + k, weights=push[of_size], minlength=length)[:length]
        strongest = np.zeros(found.documents, dtype=np.float64)
        np.maximum.at(strongest, found.document_of, scores)
        strong = (scores > 0) & (scores >= REASON_SHARE * strongest[found.document_of])
        padded = np.concatenate([[False], strong, [False]])
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        spans: list[dict[str, float]] = [{} for _ in range(found.documents)]
        cumulative = np.concatenate([[0.0], np.cumsum(scores)])
        begins, stops = edges[::2], edges[1::2]
        # Plain Python numbers for the loop: indexing numpy arrays one element at a time is what made it slow.
        runs = zip(
            begins.tolist(),
            np.minimum(stops, begins + REASON_MAX_CHARS).tolist(),
            found.document_of[begins].tolist(),
            (cumulative[stops] - cumulative[begins]).tolist(),
            strict=True,
        )
        for begin, end, document, push_of_run in runs:
            term = joined[begin:end]
            mine = spans[document]
            mine[term] = mine.get(term, 0.0) + push_of_run
        result: list[list[str]] = []
        for mine in spans:
            # Words before single characters; a stretch inside (or around) a chosen one adds nothing for a reader.
            ranked = sorted(mine.items(), key=lambda item: (len(item[0]) < 2, -item[1]))
            chosen: list[str] = []
            for term, _ in ranked:
                if len(chosen) == REASON_TERMS:
                    break
                if not any(term in c or c in term for c in chosen):
                    chosen.append(term)
            result.append(chosen)
        return result


def choose_threshold(
    confidences: Sequence[float], correct: Sequence[bool], target_precision: float
) -> tuple[float | None, float, float | None]:
    """The lowest confidence t such that the predictions with confidence ≥ t are right at least `target_precision`
    of the time on this (held-out) data, with the coverage (share of predictions at or above t) and precision
    there. (None, 0.0, None) when no threshold reaches the target: then nothing is dispatched automatically.
    """
    if not len(confidences):
        return None, 0.0, None
    c = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    order = np.argsort(-c, kind="stable")
    c, ok = c[order], ok[order]
    hits = np.cumsum(ok)
    taken = np.arange(1, len(c) + 1)
    # A threshold can only sit at the last of a run of equal confidences: everything tied with it is in.
    last_of_tie = np.append(c[1:] != c[:-1], True)
    precision = hits / taken
    candidates = np.flatnonzero(last_of_tie & (precision >= target_precision - 1e-12))
    if not len(candidates):
        return None, 0.0, None
    i = int(candidates[-1])
    return float(c[i]), float(taken[i] / len(c)), float(precision[i])


def auto_dispatch_at(
    confidences: Sequence[float], correct: Sequence[bool], threshold: float | None
) -> dict[str, float | None]:
    """Coverage and precision of the predictions at or above `threshold` (precision None when none are)."""
    c = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if threshold is None or not len(c):
        return {"threshold": threshold, "coverage": 0.0, "precision": None}
    taken = c >= threshold
    covered = int(taken.sum())
    return {
        "threshold": threshold,
        "coverage": covered / len(c),
        "precision": float(ok[taken].mean()) if covered else None,
    }

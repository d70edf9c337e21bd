"""The intake pipeline: normalise → extract → locate → classify → flag → route → decide, for every new message.

`read_text` is pure apart from cached look-ups (regions, taxonomy, the loaded models): it never writes and never
raises on bad text — whatever goes wrong becomes a `Problem` that sends the message to people. `route` and `decide`
turn a reading into ranked unit suggestions and the auto-dispatch decision. The actions call `run_intake` (on
submission and import) and `dispatch_if_confident` (on acceptance); both live in `liuyan.intake.hooks`.
"""

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save

from liuyan.geo.models import Region
from liuyan.intake import extract, flags, locate
from liuyan.intake.normalize import normalize_text
from liuyan.orgs.catalogue import CurrentCatalogue
from liuyan.orgs.models import CatalogueEntry, Unit
from liuyan.taxonomy.models import Category

log = logging.getLogger(__name__)

# Classification reads at most this much text: a 50,000-character paste says what it is about early on, and the
# models' cost grows with the length.
CLASSIFY_CHARS = 3000
# Fewer meaningful characters than this and nobody, human or model, can tell what a message is about.
MIN_MEANINGFUL_CHARS = 4
# How long the in-process catalogue and taxonomy copies are trusted before they are read again (other processes
# may change them; this process's own changes clear them at once through signals).
CACHE_SECONDS = 60.0
TOP_SUGGESTIONS = 3
# The located region replaces an empty or broader region chosen by the author when it is at least this sure.
LOCATE_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Problem:
    """Why the pipeline hands a message to people, in both languages."""

    code: str
    zh: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


@dataclass
class Guess:
    label: str
    confidence: float
    reason: str = ""
    ranked: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Reading:
    """Everything the pipeline read in one text, before it looks at units."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    region_id: int | None = None
    region_confidence: float | None = None
    region_evidence: list[str] = field(default_factory=list)
    type: Guess | None = None
    category: Guess | None = None
    category_ids: dict[str, int] = field(default_factory=dict)  # label → Category pk, for the labels it knows
    department: Guess | None = None
    flags: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitSuggestion:
    unit_id: int
    code: str
    name: str
    score: float
    reason_zh: str
    reason_en: str
    source: str  # "catalogue" (category × region → unit) or "router" (the learned department model)

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit_id,
            "code": self.code,
            "name": self.name,
            "score": round(self.score, 4),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "source": self.source,
        }


@dataclass
class Decision:
    auto: bool
    confidence: float | None
    threshold: float | None
    reason_zh: str
    reason_en: str


# ---------------------------------------------------------------------------------------------------------------
# Cached look-ups


class _Lookups:
    """The catalogue and the taxonomy's paths, held in memory for CACHE_SECONDS or until this process changes
    them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalogue: CurrentCatalogue | None = None
        self._categories: dict[str, int] | None = None
        self._category_names: dict[int, str] = {}
        self._units: dict[str, Unit | None] = {}
        self._loaded_at = 0.0

    def clear(self, **_: Any) -> None:
        with self._lock:
            self._catalogue = None
            self._categories = None

    def _fresh(self) -> None:
        if self._catalogue is not None and time.monotonic() - self._loaded_at < CACHE_SECONDS:
            return
        with self._lock:
            catalogue = CurrentCatalogue()
            rows = list(Category.objects.filter(is_active=True).values_list("pk", "path", "name"))
            by_label: dict[str, int] = {}
            names: dict[str, list[int]] = {}
            for pk, path, name in rows:
                by_label[path] = pk
                names.setdefault(name, []).append(pk)
            for name, pks in names.items():  # a bare name is a label only where it is unambiguous
                if len(pks) == 1:
                    by_label.setdefault(name, pks[0])
            self._catalogue, self._categories = catalogue, by_label
            self._category_names = {pk: path for pk, path, _ in rows}
            self._units = {}
            self._loaded_at = time.monotonic()

    def catalogue(self) -> CurrentCatalogue:
        self._fresh()
        assert self._catalogue is not None
        return self._catalogue

    def category_id(self, label: str) -> int | None:
        self._fresh()
        assert self._categories is not None
        return self._categories.get(label.strip())

    def category_path(self, pk: int) -> str:
        self._fresh()
        return self._category_names.get(pk, "")

    def unit_by_code(self, code: str) -> Unit | None:
        """An active unit by code (the router's labels), remembered with the other look-ups."""
        self._fresh()
        if code not in self._units:
            self._units[code] = Unit.objects.filter(code=code, is_active=True).first()
        return self._units[code]


lookups = _Lookups()
for _model in (CatalogueEntry, Category, Unit):
    post_save.connect(lookups.clear, sender=_model, dispatch_uid=f"intake-lookups-save-{_model.__name__}")
    post_delete.connect(lookups.clear, sender=_model, dispatch_uid=f"intake-lookups-delete-{_model.__name__}")


# ---------------------------------------------------------------------------------------------------------------
# Reading


def _meaningful_chars(text: str, enough: int = MIN_MEANINGFUL_CHARS) -> int:
    """Letters and digits in `text`, counted up to `enough` (a 50,000-character text need not be counted)."""
    found = 0
    for ch in text:
        if ch.isalnum():
            found += 1
            if found >= enough:
                break
    return found


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _guess(prediction: Any) -> Guess:
    ranked = [(str(label), float(p)) for label, p in getattr(prediction, "ranked", [])][:TOP_SUGGESTIONS]
    terms = [str(t) for t in getattr(prediction, "reason_terms", [])][:6]
    reason = "、".join(f"“{t}”" for t in terms)
    return Guess(str(prediction.label), float(prediction.confidence), reason, ranked)


def _classify(
    task: str, texts: Sequence[str], prepared: Sequence[str], grams: Any, readings: Sequence[Reading]
) -> list[Guess | None]:
    from liuyan.classify.store import load_active

    try:
        model = load_active(task)
    except Exception:  # a broken model file must not stop intake; people dispatch meanwhile
        log.exception("the active %s model failed to load", task)
        for r in readings:
            r.problems.append(Problem("model_failed", f"“{task}”模型无法加载", f"the {task} model failed to load"))
        return [None] * len(texts)
    if model is None:
        return [None] * len(texts)
    for r in readings:
        r.models[task] = model.version
    try:
        predictions: list[Any] = model.predict(list(texts), prepared=prepared, grams=grams)
    except Exception:
        log.exception("the %s model failed on a batch", task)
        predictions = []
        for text in texts:  # one bad text must not cost the rest of the batch their reading
            try:
                predictions.extend(model.predict([text]))
            except Exception:
                predictions.append(None)
    return [_guess(p) if p is not None else None for p in predictions]


def _feature_text(text: str) -> str:
    from liuyan.classify.features import feature_text

    try:
        return feature_text(text)
    except Exception:
        log.exception("preparing the feature text failed")
        return ""


def _batch_grams(prepared: Sequence[str]) -> Any:
    """The batch's n-grams for the models to share, or None (a batch too large for one step, or a failure: then
    each model computes its own)."""
    from liuyan.classify.features import CHUNK, BatchGrams

    if len(prepared) > CHUNK:
        return None
    try:
        return BatchGrams(prepared)
    except Exception:
        log.exception("computing the batch's n-grams failed")
        return None


def _stage(reading: Reading, name: str, zh: str, fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except Exception:
        log.exception("intake stage %s failed", name)
        reading.problems.append(Problem(f"{name}_failed", f"{zh}出错", f"the {name} step failed"))
        return None


def read_texts(items: Iterable[tuple[str, str, int | None, dt.date | None]]) -> list[Reading]:
    """Read a batch of (title, body, author's region id, day written — for 昨天 and 上周): the classifiers see the
    whole batch at once."""
    readings: list[Reading] = []
    for title, body, author_region_id, written in items:
        try:
            text = normalize_text(f"{title}\n{body}")
        except Exception:
            log.exception("normalising failed")
            text = f"{title}\n{body}"
        r = Reading(text=text)
        readings.append(r)
        if _meaningful_chars(text) < MIN_MEANINGFUL_CHARS:
            r.problems.append(
                Problem("too_short", "内容过短，无法判断诉求", "too little text to tell what it is about")
            )
        elif not _has_chinese(text):
            r.problems.append(
                Problem("not_chinese", "内容不含中文，需人工阅读", "no Chinese text: a person must read it")
            )
        found = _stage(r, "extract", "信息提取", extract.extract, text, today=written)
        if found is not None:
            r.entities = found.to_json()
        place = _stage(r, "locate", "地点识别", locate.locate, text, author_region_id=author_region_id)
        if place is not None:
            r.region_id, r.region_confidence = place.region_id, place.confidence
            r.region_evidence = list(place.evidence)
        elif author_region_id is None:
            r.problems.append(Problem("no_place", "未识别出地点", "no recognisable place"))
        raised = _stage(r, "flags", "重点识别", flags.key_flags, text)
        r.flags = [f.to_json() for f in raised or []]
    texts = [r.text[:CLASSIFY_CHARS] for r in readings]
    prepared = [_feature_text(t) for t in texts]  # the same for the three models: prepared once
    grams = _batch_grams(prepared)  # and their n-grams
    for task in ("type", "category", "department"):
        guesses = _classify(task, texts, prepared, grams, readings)
        for r, g in zip(readings, guesses, strict=True):
            setattr(r, task, g)
    for r in readings:
        if r.category is None:
            continue
        for label, _p in [(r.category.label, r.category.confidence), *r.category.ranked]:
            pk = lookups.category_id(label)
            if pk is not None:
                r.category_ids[label] = pk
        if r.category.label not in r.category_ids:
            r.problems.append(
                Problem(
                    "unknown_category",
                    f"模型给出的领域“{r.category.label}”不在分类体系中",
                    f"the model's category '{r.category.label}' is not in the taxonomy",
                )
            )
    return readings


def read_text(title: str, body: str, *, author_region_id: int | None = None, written: dt.date | None = None) -> Reading:
    return read_texts([(title, body, author_region_id, written)])[0]


# ---------------------------------------------------------------------------------------------------------------
# Routing and the decision


def routing_region(reading: Reading, chosen_region: Region | None) -> tuple[int | None, float, str]:
    """The region to route by, how sure that is, and why: the author's choice, narrowed by the text where the
    text names a place inside it; the text's place alone when the author chose none."""
    located = reading.region_id
    sure = reading.region_confidence or 0.0
    if chosen_region is None:
        if located is not None and sure >= LOCATE_CONFIDENCE:
            return located, sure, "文中地点"
        return None, 0.0, ""
    if located is None or located == chosen_region.pk:
        return chosen_region.pk, 1.0, "留言地区"
    place = Region.objects.filter(pk=located).only("pk", "path").first()
    if place is not None and place.path.startswith(chosen_region.path) and sure >= LOCATE_CONFIDENCE:
        return located, sure, "文中地点"
    if place is not None and chosen_region.path.startswith(place.path):
        return chosen_region.pk, 1.0, "留言地区"  # the text names a broader place: the author's is more precise
    # The text is about somewhere else than the author said: route by the author's choice, but not by itself.
    return chosen_region.pk, 0.5, "留言地区（与文中地点不一致）"


def route(reading: Reading, *, chosen_category_id: int | None, region_id: int | None) -> list[UnitSuggestion]:
    """Units best first. Category × region through the responsibility catalogue (falling back up both trees),
    scored by the category model's probabilities summed per unit; where the catalogue is silent for the most
    likely category, the learned router (trained on past dispatches) comes first. (The message's own category
    through the catalogue is the dispatch queue's own suggestion: liuyan.web.suggestions.)"""
    catalogue = _catalogue_suggestions(reading, region_id)
    router = _router_suggestions(reading)
    top = reading.category_ids.get(reading.category.label) if reading.category is not None else None
    silent = top is None or region_id is None or lookups.catalogue().entry(top, region_id) is None
    ranked = [*router, *catalogue] if silent and router else [*catalogue, *router]
    out: list[UnitSuggestion] = []
    for suggestion in ranked:
        if all(s.unit_id != suggestion.unit_id for s in out):
            out.append(suggestion)
    return out[:TOP_SUGGESTIONS]


def _catalogue_suggestions(reading: Reading, region_id: int | None) -> list[UnitSuggestion]:
    if region_id is None:
        return []
    scores: dict[int, float] = {}
    why: dict[int, list[str]] = {}
    units: dict[int, Unit] = {}
    catalogue = lookups.catalogue()
    candidates: list[tuple[int, float, str]] = []
    if reading.category is not None:
        ranked = reading.category.ranked or [(reading.category.label, reading.category.confidence)]
        for label, p in ranked:
            pk = reading.category_ids.get(label)
            if pk is not None:
                candidates.append((pk, p, label))
    for pk, p, label in candidates:
        entry = catalogue.entry(pk, region_id)
        if entry is None:
            continue
        units[entry.unit_id] = entry.unit
        scores[entry.unit_id] = scores.get(entry.unit_id, 0.0) + p
        why.setdefault(entry.unit_id, []).append(label)
    because = f"；依据{reading.category.reason}" if reading.category and reading.category.reason else ""
    return [
        UnitSuggestion(
            unit_id=pk,
            code=units[pk].code,
            name=units[pk].name,
            score=min(scores[pk], 1.0),
            reason_zh=f"派单目录：{'、'.join(why[pk])} → {units[pk].name}{because}",
            reason_en=f"Catalogue: {', '.join(why[pk])} → {units[pk].code}",
            source="catalogue",
        )
        for pk in sorted(scores, key=lambda k: -scores[k])
    ]


def _router_suggestions(reading: Reading) -> list[UnitSuggestion]:
    if reading.department is None:
        return []
    out: list[UnitSuggestion] = []
    because = f"；依据{reading.department.reason}" if reading.department.reason else ""
    for code, p in reading.department.ranked or [(reading.department.label, reading.department.confidence)]:
        unit = lookups.unit_by_code(code)
        if unit is not None:
            out.append(
                UnitSuggestion(
                    unit_id=unit.pk,
                    code=unit.code,
                    name=unit.name,
                    score=p,
                    reason_zh=f"按历史交办推荐（{p:.0%}）{because}",
                    reason_en=f"Learned from past dispatches ({p:.0%})",
                    source="router",
                )
            )
    return out


def model_threshold(task: str) -> float | None:
    from liuyan.classify.store import load_active

    try:
        model = load_active(task)
    except Exception:
        return None
    return None if model is None else model.threshold


def decide(
    reading: Reading,
    suggestions: Sequence[UnitSuggestion],
    *,
    region_id: int | None,
    region_certainty: float,
    chosen_category_id: int | None,
    board_enabled: bool,
    board_threshold: float | None,
) -> Decision:
    """Auto-dispatch only when the board allows it, nothing needs a person, and the best unit's confidence (times
    how sure the region is) reaches the board's threshold, or else the threshold the model chose on validation
    data for the target precision."""
    if not suggestions:
        return Decision(False, None, None, "无可推荐的办理单位", "no unit to suggest")
    best = suggestions[0]
    confidence = best.score * region_certainty
    task = "category" if best.source == "catalogue" else "department"
    threshold = board_threshold if board_threshold is not None else model_threshold(task)
    blockers = list(reading.problems)
    if chosen_category_id is not None and reading.category is not None and region_id is not None:
        chosen_unit = lookups.catalogue().unit(chosen_category_id, region_id)
        if chosen_unit is not None and chosen_unit.pk != best.unit_id:
            blockers.append(
                Problem(
                    "category_disagrees",
                    "留言所选领域对应的单位与智能判断不一致",
                    "the category chosen for the message leads to another unit than the model's",
                )
            )
    if threshold is None:
        return Decision(False, confidence, None, "没有可用的判处模型阈值", "no model threshold to hold it against")
    if blockers:
        return Decision(
            False, confidence, threshold, "；".join(p.zh for p in blockers), "; ".join(p.en for p in blockers)
        )
    if confidence < threshold:
        return Decision(
            False,
            confidence,
            threshold,
            f"置信度{confidence:.1%}低于阈值{threshold:.1%}",
            f"confidence {confidence:.1%} below the threshold {threshold:.1%}",
        )
    if not board_enabled:
        return Decision(
            False,
            confidence,
            threshold,
            f"置信度{confidence:.1%}已达阈值，但本留言板未开启自动交办",
            f"confident ({confidence:.1%}) but the board does not auto-dispatch",
        )
    return Decision(
        True,
        confidence,
        threshold,
        f"自动交办：置信度{confidence:.1%}≥阈值{threshold:.1%}；{best.reason_zh}",
        f"auto-dispatch: confidence {confidence:.1%} ≥ {threshold:.1%}; {best.reason_en}",
    )

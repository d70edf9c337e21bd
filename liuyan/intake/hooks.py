"""Where the lifecycle actions call the intake pipeline: on submission and import, on acceptance, on people's
dispatch and reclassification decisions (kept as labelled examples)."""

import contextlib
import contextvars
import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liuyan.common.clock import now as clock_now
from liuyan.intake.models import Decision as DecisionChoice
from liuyan.intake.models import ExampleSource, IntakeResult, LabeledExample
from liuyan.intake.pipeline import (
    Decision,
    Problem,
    Reading,
    UnitSuggestion,
    decide,
    model_threshold,
    read_texts,
    route,
    routing_region,
)

if TYPE_CHECKING:
    from liuyan.messages.access import Actor
    from liuyan.messages.models import Message

log = logging.getLogger(__name__)

# Messages still waiting for review or dispatch: the ones a new model's reading can still help.
OPEN_FOR_DISPATCH = ["submitted", "under_review", "accepted"]

# Earlier messages from the same person within this many days make a repeated complaint (重复投诉) at this count.
REPEAT_DAYS = 90
REPEAT_COUNT = 2
# A key-message flag at least this sure puts the message on the supervisors' screen (重点留言).
KEY_CONFIDENCE = 0.7
REPEAT_LOOKBACK = 20  # the person's latest messages compared
SIMILAR = 0.45  # bigram Jaccard at which two messages are about the same thing
SIMILAR_CHARS = 500


def _day(message: "Message") -> dt.date:
    return timezone.localtime(message.submitted_at).date()


def message_text(message: "Message") -> str:
    return f"{message.title}\n{message.body}"


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams: near 1 for the same complaint reworded, near 0 for another."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def _repeats(message: "Message") -> int:
    """Earlier messages of the same person (account or phone) within REPEAT_DAYS about the same thing."""
    from liuyan.messages.models import Message

    who = Q()
    if message.author_id is not None:
        who |= Q(author_id=message.author_id)
    if message.contact_phone:
        who |= Q(contact_phone=message.contact_phone)
    if not who:
        return 0
    since = message.submitted_at - dt.timedelta(days=REPEAT_DAYS)
    earlier = (
        Message.objects.filter(who, submitted_at__gte=since, submitted_at__lte=message.submitted_at)
        .exclude(pk=message.pk)
        .order_by("-submitted_at")
        .values_list("title", "body")[:REPEAT_LOOKBACK]
    )
    text = f"{message.title}{message.body[:SIMILAR_CHARS]}"
    return sum(1 for title, body in earlier if similarity(text, f"{title}{body[:SIMILAR_CHARS]}") >= SIMILAR)


def _repeat_flag(message: "Message") -> dict[str, Any] | None:
    earlier = _repeats(message)
    if earlier < REPEAT_COUNT:
        return None
    return {
        "code": "repeated_complaint",
        "label": "重复投诉",
        "confidence": min(1.0, 0.5 + 0.1 * earlier),
        "reason": f"同一留言人{REPEAT_DAYS}天内已就相似问题留言{earlier}次",
        "terms": [],
    }


def _result_fields(
    reading: Reading, suggestions: list[UnitSuggestion], decision: Any, started: float
) -> dict[str, Any]:
    return {
        "processed_at": clock_now(),
        "duration_ms": (time.perf_counter() - started) * 1000,
        "models_used": reading.models,
        "entities": reading.entities,
        "region_id": reading.region_id,
        "region_confidence": reading.region_confidence,
        "region_evidence": reading.region_evidence,
        "type": reading.type.label[:12] if reading.type else "",
        "type_confidence": reading.type.confidence if reading.type else None,
        "type_reason": reading.type.reason[:200] if reading.type else "",
        "category_id": reading.category_ids.get(reading.category.label) if reading.category else None,
        "category_confidence": reading.category.confidence if reading.category else None,
        "category_reason": reading.category.reason[:200] if reading.category else "",
        "flags": reading.flags,
        "suggestions": [s.to_json() for s in suggestions],
        "decision": DecisionChoice.AUTO if decision.auto else DecisionChoice.HUMAN,
        "confidence": decision.confidence,
        "threshold": decision.threshold,
        "reason_zh": decision.reason_zh[:300],
        "reason_en": decision.reason_en[:300],
        "problems": [p.to_json() for p in reading.problems],
    }


def assess(message: "Message", reading: Reading, started: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """The result row's fields and the message fields the pipeline fills in (only where empty)."""
    from liuyan.geo.models import Region
    from liuyan.taxonomy.models import Category

    fill: dict[str, Any] = {}
    category_id = message.category_id
    predicted_category = reading.category_ids.get(reading.category.label) if reading.category else None
    category_threshold = model_threshold("category")
    if (
        category_id is None
        and predicted_category is not None
        and reading.category is not None
        and category_threshold is not None
        and reading.category.confidence >= category_threshold
    ):
        fill["category"] = Category.objects.get(pk=predicted_category)
    region_id, certainty, _why = routing_region(reading, message.region)
    if message.region_id is None and region_id is not None:
        fill["region"] = Region.objects.get(pk=region_id)
    suggestions = route(reading, chosen_category_id=category_id, region_id=region_id)
    decision = decide(
        reading,
        suggestions,
        region_id=region_id,
        region_certainty=certainty,
        chosen_category_id=category_id,
        board_enabled=message.board.auto_dispatch,
        board_threshold=message.board.auto_dispatch_threshold,
    )
    return _result_fields(reading, suggestions, decision, started), fill


def run_intake(message: "Message") -> tuple[IntakeResult, dict[str, Any]]:
    """Read a new message, store the reading and return it with the fields to fill in. Never raises on what the
    message says: a failure becomes a problem on the result, and the message goes to people."""
    started = time.perf_counter()
    reading = read_texts([(message.title, message.body, message.region_id, _day(message))])[0]
    return _store(message, reading, started)


def reread(messages: "list[Message]") -> int:
    """Read a batch of stored messages again (after a model update) and store the new readings; the messages'
    own fields stay as they are. Returns how many were read."""
    started = time.perf_counter()
    readings = read_texts([(m.title, m.body, m.region_id, _day(m)) for m in messages])
    for message, reading in zip(messages, readings, strict=True):
        _store(message, reading, started)
    return len(messages)


def _store(message: "Message", reading: Reading, started: float) -> tuple[IntakeResult, dict[str, Any]]:
    repeated = _repeat_flag(message)
    if repeated is not None:
        reading.flags.append(repeated)
    try:
        with transaction.atomic():  # a savepoint: a failed look-up must not spoil the submission's transaction
            fields, fill = assess(message, reading, started)
    except Exception:
        log.exception("routing message %s failed", message.pk)
        reading.problems.append(Problem("route_failed", "派单推荐出错", "routing failed"))
        fields = {
            **_result_fields(
                reading,
                [],
                Decision(False, None, None, "派单推荐出错，请人工交办", "routing failed: dispatch by hand"),
                started,
            ),
        }
        fill = {}
    result, _ = IntakeResult.objects.update_or_create(message=message, defaults=fields)
    return result, fill


def key_flags_of(result: IntakeResult) -> list[dict[str, Any]]:
    """The flags sure enough to put a message on the supervisors' screen (weaker ones stay in the reading)."""
    return [f for f in result.flags if float(f.get("confidence", 0)) >= KEY_CONFIDENCE]


def key_reason(result: IntakeResult) -> str:
    """Why intake flags the message key, or "" when it does not."""
    return "；".join(str(f.get("reason", f.get("code", ""))) for f in key_flags_of(result))[:200]


@contextlib.contextmanager
def planned_history() -> Iterator[None]:
    """Within this block nothing is dispatched by itself: a simulation (the demo) that plans every dispatch of
    its history, whatever models are active."""
    token = _auto_dispatch.set(False)
    try:
        yield
    finally:
        _auto_dispatch.reset(token)


_auto_dispatch: contextvars.ContextVar[bool] = contextvars.ContextVar("liuyan_auto_dispatch", default=True)


def dispatch_if_confident(message: "Message") -> "Message":
    """After acceptance: dispatch by itself when the intake decision (redone if people changed the category or
    region since) says so and the board allows it. Any refusal leaves the message accepted, for a dispatcher."""
    from liuyan.messages.access import Actor
    from liuyan.messages.actions.handling import do_dispatch
    from liuyan.orgs.models import Unit

    if not message.board.auto_dispatch or not _auto_dispatch.get():
        return message
    result = IntakeResult.objects.filter(message=message).first()
    if result is None:
        return message
    if _reclassified_since(message, result):
        result, _fill = run_intake(message)  # read again as it now stands; the message's fields stay
    if result.decision != DecisionChoice.AUTO:
        return message
    best = result.suggestions[0] if result.suggestions else None
    unit = Unit.objects.filter(pk=best["unit"], is_active=True).first() if best else None
    if unit is None:
        return message
    try:
        with transaction.atomic():
            return do_dispatch(Actor.system(), message, unit=unit, note=result.reason_zh, confidence=result.confidence)
    except Exception:
        log.exception("auto-dispatch of %s failed; it waits for a dispatcher", message.number)
        message.refresh_from_db()
        return message


def _reclassified_since(message: "Message", result: IntakeResult) -> bool:
    """Whether people changed the type, category, region or board since intake read the message."""
    return message.events.filter(action="reclassify", at__gte=result.processed_at).exists()


def record_decision(
    actor: "Actor", message: "Message", *, task: str, label: str, source: str = ExampleSource.DISPATCH
) -> None:
    """A person's dispatch or reclassification, kept as a labelled example beside what the pipeline had said."""
    if actor.user is None:
        return
    predicted = ""
    result = IntakeResult.objects.filter(message=message).only("suggestions", "category_id", "type").first()
    if result is not None:
        if task == "department":
            predicted = next((str(s["code"]) for s in result.suggestions if "code" in s), "")
        elif task == "category" and result.category_id is not None:
            from liuyan.taxonomy.models import Category

            predicted = Category.objects.filter(pk=result.category_id).values_list("path", flat=True).first() or ""
        elif task == "type":
            predicted = result.type
    if source == ExampleSource.DISPATCH and predicted and predicted != label:
        source = ExampleSource.CORRECTION
    LabeledExample.objects.create(
        task=task,
        message=message,
        text=message_text(message)[:5000],
        label=label[:255],
        predicted=predicted[:255],
        source=source,
        created_at=clock_now(),
        created_by=actor.user,
    )

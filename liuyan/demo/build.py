"""`liuyan demo` in code: reference data, the 西地省 demo province, accounts, simulated messages, and the demo reset."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from liuyan.deadlines.clock import invalidate_calendar
from liuyan.deadlines.policy import invalidate_policies
from liuyan.demo.models import DemoBuild
from liuyan.demo.reference import ReferenceReport, build_ministries, build_province, load_reference_data
from liuyan.demo.simulate import SimulationReport, Simulator
from liuyan.demo.users import citizens_for, ensure_users, logins_table, write_logins
from liuyan.geo.region_lookup import clear_region_cache
from liuyan.intake.demo_models import DEMO_PER_TOPIC, DemoModels, ensure_demo_models
from liuyan.intake.hooks import OPEN_FOR_DISPATCH, planned_history, reread
from liuyan.intake.models import IntakeResult, LabeledExample
from liuyan.messages.models import (
    Assignment,
    Attachment,
    ContactLog,
    Event,
    HandlingRequest,
    Message,
    Note,
    Rating,
    Reply,
    Source,
)
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from liuyan.rollups.upkeep import fold as fold_rollups

CATALOGUE_LEAD_DAYS = 400  # the catalogue is valid from before the first simulated message
SHOWCASE_STATES = [State.REPLIED, State.ANSWERED_DIRECTLY, State.IN_PROGRESS, State.RATED, State.CLOSED]


class DemoError(Exception):
    """The demo cannot be built as asked; the message says what to do (Chinese / English)."""


@dataclass
class BuildResult:
    reference: ReferenceReport
    users_created: int
    build: DemoBuild
    skipped: bool  # the messages were built by an earlier run
    simulation: SimulationReport | None
    deleted: int  # demo messages removed by --reset
    states: dict[str, int]
    logins: str
    logins_path: Path
    overlays: dict[str, int] = field(default_factory=dict)
    models: DemoModels | None = None  # what the build trained for intake (None: not asked to)


def default_as_of() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def build_demo(
    *,
    messages: int = 2000,
    seed: int = 2026,
    reset: bool = False,
    as_of: dt.datetime | None = None,
    progress: bool = True,
    logins_path: Path | None = None,
    train_models: bool = True,
    models_per_topic: int = DEMO_PER_TOPIC,
) -> BuildResult:
    """Build the demo; idempotent: reference data and accounts are only added when missing, and the messages are
    skipped when an earlier run built them (unless `reset`, which deletes the demo messages first)."""
    if messages < 1:
        raise DemoError("留言数量至少为 1 / --messages must be at least 1")
    as_of = as_of or default_as_of()
    if timezone.is_naive(as_of):
        raise DemoError("as_of 需要带时区 / as_of needs a time zone")
    # Caches of other apps may hold rows of a rolled-back transaction (tests) or of another database.
    invalidate_calendar()
    invalidate_policies()
    clear_region_cache()

    deleted = reset_demo_messages() if reset else 0
    reference = ReferenceReport()
    load_reference_data(reference)
    province = build_province(reference, catalogue_since=as_of - dt.timedelta(days=CATALOGUE_LEAD_DAYS))
    build_ministries(reference)
    staff = ensure_users(province, citizens=citizens_for(messages))

    demo = Message.objects.filter(source=Source.DEMO)
    finished = DemoBuild.objects.filter(finished_at__isnull=False).first()
    simulation: SimulationReport | None = None
    if demo.exists():
        if finished is None:
            raise DemoError(
                "上次构建演示数据未完成，请加 --reset 重新构建 / an earlier demo build did not finish: rerun with --reset"
            )
        build, skipped = finished, True
    else:
        DemoBuild.objects.all().delete()
        build = DemoBuild.objects.create(seed=seed, messages=messages, as_of=as_of)
        with planned_history():  # the plan decides every dispatch of the simulated history
            simulation = Simulator(province, staff, seed=seed, messages=messages, as_of=as_of, progress=progress).run()
        build.built = simulation.messages
        build.seconds = round(simulation.seconds, 2)
        build.showcase = _showcase(simulation.query_codes)
        # The simulated history happened before "now": its notices are for the in-app inbox, not for e-mail.
        Notification.objects.filter(delivered_at__isnull=True).update(delivered_at=as_of, delivery="none")
        build.finished_at = timezone.now()
        build.save()
        skipped = False
    models = ensure_demo_models(per_topic=models_per_topic) if train_models else None
    if models is not None and models.trained:
        # What waits for review or dispatch is read again with the new models (suggestions, reasons).
        waiting = list(Message.objects.filter(state__in=OPEN_FOR_DISPATCH).select_related("board"))
        for start in range(0, len(waiting), 200):
            reread(waiting[start : start + 200])

    fold_rollups()  # the simulated history's deltas into the monthly summaries (readers add the rest anyway)
    table = logins_table(build.showcase, citizens=len(staff.citizens) - 1)
    path = write_logins(logins_path or settings.VAR_DIR / "demo-logins.txt", table)
    return BuildResult(
        reference=reference,
        users_created=staff.created,
        build=build,
        skipped=skipped,
        simulation=simulation,
        deleted=deleted,
        states=state_counts(),
        logins=table,
        logins_path=path,
        overlays=overlay_counts(),
        models=models,
    )


def _showcase(codes: dict[int, str]) -> dict[str, str]:
    """An anonymous message to try tracking by number and 查询码, preferring one with a published reply."""
    if not codes:
        return {}
    rows = Message.objects.filter(pk__in=list(codes)).values_list("pk", "number", "state")
    rank: dict[str, int] = {str(state): i for i, state in enumerate(SHOWCASE_STATES)}
    best = min(rows, key=lambda r: (rank.get(r[2], len(rank)), r[0]), default=None)
    if best is None:
        return {}
    return {"number": best[1], "code": codes[best[0]], "state": best[2]}


def state_counts() -> dict[str, int]:
    """Demo messages per state, in lifecycle order."""
    rows = dict(Message.objects.filter(source=Source.DEMO).order_by().values_list("state").annotate(n=Count("pk")))
    return {state.value: rows.get(state.value, 0) for state in State}


def overlay_counts() -> dict[str, int]:
    demo = Message.objects.filter(source=Source.DEMO)
    return {
        "yellow": demo.filter(warning="yellow").count(),
        "red": demo.filter(warning="red").count(),
        "overdue": demo.filter(is_overdue=True).count(),
        "urged": demo.filter(urge_count__gt=0).count(),
        "supervised": demo.exclude(supervision_level="").count(),
        "escalated": demo.filter(supervision_level="escalated").count(),
        "key": demo.filter(is_key=True).count(),
        "reopened": demo.filter(reopen_count__gt=0).count(),
        "confidential": demo.filter(is_public=False).count(),
        "anonymous": demo.filter(author__isnull=True).count(),
        "duplicates": demo.filter(duplicate_of__isnull=False).count(),
        "transferred": demo.filter(transfer_count__gt=0).count(),
        "returned": demo.filter(return_count__gt=0).count(),
        "extended": demo.filter(extension_count__gt=0).count(),
        "events": Event.objects.filter(message__source=Source.DEMO).count(),
    }


# Rows that hang off a message, deleted in dependency order before the messages themselves.
_DEPENDENTS: tuple[type[models.Model], ...] = (
    Notification,
    Event,
    Rating,
    ContactLog,
    Note,
    Assignment,
    Attachment,
    HandlingRequest,
    Reply,
    IntakeResult,
    LabeledExample,  # people's decisions in the simulated history: demo data too
)


def reset_demo_messages() -> int:
    """Demo reset: delete every demo-sourced message (source="demo") with everything that hangs off it.

    Events are append-only (`Event.delete()` refuses); this reset is the one deliberate exception, limited to events
    of demo messages. Everything goes in one transaction with raw queryset deletes (no per-row signals, so a million
    demo messages go in seconds), children before parents. Returns how many messages were deleted.
    """
    demo_ids = Message.objects.filter(source=Source.DEMO).values("pk")
    handled = {m for m in _DEPENDENTS} | {Message}
    with transaction.atomic():
        unknown = [
            rel.related_model.__name__
            for rel in Message._meta.related_objects
            if rel.related_model not in handled
            and rel.related_model._default_manager.filter(**{f"{rel.field.name}__in": demo_ids}).exists()
        ]
        if Message.objects.exclude(source=Source.DEMO).filter(duplicate_of__source=Source.DEMO).exists():
            unknown.append("Message.duplicate_of")
        if unknown:
            raise DemoError(
                f"演示数据被其他表引用，无法重置：{', '.join(unknown)} / demo messages are referenced from "
                f"{', '.join(unknown)}: teach liuyan.demo.build.reset_demo_messages about them"
            )
        through = HandlingRequest.target_units.through
        _raw_delete(through.objects.filter(handlingrequest__message__in=demo_ids))
        for model in _DEPENDENTS:
            rows = model._default_manager.filter(message__in=demo_ids)
            if model is Reply:
                _raw_delete(rows.filter(source_reply__isnull=False))  # group-reply copies point to the original
            _raw_delete(rows)
        deleted = _raw_delete(Message.objects.filter(source=Source.DEMO, duplicate_of__isnull=False))
        deleted += _raw_delete(Message.objects.filter(source=Source.DEMO))
        DemoBuild.objects.all().delete()
    return deleted


def _raw_delete(queryset: "models.QuerySet[Any]") -> int:
    return queryset._raw_delete(queryset.db)

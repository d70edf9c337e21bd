"""Where a message should be dispatched, with the reason: one function for a page of messages and for one message.

Two sources, in this order: the intake pipeline's ranked units (智能判处: the category model through the
responsibility catalogue, or the learned router; each with its confidence and the words that decided it), then the
catalogue entry for the message's own category × region when the pipeline did not already name that unit. The
dispatch queue, bulk dispatch and the workspace all show (and use) the same list.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from liuyan.geo.models import Region
from liuyan.intake.models import IntakeResult
from liuyan.messages.models import Message
from liuyan.orgs.catalogue import CurrentCatalogue, responsible_entry
from liuyan.orgs.models import Unit
from liuyan.taxonomy.models import Category
from liuyan.web.i18n import bi

# Up to this many messages the catalogue is asked per message (two queries each); beyond it, it is loaded once.
PER_MESSAGE_LIMIT = 2


@dataclass(frozen=True)
class Suggestion:
    unit: Unit
    reason_zh: str
    reason_en: str
    source: str  # "catalogue" (the message's own category), "intake" (the pipeline's), "router" (learned)
    score: float | None = None  # confidence, for ranked guesses

    @property
    def reason(self) -> str:
        return bi(self.reason_zh, self.reason_en)

    @property
    def score_label(self) -> str:
        """ "置信度 97%" for ranked guesses; empty for catalogue look-ups, which have no confidence."""
        return "" if self.score is None else bi(f"置信度 {self.score:.0%}", f"confidence {self.score:.0%}")


def _catalogue(unit: Unit, category_path: str, region_name: str) -> Suggestion:
    return Suggestion(
        unit=unit,
        reason_zh=f"派单目录：{category_path} × {region_name} → {unit.name}",
        reason_en=f"Catalogue: {category_path} × {region_name} → {unit.name}",
        source="catalogue",
    )


def _from_intake(messages: Sequence[Message]) -> dict[int, list[Suggestion]]:
    rows = IntakeResult.objects.filter(message__in=[m.pk for m in messages]).values_list("message_id", "suggestions")
    ranked = dict(rows)
    unit_ids = {s["unit"] for items in ranked.values() for s in items}
    units = Unit.objects.in_bulk(unit_ids) if unit_ids else {}
    return {
        pk: [
            Suggestion(
                unit=units[s["unit"]],
                reason_zh=str(s.get("reason_zh", "")),
                reason_en=str(s.get("reason_en", "")),
                source="router" if s.get("source") == "router" else "intake",
                score=float(s["score"]) if s.get("score") is not None else None,
            )
            for s in items
            if s["unit"] in units and units[s["unit"]].is_active
        ]
        for pk, items in ranked.items()
    }


def suggestions_for(messages: Sequence[Message]) -> dict[int, list[Suggestion]]:
    """Suggestions per message id, best first (an empty list: nothing to suggest). For a page of messages this
    costs a fixed number of queries, not some per row; give the messages with their category and region loaded."""
    intake = _from_intake(messages) if messages else {}
    catalogue = _from_catalogue(messages)
    out: dict[int, list[Suggestion]] = {}
    for m in messages:
        ranked = list(intake.get(m.pk, []))
        named = {s.unit.pk for s in ranked}
        ranked.extend(s for s in catalogue[m.pk] if s.unit.pk not in named)
        out[m.pk] = ranked
    return out


def _from_catalogue(messages: Sequence[Message]) -> dict[int, list[Suggestion]]:
    out: dict[int, list[Suggestion]] = {m.pk: [] for m in messages}
    placed = [m for m in messages if m.category_id is not None and m.region_id is not None]
    if len(placed) <= PER_MESSAGE_LIMIT:
        for m in placed:
            entry = responsible_entry(m.category, m.region)
            if entry is not None:
                out[m.pk].append(_catalogue(entry.unit, entry.category.path, entry.region.name))
        return out
    catalogue = CurrentCatalogue()
    entries = {m.pk: catalogue.entry(m.category_id, m.region_id) for m in placed}  # type: ignore[arg-type]
    # Names of the entries' category and region: the message's own (loaded with it), else one query each.
    paths = {m.category_id: m.category.path for m in placed if m.category is not None}
    names = {m.region_id: m.region.name for m in placed if m.region is not None}
    found = [e for e in entries.values() if e is not None]
    missing_categories = {e.category_id for e in found} - set(paths)
    missing_regions = {e.region_id for e in found} - set(names)
    if missing_categories:
        paths.update(Category.objects.filter(pk__in=missing_categories).values_list("pk", "path"))
    if missing_regions:
        names.update(Region.objects.filter(pk__in=missing_regions).values_list("pk", "name"))
    for pk, entry in entries.items():
        if entry is not None:
            out[pk].append(_catalogue(entry.unit, paths.get(entry.category_id, ""), names.get(entry.region_id, "")))
    return out


def best_unit(suggestions: Sequence[Suggestion]) -> Unit | None:
    """The unit "按建议交办" sends a message to: the first suggestion's."""
    return suggestions[0].unit if suggestions else None

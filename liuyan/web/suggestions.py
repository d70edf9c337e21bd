"""Where a message should be dispatched, with the reason: one function for a page of messages and for one message.

Today the only source is the responsibility catalogue (派单目录). The intelligent dispatch work adds its ranked
guesses here, so that the dispatch queue, bulk dispatch and the workspace all show (and use) the same list.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from liuyan.geo.models import Region
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
    source: str  # "catalogue"; the dispatch engine will add its own
    score: float | None = None  # confidence, for ranked guesses

    @property
    def reason(self) -> str:
        return bi(self.reason_zh, self.reason_en)


def _catalogue(unit: Unit, category_path: str, region_name: str) -> Suggestion:
    return Suggestion(
        unit=unit,
        reason_zh=f"派单目录：{category_path} × {region_name} → {unit.name}",
        reason_en=f"Catalogue: {category_path} × {region_name} → {unit.name}",
        source="catalogue",
    )


def suggestions_for(messages: Sequence[Message]) -> dict[int, list[Suggestion]]:
    """Suggestions per message id, best first (an empty list: nothing to suggest). For a page of messages this
    costs a fixed number of queries, not some per row; give the messages with their category and region loaded."""
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

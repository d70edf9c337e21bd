"""Hand-made rollups for the dashboard's tests (the unit tests and the browser test share them)."""

import datetime as dt

from liuyan.geo.models import Region, RegionLevel
from liuyan.messages.models import MessageType
from liuyan.rollups import upkeep
from liuyan.rollups.metrics import COUNTERS
from liuyan.taxonomy.models import Category
from tests.world import World

SUGGESTION = MessageType.SUGGESTION.value
COMPLAINT = MessageType.COMPLAINT.value


def put(
    day: str, region: Region, category: Category, board_id: int, type_: str = COMPLAINT, unit: int = 0, **counts: int
) -> None:
    """One daily rollup row (and its monthly summaries) as the lifecycle would have written it."""
    row = dict.fromkeys(COUNTERS, 0)
    row.update(counts)
    row["messages"] = row["messages"] or row["valid"]
    upkeep.add({(dt.date.fromisoformat(day), region.pk, board_id, unit, category.pk, type_): row})


def build_figures(world: World) -> World:
    """Rollups of 2025 in two provinces, three boards, two units and three domains, and of 2024 in A1区."""
    east = Region.objects.create(code="X02", name="东海省", level=RegionLevel.PROVINCE, is_custom=True)
    city_c = Region.objects.create(code="X0201", name="C市", level=RegionLevel.CITY, parent=east, is_custom=True)
    w = world
    put(
        "2025-03-01",
        w.county_a1,
        w.housing,
        w.a_board.pk,
        unit=w.a_housing.pk,
        valid=30,
        replied=24,
        closed=20,
        closed_on_time=15,
        dispatched=30,
        contacted_on_time=27,
        rated=10,
        satisfied=6,
        basically_satisfied=2,
        unsatisfied=2,
        resolution_answered=8,
        resolved=6,
        returns=2,
        reply_hours=24 * 24 * 3,
    )
    put("2025-07-15", w.city_b, w.noise, w.b_board.pk, unit=w.b_housing.pk, valid=20, replied=10, dispatched=20)
    put("2025-11-30", city_c, w.traffic, w.prov_board.pk, SUGGESTION, valid=10, replied=10, suggestions=10)
    put("2024-05-01", w.county_a1, w.housing, w.a_board.pk, valid=20, replied=10)
    return w

"""The coarse dimensions the summaries are keyed by: a region's province and a category's domain (一级).

Both trees are small (a few thousand regions, a few hundred categories) and change rarely, so each process keeps
one id → ancestor map per tree, read on first use and re-read when it meets an id it does not know. Moving a
category to another domain, or a region to another province, changes the ancestor of rows already summed: run
`liuyan rollup rebuild` after such an edit (the daily rollups, keyed by the leaf ids, stay right regardless).
"""

from dataclasses import dataclass, field

from liuyan.geo.models import Region, RegionLevel
from liuyan.rollups.models import NONE
from liuyan.taxonomy.models import Category


@dataclass
class _Tree:
    """id → (parent id, level) of every node, and the memo of answered ancestor questions."""

    nodes: dict[int, tuple[int | None, int]] = field(default_factory=dict)
    memo: dict[tuple[int, int], int] = field(default_factory=dict)

    def ancestor_at(self, node_id: int, level: int) -> int:
        """The node's ancestor at `level` (itself when it is at that level; NONE above it or unknown)."""
        key = (node_id, level)
        found = self.memo.get(key)
        if found is not None:
            return found
        answer = NONE
        current: int | None = node_id
        seen = 0
        while current is not None and seen < 16:  # 16: deeper than any tree here; guards a cycle made by hand
            parent, node_level = self.nodes[current]
            if node_level == level:
                answer = current
                break
            if node_level < level:
                break
            current, seen = parent, seen + 1
        self.memo[key] = answer
        return answer


class _Cached:
    """One tree, read on first use and read again when asked about an id it does not hold."""

    def __init__(self, model: type[Region] | type[Category]) -> None:
        self.model = model
        self.tree: _Tree | None = None

    def load(self) -> _Tree:
        rows = self.model.objects.values_list("pk", "parent_id", "level")
        self.tree = _Tree({pk: (parent, level) for pk, parent, level in rows})
        return self.tree

    def get(self) -> _Tree:
        return self.tree if self.tree is not None else self.load()

    def ancestor_at(self, node_id: int, level: int) -> int:
        if node_id == NONE:
            return NONE
        tree = self.get()
        if node_id not in tree.nodes:
            tree = self.load()
            if node_id not in tree.nodes:
                return NONE
        return tree.ancestor_at(node_id, level)


_regions = _Cached(Region)
_categories = _Cached(Category)


def regions() -> _Tree:
    return _regions.get()


def categories() -> _Tree:
    return _categories.get()


def region_at(region_id: int, level: int) -> int:
    """The region's ancestor at `level` (RegionLevel), NONE for no region or one above that level."""
    return _regions.ancestor_at(region_id, level)


def province_of(region_id: int) -> int:
    return region_at(region_id, RegionLevel.PROVINCE)


def category_at(category_id: int, level: int) -> int:
    """The category's ancestor at `level` (1: its 领域 domain), NONE for none or one above that level."""
    return _categories.ancestor_at(category_id, level)


def domain_of(category_id: int) -> int:
    """The category's first-level ancestor (its 领域 domain), NONE for none."""
    return category_at(category_id, 1)


def forget_cache() -> None:
    """Drop both maps (tests: a rolled-back transaction may leave ids that now name other nodes)."""
    _regions.tree = _categories.tree = None

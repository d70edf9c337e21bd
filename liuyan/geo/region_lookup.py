"""find_region: resolve a place name or alias (广东, 朝阳区, A3区) to a Region, with an in-process cache."""

import threading
import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from .models import Region

CACHE_SECONDS = 300.0  # other processes may change regions; an importer run sees changes after this long


@dataclass(frozen=True)
class _Entry:
    pk: int
    path: str


@dataclass
class _Index:
    by_name: dict[str, list[_Entry]]
    by_alias: dict[str, list[_Entry]]
    size: int
    built_at: float


_lock = threading.Lock()
_index: _Index | None = None


def clear_region_cache() -> None:
    """Forget the name index; the next lookup rebuilds it (two columns of one query)."""
    global _index
    with _lock:
        _index = None


def _build() -> _Index:
    by_name: dict[str, list[_Entry]] = {}
    by_alias: dict[str, list[_Entry]] = {}
    size = 0
    for pk, name, aliases, path in Region.objects.values_list("pk", "name", "aliases", "path"):
        entry = _Entry(pk, path)
        size += 1
        by_name.setdefault(name, []).append(entry)
        for alias in aliases or []:
            if alias and alias != name:
                by_alias.setdefault(alias, []).append(entry)
    return _Index(by_name, by_alias, size, time.monotonic())


def _get_index() -> _Index:
    global _index
    with _lock:
        if _index is None or time.monotonic() - _index.built_at > CACHE_SECONDS:
            _index = _build()
        return _index


def _pick(candidates: list[_Entry], within: Region | None) -> _Entry | bool | None:
    """The single candidate (inside `within`), None when there is none, False when it is ambiguous."""
    if within is not None:
        candidates = [c for c in candidates if c.path.startswith(within.path)]
    if not candidates:
        return None
    return candidates[0] if len(candidates) == 1 else False


def find_region(name: str, within: Region | None = None) -> Region | None:
    """The region whose name (preferred) or alias is `name`; None when unknown or ambiguous (two 朝阳区).

    `within` limits the search to a subtree, e.g. find_region("朝阳区", within=北京市).
    """
    key = " ".join(name.replace("\u3000", " ").split())
    if not key:
        return None
    for attempt in range(2):
        index = _get_index()
        choice = _pick(index.by_name.get(key, []), within)
        if choice is None:
            choice = _pick(index.by_alias.get(key, []), within)
        if not isinstance(choice, _Entry):
            if choice is None and attempt == 0 and _stale(index):
                clear_region_cache()
                continue
            return None
        region = Region.objects.filter(pk=choice.pk).select_related("parent").first()
        if region is not None and (region.name == key or key in (region.aliases or [])):
            return region
        clear_region_cache()  # the table changed behind the cache (another process, a rolled-back test)
    return None


def _stale(index: _Index) -> bool:
    """Cheap check used only on misses: has the number of regions changed since the index was built?"""
    return Region.objects.count() != index.size


def _on_region_change(**_kwargs: object) -> None:
    clear_region_cache()


post_save.connect(_on_region_change, sender=Region, dispatch_uid="liuyan.geo.region_lookup.save")
post_delete.connect(_on_region_change, sender=Region, dispatch_uid="liuyan.geo.region_lookup.delete")

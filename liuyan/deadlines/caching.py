"""In-process caches of small tables, invalidated locally by signals and across processes via Django's cache."""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


@dataclass(frozen=True)
class _Snapshot(Generic[T]):
    value: T
    token: str
    loaded_at: float
    next_check: float


class SharedVersionCache(Generic[T]):
    """Holds the result of `loader()` in this process until it is invalidated.

    * `invalidate()` (called from post_save/post_delete receivers and after bulk writes) drops the local copy at
      once and stores a fresh random token in Django's cache under `key` — again when the transaction commits,
      so that a process which reloaded in between (still seeing the old rows) reloads once more.
    * Other processes compare their token with the shared one at most every `check_interval` seconds, so they
      notice within that time; the check is one cache read, never a database query.
    * Whatever happens, the copy is reloaded after `max_age` seconds: a safety net for writes that send no
      signal (queryset.update, raw SQL, a rolled-back transaction that had already triggered a reload).
    """

    instances: "list[SharedVersionCache[Any]]" = []

    def __init__(
        self, key: str, loader: Callable[[], T], *, check_interval: float = 2.0, max_age: float = 300.0
    ) -> None:
        self.key = key
        self.loader = loader
        self.check_interval = check_interval
        self.max_age = max_age
        self._snapshot: _Snapshot[T] | None = None
        self._lock = threading.Lock()
        SharedVersionCache.instances.append(self)

    def get(self) -> T:
        snapshot = self._snapshot
        now = monotonic()
        if snapshot is not None:
            if now < snapshot.next_check:
                return snapshot.value
            if cache.get(self.key) == snapshot.token and now - snapshot.loaded_at < self.max_age:
                self._snapshot = _Snapshot(
                    snapshot.value, snapshot.token, snapshot.loaded_at, now + self.check_interval
                )
                return snapshot.value
        return self._reload()

    def _reload(self) -> T:
        with self._lock:
            token = self._shared_token()  # read before loading: a change during the load forces another one
            value = self.loader()
            now = monotonic()
            self._snapshot = _Snapshot(value, token, now, now + self.check_interval)
            return value

    def _shared_token(self) -> str:
        token = cache.get(self.key)
        if token is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            token = cache.get(self.key)
        return str(token) if token is not None else ""

    def invalidate(self) -> None:
        self._changed()
        transaction.on_commit(self._changed)

    def _changed(self) -> None:
        self._snapshot = None
        cache.set(self.key, uuid.uuid4().hex, timeout=None)

    def forget_local(self) -> None:
        """Drop only this process's copy (tests use it after a rolled-back transaction)."""
        self._snapshot = None

    @classmethod
    def forget_all_local(cls) -> None:
        """Drop every cache's local copy: for test suites, whose rolled-back transactions send no signal."""
        for instance in cls.instances:
            instance.forget_local()

"""Fixtures for the API tests: clean caches (rate limits), uploads in a temporary folder, and API clients per role."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from liuyan.accounts.models import ApiToken
from liuyan.deadlines.caching import SharedVersionCache
from tests.world import World

API = "/api/v1/"


class Api:
    """A Django test client speaking JSON to /api/v1/, optionally with a Bearer token."""

    def __init__(self, token: str | None = None, client: Client | None = None, **extra: Any) -> None:
        self.client = client or Client(**extra)
        self.headers: dict[str, str] = {"Authorization": f"Bearer {token}"} if token else {}

    @staticmethod
    def url(path: str) -> str:
        return API + path.lstrip("/")

    def get(self, path: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.client.get(self.url(path), params or {}, headers=self.headers, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        body = "" if data is None else json.dumps(data, ensure_ascii=False, default=str)
        return self.client.post(self.url(path), body, content_type="application/json", headers=self.headers, **extra)

    def post_raw(self, path: str, body: str, content_type: str = "application/json") -> Any:
        return self.client.post(self.url(path), body, content_type=content_type, headers=self.headers)

    def post_multipart(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(self.url(path), data, headers=self.headers)


@pytest.fixture(autouse=True)
def _clean_state(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    # The world has 15 users: the default PBKDF2 hasher would spend seconds per test on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    SharedVersionCache.forget_all_local()
    yield
    cache.clear()
    SharedVersionCache.forget_all_local()


@pytest.fixture
def anon() -> Api:
    return Api()


@pytest.fixture
def as_user(world: World) -> Callable[[str], Api]:
    """`as_user("handler")`: a client with a fresh API token of that world user."""

    def make(key: str) -> Api:
        _token, raw = ApiToken.issue(world.users[key], "test")
        return Api(raw)

    return make


def err(response: Any) -> dict[str, Any]:
    """The error object of an error response (and a check that the shape is right)."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "message_en", "details"} <= set(error), error
    return error


def db_counts() -> dict[str, int]:
    """Row counts of everything an action may write: equal before and after means nothing was written."""
    from liuyan.accounts.models import User
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
    )
    from liuyan.notify.models import Notification

    models: list[Any] = [
        Message,
        Event,
        Attachment,
        Assignment,
        HandlingRequest,
        Reply,
        Rating,
        Note,
        ContactLog,
        Notification,
        User,
    ]
    return {m.__name__: m.objects.count() for m in models}


def snapshot(message: Any) -> dict[str, Any]:
    """Counts plus the message's own row, for "a refused action changes nothing" checks."""
    from liuyan.messages.models import Message

    row = Message.objects.filter(pk=message.pk).values().get()
    return {"counts": db_counts(), "row": row}

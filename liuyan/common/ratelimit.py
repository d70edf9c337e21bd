"""Fixed-window rate limits kept in Django's cache (shared between processes when the cache is Redis): API and
portal submissions, logins, registrations, and 查询码 guesses."""

import time
from collections.abc import Sequence

from django.core.cache import cache

from liuyan.common.errors import RateLimited

HOUR = 3600

# Submissions: per client IP, per account and per contact phone, counted on success.
SUBMISSIONS_PER_IP_PER_HOUR = 10
SUBMISSIONS_PER_ACCOUNT_PER_HOUR = 10
SUBMISSIONS_PER_PHONE_PER_HOUR = 10
# Logins: failed attempts per client IP and per login name.
LOGIN_FAILURES_PER_IP_PER_HOUR = 30
LOGIN_FAILURES_PER_LOGIN_PER_HOUR = 10
# Registrations per client IP.
REGISTRATIONS_PER_IP_PER_HOUR = 10


def submission_limits(
    *, ip: str, user_id: int | None, contact_phone: str, account_phone: str = "", staff: bool
) -> list[tuple[str, int]]:
    """The (name, limit) pairs one submission counts against, for the API and the portal alike.

    Per client IP and per account, except for staff filing on a caller's behalf (帮办), who are limited per caller
    phone only; and per phone: the contact phone given with the message, else the account's, as digits (so that
    "139-0000-0001" and "13900000001" are one caller). Check them before submitting, count them on success:
    `check(limits)`, then `hit(names(limits))`."""
    limits: list[tuple[str, int]] = []
    if not staff:
        limits.append((f"submit:ip:{ip}", SUBMISSIONS_PER_IP_PER_HOUR))
        if user_id is not None:
            limits.append((f"submit:user:{user_id}", SUBMISSIONS_PER_ACCOUNT_PER_HOUR))
    phone = _digits(contact_phone) or _digits(account_phone)
    if phone:
        limits.append((f"submit:phone:{phone}", SUBMISSIONS_PER_PHONE_PER_HOUR))
    return limits


def names(limits: Sequence[tuple[str, int]]) -> list[str]:
    return [name for name, _limit in limits]


def _digits(phone: str) -> str:
    return "".join(c for c in phone or "" if c.isdigit())


def _key(name: str, window: int) -> str:
    return f"liuyan:rl:{name}:{int(time.time()) // window}"


def check(limits: Sequence[tuple[str, int]], *, window: int = HOUR) -> None:
    """Raise 429 if any (name, limit) pair has reached its limit in the current window."""
    for name, limit in limits:
        if (cache.get(_key(name, window)) or 0) >= limit:
            raise RateLimited(
                "操作过于频繁，请一小时后再试",
                "too many attempts; please try again in an hour",
                details={"limit": limit, "window_seconds": window},
            )


def hit(names: Sequence[str], *, window: int = HOUR) -> None:
    """Count one event against each of `names` in the current window."""
    for name in names:
        key = _key(name, window)
        cache.add(key, 0, window + 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window + 60)

"""Headline figures for the home page, by the metric definitions of DOMAIN.md §5.

Computed from the messages table and cached for a few minutes: cheap enough for the home page of one province. The
governance-data work (rollups kept current by the lifecycle actions) replaces the queries, not the definitions.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from liuyan.common.clock import now
from liuyan.messages.models import Message, Rating, Satisfaction
from liuyan.messages.states import State

CACHE_SECONDS = 300

# 有效留言: accepted, neither rejected nor merged into another message.
VALID = Q(accepted_at__isnull=False) & ~Q(state__in=[State.REJECTED, State.MERGED])


@dataclass(frozen=True)
class Headline:
    year: int
    messages: int  # received this year
    valid: int
    replied: int
    ratings: int
    satisfied: int  # 满意 + 基本满意

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.valid if self.valid else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


def headline(year: int | None = None) -> Headline:
    year = year or timezone.localtime(now()).year
    key = f"liuyan:web:headline:{year}"
    cached = cache.get(key)
    if isinstance(cached, Headline):
        return cached
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    counts = Message.objects.filter(submitted_at__gte=start, submitted_at__lt=end).aggregate(
        messages=Count("pk"),
        valid=Count("pk", filter=VALID),
        replied=Count("pk", filter=VALID & Q(replied_at__isnull=False)),
    )
    ratings = Rating.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        ratings=Count("pk"),
        satisfied=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
    )
    result = Headline(year=year, **counts, **ratings)
    cache.set(key, result, CACHE_SECONDS)
    return result

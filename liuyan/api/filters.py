"""Query-string filters for message lists and the CSV export, applied on top of the viewer's visible set."""

import datetime as dt
from typing import Literal

from django.db.models import F, Q, QuerySet
from ninja import Schema
from pydantic import Field

from liuyan.accounts.models import Role, User
from liuyan.api import lookups
from liuyan.api.auth import AnyUser
from liuyan.common.errors import InvalidInput
from liuyan.common.paging import filter_in
from liuyan.geo.models import Region
from liuyan.messages.models import Message, WarningLight
from liuyan.messages.states import PUBLIC_STATUS, PublicStatus, State
from liuyan.search.index import search_filter
from liuyan.taxonomy.models import Category

MAX_LIMIT = 100
DEFAULT_LIMIT = 20

Ordering = Literal["-submitted_at", "submitted_at", "due_at", "-due_at"]


class Paging(Schema):
    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, description=f"Page size (at most {MAX_LIMIT}; larger values are capped)"
    )
    offset: int = Field(default=0, ge=0)

    def window(self) -> tuple[int, int]:
        return min(self.limit, MAX_LIMIT), self.offset


class MessageFilters(Schema):
    board: str | None = Field(default=None, description="Board code")
    region: str | None = Field(default=None, description="Region code; includes its subregions")
    category: int | None = Field(default=None, description="Category id; includes its subcategories")
    type: str | None = Field(default=None, description="complaint | help | inquiry | suggestion | thanks")
    state: str | None = Field(default=None, description="Internal state, e.g. in_progress")
    public_status: str | None = Field(default=None, description="Citizen-visible status, e.g. handling")
    unit: str | None = Field(default=None, description="Main handling unit code")
    submitted_from: dt.date | None = Field(default=None, description="Submitted on or after this day")
    submitted_to: dt.date | None = Field(default=None, description="Submitted on or before this day")
    q: str | None = Field(
        default=None,
        max_length=100,
        description="Full-text search of the public title and body: words separated by spaces must all occur, each "
        "as written (电梯 坏了); staff also find an exact message number or contact phone",
    )
    overdue: bool | None = None
    warning: Literal["yellow", "red", "none"] | None = Field(default=None, description="Warning light")
    key: bool | None = Field(default=None, description="Key messages (重点留言) only")
    mine: bool | None = Field(default=None, description="Only my own messages (citizens)")
    ordering: Ordering = "-submitted_at"


def _choice(value: str, allowed: list[str], zh: str, en: str) -> str:
    if value not in allowed:
        raise InvalidInput(
            f"{zh}无效：{value}",
            f"invalid {en}: {value}",
            code="invalid_filter",
            details={"field": en, "allowed": allowed},
        )
    return value


def apply_filters(
    messages: "QuerySet[Message]", f: MessageFilters, *, user: AnyUser, search_original: bool
) -> "QuerySet[Message]":
    """Narrow `messages` by `f`. `q` is a full-text search of the public text (liuyan.search); `search_original`
    (staff who see personal data): q also matches an exact message number or contact phone."""
    if f.board:
        messages = messages.filter(board=lookups.board_ref(f.board))
    # A region or category includes its subtree: its ids first (one small query), so that the message indexes on
    # region and category are searched per id instead of joining every message to its region's path.
    if f.region:
        region = lookups.region_ref(f.region)
        within = list(Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True))
        messages = filter_in(messages, "region_id", within)
    if f.category is not None:
        category = lookups.category_ref(f.category)
        subtree = Category.objects.filter(Q(pk=category.pk) | Q(path__startswith=category.path + " / "))
        messages = filter_in(messages, "category_id", list(subtree.values_list("pk", flat=True)))
    if f.type:
        messages = messages.filter(type=f.type)
    if f.state:
        messages = messages.filter(state=_choice(f.state, list(State.values), "状态", "state"))
    if f.public_status:
        status = _choice(f.public_status, list(PublicStatus.values), "公开状态", "public status")
        states = [s for s, p in PUBLIC_STATUS.items() if p == status]
        messages = filter_in(messages, "state", states)
    if f.unit:
        messages = messages.filter(unit=lookups.unit_ref(f.unit))
    if f.submitted_from:
        messages = messages.filter(submitted_at__date__gte=f.submitted_from)
    if f.submitted_to:
        messages = messages.filter(submitted_at__date__lte=f.submitted_to)
    if f.q and f.q.strip():
        # Full-text search of the public (masked) text; staff also find a message by its exact number and callers
        # by their exact contact phone. Never the original text: see liuyan.search.
        messages = search_filter(messages, f.q, or_number_or_phone=search_original)
    if f.overdue is not None:
        messages = messages.filter(is_overdue=f.overdue)
    if f.warning:
        messages = messages.filter(warning=WarningLight.NONE if f.warning == "none" else f.warning)
    if f.key is not None:
        messages = messages.filter(is_key=f.key)
    if f.mine:
        if not isinstance(user, User) or user.role != Role.CITIZEN:
            raise InvalidInput("仅网民账号可以筛选本人留言", "`mine` is for citizen accounts", code="invalid_filter")
        messages = messages.filter(author=user)
    if f.ordering == "due_at":
        messages = messages.order_by(F("due_at").asc(nulls_last=True), "id")
    elif f.ordering == "-due_at":
        messages = messages.order_by(F("due_at").desc(nulls_last=True), "-id")
    else:
        messages = messages.order_by(f.ordering, "-id" if f.ordering.startswith("-") else "id")
    return messages

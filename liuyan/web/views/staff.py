"""Staff queues: review, dispatch, the unit inbox, requests to decide, supervision and unit scorecards.

Every list is `visible_messages_for(user)` (the one permission rule) narrowed by state; every button is a small form
posted to a lifecycle action (`web:act`, or `bulk_dispatch`, which runs `do_dispatch`); a page's tab counts come
from one aggregate query.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages as notices
from django.db import transaction
from django.db.models import Count, F, OrderBy, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.lookups import Exact
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from liuyan.accounts.models import STAFF_ROLES, Role, User
from liuyan.common.clock import now
from liuyan.common.errors import InvalidInput, LiuyanError, NotFound
from liuyan.messages.access import Actor, check_scope, on_visible_message, units_of, visible_messages_for
from liuyan.messages.actions import do_dispatch
from liuyan.messages.actions.engine import check_version
from liuyan.messages.models import (
    Assignment,
    AssignmentRole,
    HandlingRequest,
    Message,
    Rating,
    RequestKind,
    RequestStatus,
    ReviewStage,
    Satisfaction,
    WarningLight,
)
from liuyan.messages.present import LIST_RELATED, list_item_for, split_label
from liuyan.messages.states import HANDLING_STATES, State, allowed_actions
from liuyan.orgs.models import Unit
from liuyan.web import scorecards as sc
from liuyan.web.forms import PortalForm, UnitField
from liuyan.web.i18n import bi, lazy_bi
from liuyan.web.suggestions import best_unit, suggestions_for
from liuyan.web.views.common import CappedPage, portal_user, roles_required, safe_next

PER_PAGE = 30
UNIT_DATALIST_LIMIT = 2000
BULK_LIMIT = 200  # messages one bulk dispatch takes at most
FAILURES_SHOWN = 20

S = State
HANDLING = sorted(HANDLING_STATES)
# Where supervision still has something to chase: from review to handling, and a rating waiting for a decision.
# (A reply waiting for its rating, a direct answer and a merged duplicate need nobody to chase them.)
WATCHED = sorted(HANDLING_STATES | {State.SUBMITTED, State.UNDER_REVIEW, State.ACCEPTED, State.RATED})
# Columns a queue row never shows: left in the database (a message's text can be 10,000 characters).
HEAVY_FIELDS = ("body", "public_body", "query_code_hash", "contact_name", "contact_phone", "contact_email")
# Queue rows show the board's region check (scope of platform staff) without a query per row.
ROW_RELATED = (*LIST_RELATED, "board__region")


# ---------------------------------------------------------------------------------------------------------------
# Shared pieces: tabs with counts, sortable headers, pages of a known size, quick buttons


@dataclass(frozen=True)
class TabSpec:
    key: str
    zh: str
    en: str
    where: Q


@dataclass(frozen=True)
class Tab:
    key: str
    text: str
    count: int
    query: str
    current: bool


def _query(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters replaced (None drops one); a new tab or sort starts at page 1."""
    params = {k: v for k, v in request.GET.items() if k != "page"}
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return urlencode(params)


def _chosen(request: HttpRequest, specs: Sequence[TabSpec], counts: dict[str, int] | None = None) -> TabSpec:
    """The tab asked for; else the first with something in it (given the counts), so a queue opens on work."""
    wanted = request.GET.get("tab", "")
    asked = next((s for s in specs if s.key == wanted), None)
    if asked is not None:
        return asked
    return next((s for s in specs if counts and counts.get(s.key)), specs[0])


def _counts(messages: "QuerySet[Any]", specs: Sequence[TabSpec]) -> dict[str, int]:
    """Every tab's count in one aggregate query."""
    counts: dict[str, int] = messages.aggregate(
        **{s.key: Count("pk", filter=s.where) if s.where else Count("pk") for s in specs}
    )
    return counts


def _tabs(request: HttpRequest, specs: Sequence[TabSpec], counts: dict[str, int], current: TabSpec) -> list[Tab]:
    return [
        Tab(s.key, bi(s.zh, s.en), counts.get(s.key, 0), _query(request, tab=s.key), s.key == current.key)
        for s in specs
    ]


def _page(request: HttpRequest, queryset: "QuerySet[Any]", total: int, per_page: int = PER_PAGE) -> CappedPage:
    """One page of an ordered queryset whose size the page already counted (no second COUNT query)."""
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    number = min(number, max(1, -(-total // per_page)))
    start = (number - 1) * per_page
    return CappedPage(list(queryset[start : start + per_page]), number, per_page, total, capped=False)


@dataclass(frozen=True)
class SortLink:
    query: str
    aria: str  # ascending | descending | none, for aria-sort
    arrow: str


def _sort_links(request: HttpRequest, columns: dict[str, bool], current: str) -> dict[str, SortLink]:
    """Header links: a click sorts by the column (descending first where `columns[key]`), a second click flips it."""
    links: dict[str, SortLink] = {}
    for key, descending_first in columns.items():
        if current == key:
            links[key] = SortLink(_query(request, sort=f"-{key}"), "ascending", "▲")
        elif current == f"-{key}":
            links[key] = SortLink(_query(request, sort=key), "descending", "▼")
        else:
            links[key] = SortLink(_query(request, sort=f"-{key}" if descending_first else key), "none", "")
    return links


def offers(actor: Actor, message: Message, action: str) -> bool:
    """Whether `open_actions(actor, message)` includes `action` (the table, then scope), asked for this one action
    so that a row costs no query. Not for reply review, whose turn rule `open_actions` adds."""
    if action not in allowed_actions(message.state, actor.role):
        return False
    try:
        check_scope(actor, message, action)
    except LiuyanError:
        return False
    return True


def _user(request: HttpRequest) -> User:
    user = portal_user(request)
    assert user is not None  # roles_required let the request in
    return user


def _age(since: dt.datetime | None) -> str:
    if since is None:
        return "—"
    seconds = max(0, int((now() - since).total_seconds()))
    days, hours = seconds // 86400, seconds % 86400 // 3600
    if days:
        return bi(f"{days}天{hours}小时", f"{days} d {hours} h")
    return bi(f"{hours}小时", f"{hours} h") if hours else bi("不到1小时", "under an hour")


# ---------------------------------------------------------------------------------------------------------------
# /work/: each role to its queue

HOMES: dict[str, str] = {
    Role.REVIEWER: "web:review_queue",
    Role.DISPATCHER: "web:dispatch_queue",
    Role.HANDLER: "web:unit_inbox",
    Role.UNIT_HEAD: "web:unit_inbox",
    Role.SUPERVISOR: "web:supervision",
    Role.ANALYST: "web:scorecards",
}


@roles_required(*STAFF_ROLES)
def work_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role in HOMES:
        return redirect(HOMES[user.role])
    return redirect("admin:index")  # administrators manage reference data and users in the Django admin


# ---------------------------------------------------------------------------------------------------------------
# Review (审核)

REVIEW_TABS = (
    TabSpec("new", "待审核留言", "New messages", Q(state=S.UNDER_REVIEW, follow_up_count=0)),
    TabSpec(
        "second",
        "答复审核与追问",
        "Replies and follow-ups",
        Q(state=S.REPLY_REVIEW, review_stage=ReviewStage.PLATFORM) | Q(state=S.UNDER_REVIEW, follow_up_count__gt=0),
    ),
)
# Urgent, then key messages, then the longest waiting.
REVIEW_ORDER = ("-is_urgent", "-is_key", "submitted_at", "id")


@roles_required(Role.REVIEWER)
def review_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actor = Actor.of(user)
    visible = visible_messages_for(user).filter(state__in=[S.UNDER_REVIEW, S.REPLY_REVIEW])
    counts = _counts(visible, REVIEW_TABS)
    tab = _chosen(request, REVIEW_TABS, counts)
    rows = visible.filter(tab.where).select_related(*ROW_RELATED).order_by(*REVIEW_ORDER)
    page = _page(request, rows, counts[tab.key])
    items = [
        {
            "item": list_item_for(m, user),
            "follow_up": m.state == S.UNDER_REVIEW and m.follow_up_count > 0,
            "reply": m.state == S.REPLY_REVIEW,
            "can_accept": offers(actor, m, "accept"),
        }
        for m in page.items
    ]
    context = {
        "tabs": _tabs(request, REVIEW_TABS, counts, tab),
        "tab": tab.key,
        "page": page,
        "rows": items,
        "here": request.get_full_path(),
    }
    return render(request, "web/staff/review.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Dispatch (交办), one by one from the workspace or many at once

DISPATCH_TABS = (
    TabSpec("accepted", "待交办", "To dispatch", Q(state=S.ACCEPTED)),
    TabSpec("returns", "退回/转办申请", "Return and transfer requests", Q(state=S.RETURN_REQUESTED)),
)
DISPATCH_ORDER = {
    "accepted": ("-is_urgent", "-is_key", "accepted_at", "id"),
    "returns": ("-is_urgent", "dispatched_at", "id"),
}
PENDING_RETURNS = Prefetch(
    "requests",
    queryset=HandlingRequest.objects.filter(
        status=RequestStatus.PENDING, kind__in=[RequestKind.RETURN, RequestKind.TRANSFER]
    )
    .select_related("unit")
    .prefetch_related("target_units"),
    to_attr="pending_returns",
)


class BulkDispatchForm(PortalForm):
    mode = forms.ChoiceField(
        choices=[
            ("unit", lazy_bi("交办给指定单位", "To one unit")),
            ("suggested", lazy_bi("按建议交办", "As suggested")),
        ]
    )
    unit = UnitField(
        label=lazy_bi("交办给（所选留言均交此单位）", "Dispatch to (every selected message)"),
        help_text=lazy_bi("输入单位名称或编码", "unit name or code"),
        required=False,
    )
    note = forms.CharField(
        label=lazy_bi("交办意见（选填）", "Instructions (optional)"), required=False, max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "unit" and data.get("unit") is None and not self.has_error("unit"):
            self.add_error("unit", bi("请填写交办单位", "enter the unit to dispatch to"))
        return data


def unit_options(user: User) -> list[Unit]:
    """The browser's suggestion list for unit fields: active units of the user's province (or of the platform)."""
    units = Unit.objects.filter(is_active=True)
    if user.region is not None:
        province = user.region.path.split("/", 1)[0] + "/"
        units = units.filter(region__path__startswith=province)
    return list(units.only("code", "name").order_by("code")[:UNIT_DATALIST_LIMIT])


def _dispatch_page(
    request: HttpRequest, user: User, *, bulk: BulkDispatchForm | None = None, status: int = 200
) -> HttpResponse:
    visible = visible_messages_for(user).filter(state__in=[S.ACCEPTED, S.RETURN_REQUESTED])
    counts = _counts(visible, DISPATCH_TABS)
    tab = _chosen(request, DISPATCH_TABS, counts)
    rows = visible.filter(tab.where).select_related(*ROW_RELATED).order_by(*DISPATCH_ORDER[tab.key])
    if tab.key == "returns":
        rows = rows.prefetch_related(PENDING_RETURNS)
    page = _page(request, rows, counts[tab.key])
    suggested = suggestions_for(page.items) if tab.key == "accepted" else {}
    chosen = set(request.POST.getlist("m")) if bulk is not None else set()
    items = [
        {
            "item": list_item_for(m, user),
            "accepted_at": m.accepted_at,
            "suggestions": suggested.get(m.pk, []),
            "request": (getattr(m, "pending_returns", None) or [None])[0],
            "checked": m.number in chosen,
        }
        for m in page.items
    ]
    context = {
        "tabs": _tabs(request, DISPATCH_TABS, counts, tab),
        "tab": tab.key,
        "page": page,
        "rows": items,
        "bulk": bulk or BulkDispatchForm(prefix="bulk", initial={"mode": "unit"}),
        "unit_options": unit_options(user) if tab.key == "accepted" and page.items else [],
        # Where the page's forms come back to (also when this is the bulk form's answer).
        "here": reverse("web:dispatch_queue") + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "web/staff/dispatch.html", context, status=status)


@roles_required(Role.DISPATCHER)
def dispatch_queue(request: HttpRequest) -> HttpResponse:
    return _dispatch_page(request, _user(request))


@dataclass(frozen=True)
class Outcome:
    number: str
    title: str
    error: LiuyanError | None


def _dispatch_each(
    actor: Actor, user: User, numbers: Sequence[str], versions: dict[str, int | None], unit: Unit | None, note: str
) -> list[Outcome]:
    """`do_dispatch` for each message, each in its own transaction: one failure leaves the others done."""
    found = {
        m.number: m
        for m in visible_messages_for(user).filter(number__in=numbers).select_related(*ROW_RELATED)  # one query
    }
    suggested = suggestions_for(list(found.values())) if unit is None else {}
    outcomes: list[Outcome] = []
    for number in numbers:
        message = found.get(number)
        if message is None:
            missing = NotFound("留言不存在或不在您的权限范围内", "no such message within your reach")
            outcomes.append(Outcome(number, "", missing))
            continue
        target = unit or best_unit(suggested.get(message.pk, []))
        try:
            if target is None:
                raise InvalidInput("没有建议的办理单位，请逐条交办", "no suggested unit: dispatch it by hand")
            check_version(message, versions.get(number))
            with transaction.atomic():
                do_dispatch(actor, message, unit=target, note=note)
        except LiuyanError as exc:
            outcomes.append(Outcome(number, message.title, exc))
        else:
            outcomes.append(Outcome(number, message.title, None))
    return outcomes


@require_POST
@roles_required(Role.DISPATCHER)
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """交办 many messages at once: each to its own suggested unit, or all to one unit. Reports what was done and,
    for each message left, why (someone else dispatched it meanwhile, no suggestion, an inactive unit …)."""
    user = _user(request)
    back = safe_next(request, reverse("web:dispatch_queue"))
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("m") if n.strip()))
    form = BulkDispatchForm(request.POST, prefix="bulk")
    if not numbers:
        form.is_valid()
        form.add_error(None, bi("请先勾选要交办的留言", "select the messages to dispatch first"))
        return _dispatch_page(request, user, bulk=form, status=400)
    if len(numbers) > BULK_LIMIT:
        form.is_valid()
        form.add_error(None, bi(f"一次最多交办{BULK_LIMIT}条", f"at most {BULK_LIMIT} messages at a time"))
        return _dispatch_page(request, user, bulk=form, status=400)
    if not form.is_valid():
        return _dispatch_page(request, user, bulk=form, status=400)
    versions: dict[str, int | None] = {}
    for number in numbers:
        raw = request.POST.get(f"v-{number}", "")
        versions[number] = int(raw) if raw.isdigit() else None
    unit = form.cleaned_data["unit"] if form.cleaned_data["mode"] == "unit" else None
    outcomes = _dispatch_each(Actor.of(user), user, numbers, versions, unit, form.cleaned_data["note"])
    done = sum(1 for o in outcomes if o.error is None)
    left = len(outcomes) - done
    summary = bi(f"{done} 条已交办，{left} 条未交办", f"{done} dispatched, {left} not dispatched")
    (notices.success if not left else notices.warning)(request, summary)
    failures = [o for o in outcomes if o.error is not None]
    for o in failures[:FAILURES_SHOWN]:
        assert o.error is not None
        reason = bi(o.error.zh, o.error.en)
        notices.error(request, bi(f"{o.number}「{o.title}」未交办：{reason}", f"{o.number} “{o.title}”: {reason}"))
    if len(failures) > FAILURES_SHOWN:
        more = len(failures) - FAILURES_SHOWN
        notices.error(request, bi(f"另有 {more} 条未交办", f"and {more} more not dispatched"))
    return redirect(back)


# ---------------------------------------------------------------------------------------------------------------
# The unit inbox (办理): must stay fast on a million messages; every query below can use an index.

INBOX_TABS = (
    TabSpec("sign", "待签收", "To sign for", Q(state=S.DISPATCHED)),
    TabSpec("handling", "办理中", "In progress", Q(state__in=[S.IN_PROGRESS, S.WAITING_CITIZEN, S.RETURN_REQUESTED])),
    TabSpec("due_soon", "即将到期", "Due soon", Q(warning=WarningLight.YELLOW, is_overdue=False)),
    TabSpec("overdue", "已超期", "Overdue", Q(is_overdue=True)),
    TabSpec("reply_review", "待审核答复", "Replies to approve", Q(state=S.REPLY_REVIEW, review_stage=ReviewStage.UNIT)),
)
INBOX_SORTS: dict[str, tuple[OrderBy | str, ...]] = {
    "due": (F("due_at").asc(nulls_last=True), "id"),
    "-due": (F("due_at").desc(nulls_last=True), "-id"),
    "submitted": ("submitted_at", "id"),
    "-submitted": ("-submitted_at", "-id"),
}


def unit_messages(user: User, unit_ids: Sequence[int]) -> "QuerySet[Message]":
    """The messages a unit's staff member holds now: `visible_messages_for(user)` in handling states, narrowed again
    by the same rule spelled so the database can use an index: the main unit is one of `unit_ids` ((unit, state)
    index), or the message is one of the few the units co-handle now (by primary key)."""
    co_handled = list(
        Assignment.objects.filter(
            unit_id__in=unit_ids, is_active=True, role=AssignmentRole.CO, message__state__in=HANDLING
        ).values_list("message_id", flat=True)
    )
    held = Q(unit_id__in=unit_ids) | Q(pk__in=co_handled) if co_handled else Q(unit_id__in=unit_ids)
    return visible_messages_for(user).filter(held, state__in=HANDLING)


@roles_required(Role.HANDLER, Role.UNIT_HEAD)
def unit_inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actor = Actor.of(user)
    units = list(units_of(user).only("pk", "code", "name"))
    unit_ids = [u.pk for u in units]
    only_unit = next((u for u in units if u.code == request.GET.get("unit")), None) if len(units) > 1 else None
    held = unit_messages(user, [only_unit.pk] if only_unit else unit_ids)
    counts = _counts(held, INBOX_TABS)
    tab = _chosen(request, INBOX_TABS, counts)
    sort = request.GET.get("sort", "due")
    sort = sort if sort in INBOX_SORTS else "due"
    rows = held.filter(tab.where).select_related(*LIST_RELATED).defer(*HEAVY_FIELDS).order_by(*INBOX_SORTS[sort])
    page = _page(request, rows, counts[tab.key])
    items = [
        {
            "item": list_item_for(m, user),
            "m": m,
            "url": reverse("web:workspace", args=[m.number]),
            "co": m.unit_id not in unit_ids,
            "can_sign": (can_sign := m.unit_id in unit_ids and offers(actor, m, "sign")),
            "sign_url": reverse("web:act", args=[m.number, "sign"]) if can_sign else "",
            "supervision": bi(*split_label(m.get_supervision_level_display())) if m.supervision_level else "",
        }
        for m in page.items
    ]
    context = {
        "tabs": _tabs(request, INBOX_TABS, counts, tab),
        "tab": tab.key,
        "page": page,
        "rows": items,
        "units": units,
        "only_unit": only_unit,
        "many_units": len(units) > 1,
        "sort": sort,
        "sorts": _sort_links(request, {"due": False, "submitted": False}, sort),
        "sort_choices": [
            ("due", bi("办理期限：最先到期在前", "Deadline, soonest first")),
            ("-due", bi("办理期限：最晚到期在前", "Deadline, latest first")),
            ("submitted", bi("提交时间：最早在前", "Submitted, oldest first")),
            ("-submitted", bi("提交时间：最新在前", "Submitted, newest first")),
        ],
        "is_head": user.role == Role.UNIT_HEAD,
        "here": request.get_full_path(),
    }
    return render(request, "web/staff/inbox.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Requests to decide (审批): returns, transfers, co-handling, extensions

REQUEST_KINDS = {
    Role.DISPATCHER: (RequestKind.RETURN, RequestKind.TRANSFER, RequestKind.COHANDLING, RequestKind.EXTENSION),
    Role.SUPERVISOR: (RequestKind.EXTENSION,),  # supervisors decide extensions only
}
REQUEST_TEXT = {
    RequestKind.RETURN: ("退回", "Return"),
    RequestKind.TRANSFER: ("转办", "Transfer"),
    RequestKind.COHANDLING: ("协办", "Co-handling"),
    RequestKind.EXTENSION: ("延期", "Extension"),
}
# The workspace panel where each kind is decided.
DECISION_PANEL = {
    RequestKind.RETURN: "approve_return",
    RequestKind.TRANSFER: "approve_return",
    RequestKind.COHANDLING: "decide_cohandling",
    RequestKind.EXTENSION: "decide_extension",
}
OLD_REQUEST = dt.timedelta(days=2)


@roles_required(Role.DISPATCHER, Role.SUPERVISOR)
def requests(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kinds = REQUEST_KINDS[Role(user.role)]
    pending = HandlingRequest.objects.filter(on_visible_message(user), status=RequestStatus.PENDING, kind__in=kinds)
    specs = [TabSpec("all", "全部", "All", Q())] if len(kinds) > 1 else []
    specs += [TabSpec(str(k), *REQUEST_TEXT[k], Q(kind=k)) for k in kinds]
    tab = _chosen(request, specs)
    counts = _counts(pending, specs)
    rows = (
        pending.filter(tab.where)
        .select_related("message", "unit", "requested_by")
        .prefetch_related("target_units")
        .order_by("requested_at", "id")
    )
    page = _page(request, rows, counts[tab.key])
    moment = now()
    items = [
        {
            "r": r,
            "m": r.message,
            "kind": bi(*REQUEST_TEXT[RequestKind(r.kind)]),
            "age": _age(r.requested_at),
            "old": moment - r.requested_at > OLD_REQUEST,
            "panel": DECISION_PANEL[RequestKind(r.kind)],
            "targets": list(r.target_units.all()),
        }
        for r in page.items
    ]
    context = {"tabs": _tabs(request, specs, counts, tab), "tab": tab.key, "page": page, "rows": items}
    return render(request, "web/staff/requests.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Supervision (督查)


def latest_rating_unsatisfied() -> Exact:
    """The message's latest rating says 不满意 (a condition: evaluated only where it is combined with state=rated)."""
    latest = Rating.objects.filter(message=OuterRef("pk")).order_by("-created_at", "-id").values("satisfaction")[:1]
    return Exact(Subquery(latest), Satisfaction.UNSATISFIED)


SUPERVISION_TABS = (
    TabSpec("overdue", "已超期", "Overdue", Q(state__in=HANDLING, is_overdue=True)),
    TabSpec("due_soon", "即将到期", "Due soon", Q(state__in=HANDLING, warning=WarningLight.YELLOW, is_overdue=False)),
    TabSpec(
        "urged",
        "催办督办",
        "Urged and supervised",
        Q(state__in=[*HANDLING, S.ACCEPTED]) & (Q(urge_count__gt=0) | ~Q(supervision_level="")),
    ),
    TabSpec("key", "重点留言", "Key messages", Q(is_key=True)),
    TabSpec("unsatisfied", "不满意待定", "Unsatisfied", Q(state=S.RATED) & Q(latest_rating_unsatisfied())),
    TabSpec("problem", "问题工单", "Problem cases", Q(is_problem_case=True)),
)
SUPERVISION_ORDER: dict[str, tuple[OrderBy | str, ...]] = {
    "overdue": (F("due_at").asc(nulls_last=True), "id"),
    "due_soon": (F("due_at").asc(nulls_last=True), "id"),
    "urged": ("-urge_count", F("due_at").asc(nulls_last=True), "id"),
    "key": ("submitted_at", "id"),
    "unsatisfied": ("rated_at", "id"),
    "problem": ("-reopen_count", "submitted_at", "id"),
}


def late_by_unit(visible: "QuerySet[Message]") -> list[dict[str, Any]]:
    """Overdue and near-due messages per unit, worst first: one GROUP BY over the handling states."""
    rows = (
        visible.filter(state__in=HANDLING)
        .values("unit_id", "unit__code", "unit__name")
        .annotate(
            handling=Count("pk"),
            overdue=Count("pk", filter=Q(is_overdue=True)),
            due_soon=Count("pk", filter=Q(warning=WarningLight.YELLOW, is_overdue=False)),
        )
        .filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
        .order_by("-overdue", "-due_soon", "unit__code")
    )
    return [dict(r) for r in rows]


@roles_required(Role.SUPERVISOR)
def supervision(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actor = Actor.of(user)
    visible = visible_messages_for(user)
    watched = visible.filter(state__in=WATCHED)
    tab_param = request.GET.get("tab", "")
    overview = tab_param not in {s.key for s in SUPERVISION_TABS}
    tab = _chosen(request, SUPERVISION_TABS)
    counts = _counts(watched, SUPERVISION_TABS)
    tabs = [replace(t, current=t.current and not overview) for t in _tabs(request, SUPERVISION_TABS, counts, tab)]
    context: dict[str, Any] = {
        "tabs": tabs,
        "overview": overview,
        "overview_query": _query(request, tab=None, unit=None),
        "tab": "" if overview else tab.key,
    }
    if overview:
        context["by_unit"] = late_by_unit(visible)
        context["counts"] = counts
        return render(request, "web/staff/supervision.html", context)
    listed = watched.filter(tab.where)
    unit = Unit.objects.filter(code=request.GET.get("unit", "")).only("code", "name").first()
    total = counts[tab.key]
    if unit is not None:
        listed = listed.filter(unit=unit)
        total = listed.count()
    rows = listed.select_related(*ROW_RELATED).order_by(*SUPERVISION_ORDER[tab.key])
    page = _page(request, rows, total)
    context.update(
        page=page,
        unit=unit,
        without_unit=_query(request, unit=None),
        here=request.get_full_path(),
        rows=[{"item": list_item_for(m, user), "m": m, "can_urge": offers(actor, m, "urge")} for m in page.items],
    )
    return render(request, "web/staff/supervision.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Unit scorecards (单位办理成效)

MAX_PERIOD_DAYS = 5 * 366


class PeriodForm(PortalForm):
    start = forms.DateField(
        label=lazy_bi("开始日期", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": lazy_bi("请填写开始日期", "enter the first day"),
            "invalid": lazy_bi(
                "开始日期无效，请按 2026-01-01 的格式填写", "the first day is not a date like 2026-01-01"
            ),
        },
    )
    end = forms.DateField(
        label=lazy_bi("结束日期", "To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": lazy_bi("请填写结束日期", "enter the last day"),
            "invalid": lazy_bi(
                "结束日期无效，请按 2026-12-31 的格式填写", "the last day is not a date like 2026-12-31"
            ),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                self.add_error("end", bi("结束日期不能早于开始日期", "the last day is before the first day"))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", bi("统计区间最长5年", "the period can be at most 5 years"))
        return data


def _presets(today: dt.date) -> list[dict[str, str]]:
    def item(zh: str, en: str, start: dt.date, end: dt.date) -> dict[str, str]:
        return {"text": bi(zh, en), "query": urlencode({"start": start.isoformat(), "end": end.isoformat()})}

    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        item("今年", "This year", dt.date(today.year, 1, 1), today),
        item("本季度", "This quarter", quarter_start, today),
        item("近30天", "Last 30 days", today - dt.timedelta(days=29), today),
        item("去年", "Last year", dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
    ]


# Numerator and denominator shown beside each rate.
RATE_PARTS = {
    "reply_rate": ("replied", "dispatched"),
    "on_time_reply_rate": ("replied_on_time", "replied"),
    "signed_on_time_rate": ("signed_on_time", "dispatched"),
    "satisfaction_rate": ("satisfied", "ratings"),
}


def _cells(score: sc.UnitScore) -> list[dict[str, Any]]:
    cells = []
    for metric in sc.METRICS:
        value = score.value(metric.key)
        cell: dict[str, Any] = {"metric": metric, "value": value}
        if metric.rate:
            part, whole = RATE_PARTS[metric.key]
            cell["fraction"] = f"{getattr(score, part)}/{getattr(score, whole)}"
        cells.append(cell)
    return cells


def _total(scores: Iterable[sc.UnitScore]) -> sc.UnitScore:
    total = sc.UnitScore(unit_code="", unit_name=bi("合计", "Total"))
    for s in scores:
        for name in ("dispatched", "replied", "replied_on_time", "signed_on_time", "ratings", "satisfied"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.returns += s.returns
        total.transfers += s.transfers
        total.reopened += s.reopened
    return total


@roles_required(Role.SUPERVISOR, Role.ANALYST, Role.DISPATCHER)
def scorecards(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localtime(now()).date()
    given = "start" in request.GET or "end" in request.GET
    data = request.GET if given else {"start": dt.date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
    form = PeriodForm(data)
    context: dict[str, Any] = {"form": form, "presets": _presets(today), "metrics": sc.METRICS}
    if not form.is_valid():
        return render(request, "web/staff/scorecards.html", context, status=400)
    period = sc.Period(form.cleaned_data["start"], form.cleaned_data["end"])
    scope = f"{user.role}:{user.region_id or 'all'}"
    scores = sc.unit_scorecards(visible_messages_for(user), period, scope=scope)
    columns = {"unit": False, **{m.key: True for m in sc.METRICS}}
    sort = request.GET.get("sort", "-dispatched")
    if sort.lstrip("-") not in columns:
        sort = "-dispatched"
    ordered = sc.sorted_scores(scores, sort.lstrip("-"), descending=sort.startswith("-"))
    sorts = _sort_links(request, columns, sort)
    context.update(
        period=period,
        sort=sort,
        sorts=sorts,
        headers=[{"metric": m, "sort": sorts[m.key]} for m in sc.METRICS],
        sort_choices=[
            ("unit", bi("办理单位", "Unit")),
            *((f"-{m.key}", bi(f"{m.zh}：从高到低", f"{m.en}, highest first")) for m in sc.METRICS),
            *((m.key, bi(f"{m.zh}：从低到高", f"{m.en}, lowest first")) for m in sc.METRICS),
        ],
        rows=[{"score": s, "cells": _cells(s)} for s in ordered],
        total={"score": (t := _total(scores)), "cells": _cells(t)},
        cache_minutes=sc.CACHE_SECONDS // 60,
    )
    return render(request, "web/staff/scorecards.html", context)

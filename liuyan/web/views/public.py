"""Public pages: the home page, the board directory, the public message list and a message's page."""

from collections import OrderedDict
from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuyan.api.filters import MessageFilters, apply_filters
from liuyan.common.errors import LiuyanError
from liuyan.geo.models import Region, RegionLevel
from liuyan.messages.access import access_message_for, open_actions, visible_messages_for
from liuyan.messages.models import Message, MessageType
from liuyan.messages.present import LIST_RELATED, Viewer, list_item_for, message_detail, viewer_for
from liuyan.messages.states import PublicStatus, State
from liuyan.orgs.models import Board, BoardLevel
from liuyan.web import figures
from liuyan.web.actions import ACTIONS, ActionForm, action_title, form_for
from liuyan.web.forms import PortalForm, category_choices, region_choices
from liuyan.web.i18n import bi, choices, lazy_bi
from liuyan.web.views.common import capped_page, portal_user

HOME_CACHE_SECONDS = 60
REPLIED_STATES = [State.REPLIED, State.RATED, State.CLOSED, State.ARCHIVED, State.ANSWERED_DIRECTLY]


def platform_region() -> Region | None:
    """The smallest region holding every active board: the root of the directory (a province for one province's
    platform, None for a national one)."""
    cached = cache.get("liuyan:web:platform-region")
    if cached is not None:
        return Region.objects.filter(pk=cached).first() if cached else None
    paths = set(Board.objects.filter(is_active=True).values_list("region__path", flat=True))
    common = ""
    if paths:
        parts = [p.strip("/").split("/") for p in paths]
        for level in zip(*parts, strict=False):
            if len(set(level)) != 1:
                break
            common += level[0] + "/"
    region = Region.objects.filter(path=common).first() if common else None
    cache.set("liuyan:web:platform-region", region.pk if region else 0, 600)
    return region


def region_filter_choices(blank: str) -> list[tuple[Any, Any]]:
    """Regions to filter the list by: the provinces that have boards, down to counties for one province and to
    cities for a national platform (a select of 3,000 counties helps nobody)."""
    paths = (
        Board.objects.filter(is_active=True).exclude(level=BoardLevel.NATIONAL).values_list("region__path", flat=True)
    )
    codes = {code for path in paths for code in path.strip("/").split("/")}
    provinces = list(Region.objects.filter(code__in=codes, level=RegionLevel.PROVINCE).order_by("code"))
    options: list[tuple[Any, Any]] = [("", blank)]
    for province in provinces:
        options += region_choices(province, max_level=3 if len(provinces) == 1 else 2)
    return options


def board_groups(root: Region | None) -> list[dict[str, Any]]:
    """Active boards under `root`, grouped for a directory: the ministries first, then one group per region, at
    the first level below `root` where the boards spread over several regions (a platform for one province under
    中国 groups by city: the province's own boards, then each city with its counties)."""
    boards = Board.objects.filter(is_active=True).select_related("region").order_by("region__path", "level", "code")
    if root is not None:
        boards = boards.filter(region__path__startswith=root.path)
    national = [b for b in boards if b.level == BoardLevel.NATIONAL]
    local = [(b, b.region.path.strip("/").split("/")) for b in boards if b.level != BoardLevel.NATIONAL]
    depth = root.path.count("/") if root is not None else 0
    while (
        local and len({"/".join(c[: depth + 1]) for _b, c in local}) == 1 and any(len(c) > depth + 1 for _b, c in local)
    ):
        depth += 1
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    if national:
        groups["national"] = {"key": "national", "name": bi("国家部委", "Ministries"), "boards": national}
    for board, codes in local:
        key = "/".join(codes[: depth + 1])
        groups.setdefault(key, {"key": key, "name": "", "boards": []})["boards"].append(board)
    names = dict(Region.objects.filter(code__in=[k.split("/")[-1] for k in groups]).values_list("code", "name"))
    for group in groups.values():
        group["name"] = group["name"] or names.get(group["key"].split("/")[-1], group["key"])
    return list(groups.values())


def _latest_replied() -> list[dict[str, Any]]:
    key = "liuyan:web:latest-replied"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    public = visible_messages_for(AnonymousUser()).filter(state__in=REPLIED_STATES, replied_at__isnull=False)
    rows = public.select_related(*LIST_RELATED).order_by("-replied_at", "-id")[:8]
    items = [list_item_for(m, AnonymousUser()) for m in rows]
    cache.set(key, items, HOME_CACHE_SECONDS)
    return items


def home(request: HttpRequest) -> HttpResponse:
    root = platform_region()
    context = {
        "figures": figures.headline(),
        "groups": board_groups(root),
        "root": root,
        "latest": _latest_replied(),
    }
    return render(request, "web/public/home.html", context)


def boards(request: HttpRequest) -> HttpResponse:
    root = platform_region()
    code = request.GET.get("region", "").strip()
    if code:
        root = Region.objects.filter(code=code).first() or root
    return render(request, "web/public/boards.html", {"groups": board_groups(root), "root": root})


# ---------------------------------------------------------------------------------------------------------------
# The public list


class ListFilterForm(PortalForm):
    q = forms.CharField(label=lazy_bi("关键词", "Keywords"), required=False, max_length=100)
    board = forms.ChoiceField(label=lazy_bi("留言对象", "Board"), required=False)
    region = forms.ChoiceField(label=lazy_bi("地区", "Region"), required=False)
    category = forms.ChoiceField(label=lazy_bi("领域", "Category"), required=False)
    type = forms.ChoiceField(label=lazy_bi("类型", "Type"), required=False)
    status = forms.ChoiceField(label=lazy_bi("状态", "Status"), required=False)
    submitted_from = forms.DateField(
        label=lazy_bi("留言日期从", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=lazy_bi("至", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = bi("全部", "All")
        board_qs = Board.objects.filter(is_active=True).order_by("region__path", "level", "code")
        self.set_choices("board", [("", every)] + [(b.code, b.name) for b in board_qs.only("code", "name")])
        self.set_choices("region", region_filter_choices(every))
        self.set_choices("category", category_choices(blank=every))
        self.set_choices("type", choices(MessageType, blank=every))
        hidden = (PublicStatus.SUBMITTED, PublicStatus.REVIEWING)  # never listed publicly
        self.set_choices("status", [c for c in choices(PublicStatus, blank=every) if c[0] not in hidden])

    def filters(self) -> MessageFilters:
        d = self.cleaned_data
        return MessageFilters(
            q=d.get("q") or None,
            board=d.get("board") or None,
            region=d.get("region") or None,
            category=int(d["category"]) if d.get("category") else None,
            type=d.get("type") or None,
            public_status=d.get("status") or None,
            submitted_from=d.get("submitted_from"),
            submitted_to=d.get("submitted_to"),
        )


def public_messages(form: ListFilterForm) -> "QuerySet[Message]":
    """What the public list shows for these filters: public, accepted messages, newest first (masked text)."""
    anonymous = AnonymousUser()
    return apply_filters(visible_messages_for(anonymous), form.filters(), user=anonymous, search_original=False)


def message_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    page = None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        if not form.is_bound:
            form = ListFilterForm({})
            form.is_valid()
        try:
            messages = public_messages(form).select_related(*LIST_RELATED)
            page = capped_page(messages, request.GET.get("page"))
        except LiuyanError as exc:
            form.add_domain_error(exc)
            status = 400
    items = [list_item_for(m, AnonymousUser()) for m in page.items] if page is not None else []
    return render(request, "web/public/list.html", {"form": form, "page": page, "items": items}, status=status)


# ---------------------------------------------------------------------------------------------------------------
# A message's page


def message_page(request: HttpRequest, number: str) -> HttpResponse:
    user = portal_user(request) or AnonymousUser()
    message = access_message_for(user, number)
    return render_message(request, message, viewer_for(user, message))


def render_message(
    request: HttpRequest,
    message: Message,
    viewer: Viewer,
    *,
    bound: ActionForm | None = None,
    status: int = 200,
    template: str = "web/public/message.html",
) -> HttpResponse:
    """The message as this viewer may see it: masked for the public; with the author's own forms (rate, follow
    up, supplement) for its author (`bound`: a posted form to show again with its errors); staff get a link to
    their workspace."""
    detail = message_detail(message, viewer)
    action_forms: list[dict[str, Any]] = []
    if viewer.kind == "author" and viewer.actor is not None:
        user = portal_user(request)
        for action in open_actions(viewer.actor, message):
            if action not in ACTIONS:
                continue
            form = bound if bound is not None and bound.prefix == action else form_for(action, message, user)
            action_forms.append(
                {"action": action, "title": action_title(action), "form": form, "spec": ACTIONS[action]}
            )
    context = {"m": detail, "viewer": viewer, "action_forms": action_forms, "message": message}
    return render(request, template, context, status=status)

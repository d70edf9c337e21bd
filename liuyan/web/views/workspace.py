"""The staff workspace of one message, and the one endpoint that takes every lifecycle action from a form."""

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from liuyan.accounts.models import STAFF_ROLES, User
from liuyan.common.errors import LiuyanError, NotAuthenticated
from liuyan.geo.models import Region
from liuyan.intake.present import reading_for
from liuyan.messages.access import Actor, access_message_for, open_actions, sees_personal_data
from liuyan.messages.actions.engine import check_version
from liuyan.messages.models import Message
from liuyan.messages.present import message_detail, viewer_for, viewer_for_query_code
from liuyan.orgs.models import Unit
from liuyan.web.actions import ACTIONS, ActionForm, action_title, form_for
from liuyan.web.suggestions import Suggestion, suggestions_for
from liuyan.web.tracking import tracked_message
from liuyan.web.views.common import flash_ok, portal_user, roles_required, safe_next
from liuyan.web.views.public import render_message

# The order the workspace offers actions in: what moves the message on first, then the side paths.
MAIN_ACTIONS = (
    "accept",
    "dispatch",
    "sign",
    "submit_reply",
    "approve_reply",
    "approve_return",
    "decide_extension",
    "decide_cohandling",
    "resume",
    "reopen",
    "close",
    "answer_directly",
    "reject",
    "send_back_reply",
    "refuse_return",
)
UNIT_DATALIST_LIMIT = 2000


def _ordered(actions: list[str]) -> tuple[list[str], list[str]]:
    main = [a for a in MAIN_ACTIONS if a in actions]
    side = [a for a in actions if a not in main]
    return main, side


def unit_options(user: User, message: Message) -> list[Unit]:
    """Units a dispatcher may pick from: active units in the message board's region (the browser's suggestion list)."""
    region: Region = message.board.region
    if user.region is not None and not region.path.startswith(user.region.path):
        region = user.region
    top = region
    while top.level > 1 and top.parent is not None:  # a province's platform dispatches across the province
        top = top.parent
    return list(
        Unit.objects.filter(is_active=True, region__path__startswith=top.path)
        .only("code", "name")
        .order_by("code")[:UNIT_DATALIST_LIMIT]
    )


def suggestions(message: Message) -> list[Suggestion]:
    """Where this message should go, with the reason (the same list the dispatch queue shows)."""
    return suggestions_for([message])[message.pk]


def render_workspace(
    request: HttpRequest, user: User, message: Message, *, bound: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    actor = Actor.of(user)
    detail = message_detail(message, viewer_for(user, message))
    open_now = [a for a in open_actions(actor, message) if a in ACTIONS]
    template_id = request.GET.get("template")

    def form(action: str) -> ActionForm:
        if bound is not None and bound.prefix == action:
            return bound
        extra = (
            {"template": int(template_id)} if action == "submit_reply" and template_id and template_id.isdigit() else {}
        )
        return form_for(action, message, user, **extra)

    main, side = _ordered(open_now)
    panels = [
        {
            "action": a,
            "title": action_title(a),
            "form": form(a),
            "spec": ACTIONS[a],
            "open": bound is not None and bound.prefix == a,
        }
        for a in main + side
    ]
    needs_units = {"dispatch", "transfer", "approve_return", "request_transfer", "request_cohandling"} & set(open_now)
    reply_panel = next((p for p in panels if p["action"] == "submit_reply"), None)
    context = {
        "m": detail,
        "message": message,
        "panels": panels,
        "main_count": len(main),
        "suggestions": suggestions(message) if "dispatch" in open_now else [],
        "intake": reading_for(message.pk, personal=sees_personal_data(user, message)),
        "unit_options": unit_options(user, message) if needs_units else [],
        "reply_templates": reply_panel["form"].templates if reply_panel else [],  # type: ignore[attr-defined]
    }
    return render(request, "web/staff/workspace.html", context, status=status)


@roles_required(*STAFF_ROLES)
def workspace(request: HttpRequest, number: str) -> HttpResponse:
    user = portal_user(request)
    assert user is not None
    return render_workspace(request, user, access_message_for(user, number))


def _subject(request: HttpRequest, number: str) -> tuple[Message, Actor, str]:
    """Who acts on which message, and which page shows the result: staff → workspace, a signed-in author → the
    message page, an anonymous author proven by 查询码 in this session → the tracking page."""
    user = portal_user(request)
    # Number + 查询码 proven in this session count for a citizen too (say a relative's anonymous message), unless
    # it is their own message: then their account acts.
    proven = tracked_message(request, number) if user is None or user.role not in STAFF_ROLES else None
    if proven is not None and (user is None or proven.author_id != user.pk):
        return proven, Actor.anonymous_author(proven), "tracked"
    if user is not None:
        message = access_message_for(user, number)
        return message, Actor.of(user), ("workspace" if user.role in STAFF_ROLES else "message")
    raise NotAuthenticated(
        "请先登录，或用留言编号和查询码查询后再操作",
        "log in, or track the message with its number and query code first",
    )


def _page_url(page: str, message: Message) -> str:
    name = {"workspace": "web:workspace", "message": "web:message", "tracked": "web:tracked"}[page]
    return reverse(name, kwargs={"number": message.number})


@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action from its form; on success back to the page it came from, otherwise that page again with the
    form's errors (nothing was written: every action runs in one transaction)."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    message, actor, page = _subject(request, number)
    user = portal_user(request)
    form = form_for(action, message, user, request.POST)
    status = 400
    if form.is_valid():
        try:
            check_version(message, form.cleaned_data.get("version"))
            spec.run(actor, message, form.cleaned_data)
        except LiuyanError as exc:
            form.add_domain_error(exc)
            status = exc.status
        else:
            flash_ok(request, spec.done_zh, spec.done_en)
            return redirect(safe_next(request, _page_url(page, message)))
    message.refresh_from_db()
    if action not in open_actions(actor, message):
        # The form will not be on the page again (the message moved on): say why here.
        for error in form.non_field_errors():
            messages.error(request, str(error))
    if page == "workspace":
        assert user is not None
        return render_workspace(request, user, message, bound=form, status=status)
    if page == "message":
        return render_message(request, message, viewer_for(user or AnonymousUser(), message), bound=form, status=status)
    return render_message(
        request,
        message,
        viewer_for_query_code(message),
        bound=form,
        status=status,
        template="web/citizen/tracked.html",
    )

"""Citizens' pages: writing a message, its confirmation, tracking by 查询码, my messages, my notifications."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from liuyan.accounts.models import STAFF_ROLES, Role, User
from liuyan.common import ratelimit
from liuyan.common.clock import now
from liuyan.common.errors import Forbidden, LiuyanError, NotFound, ServiceUnavailable
from liuyan.common.net import client_ip
from liuyan.geo.models import Region
from liuyan.messages import actions
from liuyan.messages.access import Actor, access_by_query_code, open_actions, visible_messages_for
from liuyan.messages.models import BODY_MAX, TITLE_MAX, Message, MessageType, Source
from liuyan.messages.present import LIST_RELATED, list_item_for, viewer_for_query_code
from liuyan.messages.states import CREATION_ACTIONS, PUBLIC_STATUS, TRANSITIONS, PublicStatus
from liuyan.notify import inbox
from liuyan.notify.inbox import notifications_for
from liuyan.notify.models import Notification
from liuyan.orgs.models import Board, BoardLevel
from liuyan.taxonomy.models import Category
from liuyan.web.forms import MessageNumberField, PortalForm, category_choices, region_choices
from liuyan.web.i18n import bi, choices, lazy_bi
from liuyan.web.tracking import remember_tracked, tracked_message
from liuyan.web.views.common import flash_ok, login_required, portal_user, small_page
from liuyan.web.views.public import board_groups, platform_region, render_message

# ---------------------------------------------------------------------------------------------------------------
# Who may write


def _may_submit(user: User | None) -> bool:
    """Anyone without an account, citizens, and the platform staff who file on a caller's behalf (帮办)."""
    return user is None or user.role in CREATION_ACTIONS["submit"][2]


def _on_behalf(user: User | None) -> bool:
    """Staff filing for a caller (帮办): the message has no author and the caller's phone is required."""
    return user is not None and user.role in STAFF_ROLES


def _refuse_unless_may_submit(user: User | None) -> None:
    if not _may_submit(user):
        raise Forbidden("当前角色不能提交留言", "your role may not submit messages", code="role_forbidden")


def _refuse_while_paused() -> None:
    # do_submit refuses too; saying so before the citizen types a long message spares them the effort.
    if settings.SUBMISSIONS_PAUSED:
        raise ServiceUnavailable(
            "留言提交暂停中，请稍后再试", "submissions are paused; please try again later", code="submissions_paused"
        )


def _helper_context(request: HttpRequest) -> dict[str, Any]:
    user = portal_user(request)
    return {"on_behalf": _on_behalf(user), "signed_in": user is not None}


def choose_board(request: HttpRequest) -> HttpResponse:
    """Step 1: whom to write to, the board directory with each board linking to its form."""
    _refuse_unless_may_submit(portal_user(request))
    root = platform_region()
    context = {"groups": board_groups(root), "root": root, "paused": settings.SUBMISSIONS_PAUSED}
    return render(request, "web/citizen/choose_board.html", {**context, **_helper_context(request)})


# ---------------------------------------------------------------------------------------------------------------
# The message form

TYPE_HINTS: dict[str, tuple[str, str]] = {
    MessageType.COMPLAINT: (
        "反映侵害您或公共利益的问题，请有关部门纠正、查处",
        "something wrong that a department should put right",
    ),
    MessageType.HELP: ("遇到困难，请政府部门帮助解决", "a difficulty you need a department's help with"),
    MessageType.INQUIRY: ("询问政策规定、办事流程等", "a question about a policy or how to get something done"),
    MessageType.SUGGESTION: ("对政府工作和公共事务提出意见建议", "an idea to improve public services or policies"),
    MessageType.THANKS: ("感谢为您解决问题的部门或工作人员", "thanks to a department or official who helped you"),
}


class TypeRadios(forms.RadioSelect):
    """The message types as radio buttons, each with a line saying what it is for."""

    option_template_name = "web/citizen/type_option.html"

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        hint = TYPE_HINTS.get(str(option["value"]))
        option["hint"] = bi(*hint) if hint else ""
        return option


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked (type, size, content) by do_submit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        return [single(f, initial) for f in uploads if f]


class PlainTextField(forms.CharField):
    """Text as typed, with the browser's CRLF line breaks counted as one character (as the page's counter does)."""

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return text.replace("\r\n", "\n") if text else text


def _required(zh: str, en: str) -> dict[str, Any]:
    return {"required": lazy_bi(zh, en)}


def _too_long(zh: str, en: str) -> dict[str, Any]:
    return {"max_length": lazy_bi(zh + "（现为%(show_value)d字）", en + " (it has %(show_value)d)")}


_CHOOSE_AGAIN = {"invalid_choice": lazy_bi("请从列表中选择", "choose one from the list")}


class WriteForm(PortalForm):
    # do_submit's errors that are about one field: shown on that field.
    error_fields = {
        "invalid_phone": "contact_phone",
        "missing_contact": "contact_phone",
        "attachment_type": "attachments",
        "attachment_too_large": "attachments",
        "attachment_empty": "attachments",
        "too_many_attachments": "attachments",
        "invalid_category": "category",
        "invalid_region": "region",
        "invalid_choice": "type",
    }

    type = forms.ChoiceField(
        label=lazy_bi("留言类型", "Type of message"),
        choices=choices(MessageType),
        widget=TypeRadios(attrs={"class": "choice-cards"}),
        error_messages={**_required("请选择留言类型", "choose the type of your message"), **_CHOOSE_AGAIN},
    )
    category = forms.ChoiceField(
        label=lazy_bi("问题领域", "Subject area"),
        required=False,
        help_text=lazy_bi("不确定可以不选，工作人员会帮您归类", "if you are not sure, leave it: the staff will choose"),
        error_messages=_CHOOSE_AGAIN,
    )
    region = forms.ChoiceField(
        label=lazy_bi("问题所在地区", "Where the problem is"),
        help_text=lazy_bi("默认为留言对象所在地区，可选择到区县", "the board's region unless you choose a county"),
        error_messages={**_required("请选择问题所在地区", "choose where the problem is"), **_CHOOSE_AGAIN},
    )
    title = PlainTextField(
        label=lazy_bi("标题", "Title"),
        max_length=TITLE_MAX,
        help_text=lazy_bi(
            f"一句话概括问题，不超过{TITLE_MAX}字，如“幸福小区3栋电梯故障两个月未修”",
            f"the problem in one line, at most {TITLE_MAX} characters",
        ),
        error_messages={
            **_required("请填写标题", "enter a title"),
            **_too_long(f"标题不能超过{TITLE_MAX}字", f"the title may have at most {TITLE_MAX} characters"),
        },
    )
    body = PlainTextField(
        label=lazy_bi("留言内容", "Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": BODY_MAX}),
        help_text=lazy_bi(
            "请写清楚：问题发生的时间、具体地点（区县、街道、小区、楼栋）、经过和现状、已经向哪些部门反映过，"
            f"以及您的诉求。一件留言反映一件事，不超过{BODY_MAX:,}字。",
            "Say when and where it happens (county, street, estate, building), what happened and how things stand, "
            f"whom you have already asked, and what you would like done. One matter per message, at most "
            f"{BODY_MAX:,} characters.",
        ),
        error_messages={
            **_required("请填写留言内容", "write your message"),
            **_too_long(f"留言内容不能超过{BODY_MAX:,}字", f"the message may have at most {BODY_MAX:,} characters"),
        },
    )
    attachments = MultipleFileField(
        label=lazy_bi("附件（选填）", "Attachments (optional)"),
        required=False,
        allow_empty_file=True,  # do_submit names the empty file in its message
    )
    confidential = forms.BooleanField(
        label=lazy_bi("保密（不在网站公开）", "Confidential (not published)"),
        required=False,
        help_text=lazy_bi(
            "勾选后，留言和答复不在网站公开，只有您本人和办理人员可以看到。",
            "Only you and the staff handling it will see the message and its reply.",
        ),
    )
    nickname = forms.CharField(
        label=lazy_bi("昵称（公开显示）", "Nickname (shown publicly)"),
        required=False,
        max_length=40,
        help_text=lazy_bi("不填则显示为“网友”", "“网友” (netizen) if you leave it empty"),
        error_messages=_too_long("昵称不能超过40字", "the nickname may have at most 40 characters"),
    )
    contact_name = forms.CharField(
        label=lazy_bi("联系人姓名（选填，不公开）", "Your name (optional, never shown)"),
        required=False,
        help_text=lazy_bi("方便办理人员称呼您", "so that the staff know how to address you"),
        max_length=40,
        error_messages=_too_long("姓名不能超过40字", "the name may have at most 40 characters"),
    )
    contact_phone = forms.CharField(
        label=lazy_bi("联系电话（不公开）", "Contact phone (never shown)"),
        required=False,
        max_length=20,
        help_text=lazy_bi("办理单位用它联系您核实情况，不会公开", "the unit calls you on it; it is never published"),
        error_messages={
            **_required("请填写联系电话，以便办理单位联系您", "enter a phone number so that the unit can reach you"),
            **_too_long("联系电话不能超过20位", "the phone number may have at most 20 characters"),
        },
    )
    contact_email = forms.EmailField(
        label=lazy_bi("电子邮箱（选填）", "E-mail (optional)"),
        required=False,
        help_text=lazy_bi("用于接收办理进度通知，不会公开", "for notices about your message; never published"),
        error_messages={"invalid": lazy_bi("电子邮箱格式不正确", "this is not a valid e-mail address")},
    )

    def __init__(self, *args: Any, board: Board, user: User | None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.board = board
        self.set_choices("category", category_choices(blank=bi("— 请选择（可不选）—", "— choose (optional) —")))
        # A ministry's board covers the country: cities are precise enough there, counties would be thousands.
        depth = 2 if board.level == BoardLevel.NATIONAL else 3
        self.set_choices("region", region_choices(board.region, max_level=depth))
        self.initial.setdefault("region", board.region.code)
        f = self.fields
        f["contact_phone"].required = user is None or _on_behalf(user)
        f["contact_phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        f["contact_email"].widget.attrs.update(autocomplete="email")
        f["contact_name"].widget.attrs.update(autocomplete="name")
        f["nickname"].widget.attrs.update(autocomplete="nickname")
        f["title"].widget.attrs.update(maxlength=TITLE_MAX, **{"data-count": "1"})
        types = ",".join(f".{t}" for t in settings.ATTACHMENT_TYPES)
        f["attachments"].widget.attrs.update(accept=types)
        f["attachments"].help_text = bi(
            f"最多{settings.ATTACHMENT_MAX_COUNT}个文件，每个不超过{_megabytes()}MB，格式："
            f"{'、'.join(settings.ATTACHMENT_TYPES)}。附件只有您本人和工作人员可以查看，不会公开。",
            f"Up to {settings.ATTACHMENT_MAX_COUNT} files of at most {_megabytes()} MB each: "
            f"{', '.join(settings.ATTACHMENT_TYPES)}. Only you and the staff see them; they are never published.",
        )
        if user is not None and not _on_behalf(user):
            self.initial.setdefault("contact_phone", user.phone or "")
            self.initial.setdefault("contact_email", user.email or "")
            self.initial.setdefault("nickname", user.nickname or "")

    def add_domain_error(self, error: LiuyanError) -> None:
        # do_submit's own text checks name their fields in `details`: {"title": "标题不能为空 / the title is empty"}.
        details = error.details if isinstance(error.details, dict) else {}
        texts = {k: v for k, v in details.items() if k in ("title", "body") and isinstance(v, str) and " / " in v}
        if not texts:
            super().add_domain_error(error)
        for name, text in texts.items():
            zh, en = text.split(" / ", 1)
            self.add_error(name, bi(zh, en))

    def clean_category(self) -> Category | None:
        value = self.cleaned_data.get("category")
        return Category.objects.filter(pk=int(value), is_active=True).first() if value else None

    def clean_region(self) -> Region | None:
        value = self.cleaned_data.get("region")
        return Region.objects.filter(code=value).first() if value else None


def _megabytes() -> str:
    return f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):g}"


def _submit(request: HttpRequest, form: WriteForm, user: User | None) -> actions.Submission:
    """do_submit with the platform's submission limits (checked first, counted on success), as the API does."""
    d = form.cleaned_data
    staff = _on_behalf(user)
    limits = ratelimit.submission_limits(
        ip=client_ip(request),
        user_id=user.pk if user is not None else None,
        contact_phone=d["contact_phone"],
        account_phone=(user.phone or "") if user is not None else "",
        staff=staff,
    )
    ratelimit.check(limits)
    submission = actions.do_submit(
        Actor.of(user) if user is not None else Actor(user=None, role=Role.CITIZEN),
        board=form.board,
        type=d["type"],
        title=d["title"],
        body=d["body"],
        category=d["category"],
        region=d["region"],
        is_public=not d["confidential"],
        nickname=d["nickname"],
        contact_name=d["contact_name"],
        contact_phone=d["contact_phone"],
        contact_email=d["contact_email"],
        attachments=d["attachments"],
        source=Source.PHONE if staff else Source.WEB,
    )
    ratelimit.hit(ratelimit.names(limits))
    return submission


# The 查询码 of messages written in this session, until the confirmation page has shown it once.
WRITTEN_KEY = "ly_written"
WRITTEN_KEPT = 5


def _remember_written(request: HttpRequest, number: str, code: str) -> None:
    written = dict(request.session.get(WRITTEN_KEY) or {})
    written[number] = code
    request.session[WRITTEN_KEY] = dict(list(written.items())[-WRITTEN_KEPT:])


def write(request: HttpRequest, board: str) -> HttpResponse:
    """Step 2: the message form. Valid → do_submit → the confirmation page (POST/redirect/GET); refused → the
    same form with what was typed (not the files) and the error on its field."""
    user = portal_user(request)
    _refuse_unless_may_submit(user)
    board_obj = Board.objects.select_related("region").filter(code=board, is_active=True).first()
    if board_obj is None:
        raise NotFound("留言对象不存在或已停用", "this board does not exist or is closed", code="invalid_board")
    _refuse_while_paused()
    posted = request.method == "POST"
    form = WriteForm(request.POST if posted else None, request.FILES if posted else None, board=board_obj, user=user)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                submission = _submit(request, form, user)
            except (ServiceUnavailable, Forbidden):
                raise  # an error page: the form cannot help
            except LiuyanError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                message = submission.message
                _remember_written(request, message.number, submission.query_code)
                if user is None:
                    remember_tracked(request, message)
                return redirect("web:write_done", number=message.number)
    context = {
        "form": form,
        "board": board_obj,
        "files_dropped": posted and bool(request.FILES) and bool(form.errors),
        **_helper_context(request),
    }
    return render(request, "web/citizen/write.html", context, status=status)


def write_done(request: HttpRequest, number: str) -> HttpResponse:
    """Step 3: the number and, once, the 查询码 (forgotten as soon as this page has shown it)."""
    written = dict(request.session.get(WRITTEN_KEY) or {})
    if number not in written:
        user = portal_user(request)
        if user is not None:
            return redirect("web:message", number=number)
        return redirect(f"{reverse('web:track')}?number={number}")
    code = written[number]
    if code:
        written[number] = ""
        request.session[WRITTEN_KEY] = written
    message = Message.objects.select_related("board").filter(number=number).first()
    if message is None:
        raise Http404
    user = portal_user(request)
    context = {
        "message": message,
        "code": code,
        "anonymous": user is None,
        "on_behalf": _on_behalf(user),
        "public_status": PublicStatus(PUBLIC_STATUS[message.state]).label,
    }
    return _private(render(request, "web/citizen/write_done.html", context))


def _private(response: HttpResponse) -> HttpResponse:
    """A page with a 查询码 or an author's view: never kept by the browser's or a proxy's cache."""
    patch_cache_control(response, private=True, no_store=True)
    return response


# ---------------------------------------------------------------------------------------------------------------
# Tracking by number + 查询码


class TrackForm(PortalForm):
    number = MessageNumberField(
        label=lazy_bi("留言编号", "Message number"),
        help_text=lazy_bi("16位数字，如 2026030200001234", "16 digits, e.g. 2026030200001234"),
        error_messages=_required("请输入留言编号", "enter the message number"),
    )
    code = forms.CharField(
        label=lazy_bi("查询码", "Query code"),
        max_length=32,
        help_text=lazy_bi("提交留言时显示的8位字母数字，不区分大小写", "the 8 letters and digits shown on submitting"),
        error_messages=_required("请输入查询码", "enter the query code"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")[:20]})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message = access_by_query_code(
                    form.cleaned_data["number"], form.cleaned_data["code"], client=client_ip(request)
                )
            except LiuyanError as exc:
                form.add_domain_error(exc)
                # A wrong code is a mistake in the form (400), not a missing page.
                status = 400 if exc.status == 404 else exc.status
            else:
                remember_tracked(request, message)
                return redirect("web:tracked", number=message.number)
    return _private(render(request, "web/citizen/track.html", {"form": form}, status=status))


def tracked(request: HttpRequest, number: str) -> HttpResponse:
    """The message as its anonymous author sees it, with their forms (rate, follow up, supplement), while this
    session's proof is fresh; otherwise the tracking form again."""
    message = tracked_message(request, number)
    if message is None:
        return redirect(f"{reverse('web:track')}?number={number}")
    user = portal_user(request)
    if user is not None and message.author_id == user.pk:
        return redirect("web:message", number=number)  # their own message: the full author's page
    response = render_message(request, message, viewer_for_query_code(message), template="web/citizen/tracked.html")
    return _private(response)


# ---------------------------------------------------------------------------------------------------------------
# My messages


@dataclass(frozen=True)
class Tab:
    key: str
    zh: str
    en: str
    states: frozenset[str] | None  # None: all

    @property
    def text(self) -> str:
        return bi(self.zh, self.en)


def _states_of(*statuses: str) -> frozenset[str]:
    return frozenset(state for state, status in PUBLIC_STATUS.items() if status in statuses)


# What the author is asked to do: rate a reply, supply what the unit asked for (the transition table says when).
NEEDS_AUTHOR = {"rate": ("待评价", "Please rate"), "resume": ("待补充", "Please add information")}

TABS = (
    Tab("all", "全部", "All", None),
    Tab("todo", "待我处理", "Needs you", frozenset(s for a in NEEDS_AUTHOR for s in TRANSITIONS[a].sources)),
    Tab("reviewing", "审核中", "Under review", _states_of(PublicStatus.SUBMITTED, PublicStatus.REVIEWING)),
    Tab("handling", "办理中", "Being handled", _states_of(PublicStatus.ACCEPTED, PublicStatus.HANDLING)),
    Tab("replied", "已回复", "Replied", _states_of(PublicStatus.REPLIED, PublicStatus.RATED)),
    Tab("closed", "已办结", "Closed", _states_of(PublicStatus.CLOSED)),
    Tab("rejected", "不予受理", "Not accepted", _states_of(PublicStatus.REJECTED)),
)


def _own_messages(user: User) -> "QuerySet[Message]":
    return visible_messages_for(user).filter(author=user)


@login_required
def my_messages(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    assert user is not None
    if user.role in STAFF_ROLES:
        return redirect("web:work_home")
    mine = _own_messages(user)
    per_state = dict(mine.order_by().values_list("state").annotate(n=Count("pk")))
    tab = next((t for t in TABS if t.key == request.GET.get("tab")), TABS[0])
    counts = {t.key: sum(n for s, n in per_state.items() if t.states is None or s in t.states) for t in TABS}
    rows = mine if tab.states is None else mine.filter(state__in=sorted(tab.states))
    page = small_page(rows.select_related(*LIST_RELATED).order_by("-submitted_at", "-id"), request.GET.get("page"))
    actor = Actor.of(user)
    items = []
    for m in page.object_list:
        open_now = open_actions(actor, m)
        item = list_item_for(m, user)
        item["needs"] = [bi(*text) for action, text in NEEDS_AUTHOR.items() if action in open_now]
        items.append(item)
    context = {
        "tabs": [{"key": t.key, "text": t.text, "count": counts[t.key], "current": t is tab} for t in TABS],
        "tab": tab,
        "page": page,
        "items": items,
        "total": counts["all"],
    }
    return _private(render(request, "web/citizen/my_messages.html", context))


# ---------------------------------------------------------------------------------------------------------------
# Notifications


def _target(notification: Notification, user: User) -> str:
    """Where a notice leads: its message (staff: their workspace), or the list of notices."""
    if notification.message is None:
        return reverse("web:notifications")
    name = "web:workspace" if user.role in STAFF_ROLES else "web:message"
    return reverse(name, kwargs={"number": notification.message.number})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = portal_user(request)
    assert user is not None
    mine = notifications_for(user)
    if request.method == "POST":
        if request.POST.get("action") == "read_all":
            marked = mine.filter(read_at__isnull=True).update(read_at=now())
            flash_ok(request, f"已将{marked}条通知标为已读", f"{marked} notices marked as read")
        return redirect("web:notifications")
    page = small_page(mine.select_related("message").order_by("-created_at", "-id"), request.GET.get("page"))
    items = [
        {
            "id": n.pk,
            "title": bi(n.title, n.title_en or n.title),
            "body": n.body,
            "created_at": n.created_at,
            "unread": n.read_at is None,
            "url": _target(n, user),
            "number": n.message.number if n.message is not None else "",
        }
        for n in page.object_list
    ]
    return render(request, "web/citizen/notifications.html", {"page": page, "items": items})


@require_POST
@login_required
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = portal_user(request)
    assert user is not None
    return redirect(_target(inbox.mark_read(user, notification_id), user))

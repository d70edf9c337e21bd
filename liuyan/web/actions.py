"""Every lifecycle action as a portal form: the fields it asks for, and the `do_*` call it makes.

The pages never decide what a user may do: they offer the forms of `open_actions(actor, message)` (the transition
table narrowed by scope), and the action itself checks again when the form is posted.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.common.errors import Forbidden, NotFound
from liuyan.geo.models import Region
from liuyan.messages import actions
from liuyan.messages.access import Actor, access_message_for
from liuyan.messages.models import (
    ContactChannel,
    Message,
    MessageType,
    RejectReason,
    ReturnBasis,
    Satisfaction,
    SupervisionLevel,
)
from liuyan.messages.states import TRANSITIONS
from liuyan.orgs.models import ReplyTemplate
from liuyan.taxonomy.models import Category
from liuyan.web.forms import (
    MessageNumberField,
    PortalForm,
    UnitField,
    UnitsField,
    category_choices,
    long_text,
    region_choices,
    text,
)
from liuyan.web.i18n import bi, choices, lazy_bi

END_OF_WORKING_DAY = dt.time(18, 0)


class ActionForm(PortalForm):
    """A form for one action on one message, by one user (some choices and initial values depend on both)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, message: Message, user: User | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", message.version)
        super().__init__(*args, **kwargs)
        self.message = message
        self.user = user

    def message_ref(self, field: str) -> Message | None:
        """A message named by number in a field, if the user may see it (else a field error)."""
        number = self.cleaned_data.get(field)
        if not number:
            return None
        if self.user is None:
            raise forms.ValidationError(bi("需要登录", "you need to log in"))
        try:
            return access_message_for(self.user, number)
        except (NotFound, Forbidden):
            self.add_error(field, bi(f"留言“{number}”不存在", f"no message {number}"))
            return None


def note_field(zh: str = "备注（选填）", en: str = "Note (optional)", required: bool = False) -> forms.CharField:
    return long_text(zh, en, required=required, rows=3, max_length=2000)


def reason_field(zh: str = "理由", en: str = "Reason") -> forms.CharField:
    return long_text(zh, en, rows=3, max_length=2000)


def regulations_field() -> forms.CharField:
    return long_text(
        "引用的法律法规（选填，每行一条）",
        "Laws and regulations cited (optional, one per line)",
        required=False,
        rows=2,
    )


def lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def deadline_on(day: dt.date) -> dt.datetime:
    """A deadline given as a day means the end of that working day, local time."""
    return timezone.make_aware(dt.datetime.combine(day, END_OF_WORKING_DAY))


# ---------------------------------------------------------------------------------------------------------------
# Forms


class NoteForm(ActionForm):
    note = note_field()


class ReasonForm(ActionForm):
    reason = reason_field()


class OptionalReasonForm(ActionForm):
    reason = note_field("说明（选填）", "Explanation (optional)")


class EmptyForm(ActionForm):
    pass


class RejectForm(ActionForm):
    reason_code = forms.ChoiceField(label=lazy_bi("不予受理原因", "Reason code"), choices=choices(RejectReason))
    reason = long_text("告知留言人的说明", "Explanation for the citizen", rows=3, max_length=2000)
    duplicate_of = MessageNumberField(
        label=lazy_bi("重复的留言编号（重复留言时填写）", "Number of the message it repeats (for duplicates)"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["duplicate_message"] = self.message_ref("duplicate_of")
        return data


class AnswerForm(ActionForm):
    body = long_text("答复内容", "Answer", rows=8)
    regulations = regulations_field()


class MergeForm(ActionForm):
    primary = MessageNumberField(label=lazy_bi("主留言编号", "Number of the primary message"))
    reason = note_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["primary_message"] = self.message_ref("primary")
        if "primary" in data and data["primary_message"] is None and not self.has_error("primary"):
            self.add_error("primary", bi("请填写主留言编号", "enter the primary message's number"))
        return data


class ReclassifyForm(ActionForm):
    type = forms.ChoiceField(label=lazy_bi("留言类型", "Type"), choices=choices(MessageType))
    category = forms.TypedChoiceField(label=lazy_bi("领域", "Category"), coerce=int, required=False, empty_value=None)
    region = forms.ChoiceField(label=lazy_bi("问题所在地区", "Region of the problem"), required=False)
    is_urgent = forms.BooleanField(label=lazy_bi("紧急（2小时内签收）", "Urgent (sign within 2 hours)"), required=False)
    reason = note_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        m = self.message
        self.set_choices("category", category_choices(blank=bi("（未分类）", "(none)")))
        self.set_choices("region", region_choices(m.board.region, blank=bi("（未指定）", "(none)")))
        self.initial.update(type=m.type, category=m.category_id, region=m.region.code if m.region else "")
        self.initial["is_urgent"] = m.is_urgent

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category, region = data.get("category"), data.get("region")
        data["category_obj"] = Category.objects.filter(pk=int(category)).first() if category else None
        data["region_obj"] = Region.objects.filter(code=str(region)).first() if region else None
        return data


class RedactForm(ActionForm):
    public_title = text("公开标题", "Public title", max_length=100)
    public_body = long_text("公开内容", "Public text", rows=8)
    reason = text("屏蔽原因", "Why", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.update(public_title=self.message.public_title, public_body=self.message.public_body)


class DispatchForm(ActionForm):
    unit = UnitField(
        label=lazy_bi("主办单位", "Main unit"), help_text=lazy_bi("输入单位名称或编码", "unit name or code")
    )
    co_units = UnitsField(
        label=lazy_bi("协办单位（选填，逗号分隔）", "Co-handling units (optional, comma-separated)"), required=False
    )
    note = note_field("交办意见（选填）", "Instructions (optional)")


class ReturnForm(ActionForm):
    basis = forms.ChoiceField(
        label=lazy_bi("退回依据", "Basis"), choices=choices(ReturnBasis), widget=forms.RadioSelect
    )
    reason = reason_field("退回理由", "Reason for the return")


class TransferRequestForm(ActionForm):
    target_unit = UnitField(label=lazy_bi("建议转办给", "Transfer to"))
    basis = forms.ChoiceField(
        label=lazy_bi("依据（选填）", "Basis (optional)"), choices=choices(ReturnBasis, blank="—"), required=False
    )
    reason = reason_field("转办理由", "Reason for the transfer")


class ApproveReturnForm(ActionForm):
    to_unit = UnitField(
        label=lazy_bi(
            "直接改派给（选填；不填则退回交办队列）", "Re-dispatch to (optional; else back to the dispatch queue)"
        ),
        required=False,
    )
    note = note_field()


class TransferForm(ActionForm):
    unit = UnitField(label=lazy_bi("转办给", "Transfer to"))
    reason = reason_field("转办理由", "Reason for the transfer")


class CohandlingRequestForm(ActionForm):
    units = UnitsField(label=lazy_bi("协办单位（逗号分隔）", "Co-handling units (comma-separated)"))
    reason = reason_field("协办理由", "Why they are needed")


_DECISIONS = [("yes", lazy_bi("同意", "Approve")), ("no", lazy_bi("不同意", "Refuse"))]


class DecideForm(ActionForm):
    decision = forms.ChoiceField(label=lazy_bi("审批意见", "Decision"), choices=_DECISIONS, widget=forms.RadioSelect)
    note = note_field("说明（不同意时必填）", "Note (required when refusing)")


class ExtensionForm(ActionForm):
    due_date = forms.DateField(
        label=lazy_bi("申请延期至", "New deadline"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=lazy_bi("截止当日18:00", "until 18:00 that day"),
    )
    reason = reason_field("延期理由", "Reason for the extension")


class DecideExtensionForm(DecideForm):
    due_date = forms.DateField(
        label=lazy_bi("批准的期限（选填，默认为申请的日期）", "Approved deadline (optional; default: as requested)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )


class ContactForm(ActionForm):
    channel = forms.ChoiceField(label=lazy_bi("联系方式", "Channel"), choices=choices(ContactChannel))
    summary = long_text("联系情况", "What was said", rows=3, max_length=2000)


class QuestionForm(ActionForm):
    question = long_text("需要群众补充的内容", "What the citizen should add", rows=3, max_length=2000)


class SupplementForm(ActionForm):
    supplement = long_text("补充内容", "Your additional information", rows=4, max_length=5000, required=False)


class NoteBodyForm(ActionForm):
    body = long_text("内部备注（仅工作人员可见）", "Internal note (staff only)", rows=3, max_length=5000)


class ReplyForm(ActionForm):
    body = long_text("答复内容", "Reply", rows=10)
    regulations = regulations_field()

    def __init__(self, *args: Any, template: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = list(
            ReplyTemplate.objects.filter(Q(unit__isnull=True) | Q(unit_id=self.message.unit_id), is_active=True)
        )
        chosen = next((t for t in self.templates if t.pk == template), None)
        if chosen is not None:
            self.initial["body"] = chosen.body


class RateForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=lazy_bi("您对答复是否满意", "How satisfied are you with the reply"),
        choices=choices(Satisfaction),
        widget=forms.RadioSelect,
    )
    resolved = forms.ChoiceField(
        label=lazy_bi("问题是否已解决", "Was the problem solved"),
        choices=[("yes", lazy_bi("已解决", "Solved")), ("no", lazy_bi("未解决", "Not solved"))],
        widget=forms.RadioSelect,
        required=False,
    )
    reason = long_text(
        "评价说明（不满意时必填）", "Comment (required when unsatisfied)", rows=3, max_length=2000, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("satisfaction") == Satisfaction.UNSATISFIED and not (data.get("reason") or "").strip():
            self.add_error("reason", bi("请说明不满意的原因", "tell us why you are not satisfied"))
        return data


class FollowUpForm(ActionForm):
    question = long_text("追问内容", "Your follow-up question", rows=4, max_length=2000)


class SuperviseForm(ActionForm):
    level = forms.ChoiceField(label=lazy_bi("督办级别", "Level"), choices=choices(SupervisionLevel))
    note = note_field("督办意见（选填）", "Instructions (optional)")


class FlagKeyForm(ActionForm):
    is_key = forms.ChoiceField(
        label=lazy_bi("重点留言", "Key message"),
        choices=[("yes", lazy_bi("标记为重点", "Flag")), ("no", lazy_bi("取消标记", "Unflag"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    reason = text("原因", "Reason", max_length=200)


# ---------------------------------------------------------------------------------------------------------------
# The registry

Run = Callable[[Actor, Message, dict[str, Any]], object]


@dataclass(frozen=True)
class ActionSpec:
    form: type[ActionForm]
    run: Run
    done_zh: str
    done_en: str
    style: str = "primary"  # primary | secondary | danger
    quick: bool = False  # no fields worth a panel: a one-click button

    def done(self) -> str:
        return bi(self.done_zh, self.done_en)


def _decision(data: dict[str, Any]) -> bool:
    return data.get("decision") == "yes"


def _resolved(data: dict[str, Any]) -> bool | None:
    return {"yes": True, "no": False}.get(data.get("resolved") or "")


def _optional_day(data: dict[str, Any]) -> dt.datetime | None:
    return deadline_on(data["due_date"]) if data.get("due_date") else None


A = actions
ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(NoteForm, lambda a, m, d: A.do_accept(a, m, note=d["note"]), "已受理", "Accepted"),
    "reject": ActionSpec(
        RejectForm,
        lambda a, m, d: A.do_reject(
            a, m, reason_code=d["reason_code"], reason=d["reason"], duplicate_of=d.get("duplicate_message")
        ),
        "已不予受理，留言人将收到说明",
        "Rejected; the citizen is told why",
        style="danger",
    ),
    "answer_directly": ActionSpec(
        AnswerForm,
        lambda a, m, d: A.do_answer_directly(a, m, body=d["body"], regulations=lines(d["regulations"])),
        "已直接答复",
        "Answered",
        style="secondary",
    ),
    "merge_duplicate": ActionSpec(
        MergeForm,
        lambda a, m, d: A.do_merge_duplicate(a, m, primary=d["primary_message"], reason=d["reason"]),
        "已合并为重复留言，主留言的答复将一并答复本留言",
        "Merged: the primary message's reply will answer this one too",
        style="secondary",
    ),
    "reclassify": ActionSpec(
        ReclassifyForm,
        lambda a, m, d: A.do_reclassify(
            a,
            m,
            type=d["type"],
            category=d["category_obj"],
            region=d["region_obj"],
            is_urgent=d["is_urgent"],
            reason=d["reason"],
        ),
        "已修改分类信息",
        "Classification updated",
        style="secondary",
    ),
    "redact": ActionSpec(
        RedactForm,
        lambda a, m, d: A.do_redact(
            a, m, public_title=d["public_title"], public_body=d["public_body"], reason=d["reason"]
        ),
        "已更新公开内容（原文保留备查）",
        "Public text updated (the original is kept)",
        style="secondary",
    ),
    "dispatch": ActionSpec(
        DispatchForm,
        lambda a, m, d: A.do_dispatch(a, m, unit=d["unit"], co_units=d["co_units"], note=d["note"]),
        "已交办",
        "Dispatched",
    ),
    "sign": ActionSpec(EmptyForm, lambda a, m, d: A.do_sign(a, m), "已签收，请及时联系群众", "Signed for", quick=True),
    "request_return": ActionSpec(
        ReturnForm,
        lambda a, m, d: A.do_request_return(a, m, reason=d["reason"], basis=d["basis"]),
        "退回申请已提交，等待平台审批",
        "Return requested; the platform will decide",
        style="secondary",
    ),
    "request_transfer": ActionSpec(
        TransferRequestForm,
        lambda a, m, d: A.do_request_transfer(a, m, target_unit=d["target_unit"], reason=d["reason"], basis=d["basis"]),
        "转办申请已提交，等待平台审批",
        "Transfer requested; the platform will decide",
        style="secondary",
    ),
    "approve_return": ActionSpec(
        ApproveReturnForm,
        lambda a, m, d: A.do_approve_return(a, m, to_unit=d["to_unit"], note=d["note"]),
        "已同意退回/转办",
        "Return or transfer approved",
    ),
    "refuse_return": ActionSpec(
        ReasonForm,
        lambda a, m, d: A.do_refuse_return(a, m, reason=d["reason"]),
        "已不同意退回，留言继续由原单位办理",
        "Return refused; the unit keeps the message",
        style="secondary",
    ),
    "transfer": ActionSpec(
        TransferForm,
        lambda a, m, d: A.do_transfer(a, m, unit=d["unit"], reason=d["reason"]),
        "已转办",
        "Transferred",
        style="secondary",
    ),
    "request_cohandling": ActionSpec(
        CohandlingRequestForm,
        lambda a, m, d: A.do_request_cohandling(a, m, units=d["units"], reason=d["reason"]),
        "协办申请已提交",
        "Co-handling requested",
        style="secondary",
    ),
    "decide_cohandling": ActionSpec(
        DecideForm,
        lambda a, m, d: A.do_decide_cohandling(a, m, approve=_decision(d), note=d["note"]),
        "协办申请已审批",
        "Co-handling request decided",
    ),
    "request_extension": ActionSpec(
        ExtensionForm,
        lambda a, m, d: A.do_request_extension(a, m, due_at=deadline_on(d["due_date"]), reason=d["reason"]),
        "延期申请已提交",
        "Extension requested",
        style="secondary",
    ),
    "decide_extension": ActionSpec(
        DecideExtensionForm,
        lambda a, m, d: A.do_decide_extension(a, m, approve=_decision(d), due_at=_optional_day(d), note=d["note"]),
        "延期申请已审批",
        "Extension request decided",
    ),
    "record_contact": ActionSpec(
        ContactForm,
        lambda a, m, d: A.do_record_contact(a, m, summary=d["summary"], channel=d["channel"]),
        "已记录联系情况",
        "Contact recorded",
        style="secondary",
    ),
    "wait_for_citizen": ActionSpec(
        QuestionForm,
        lambda a, m, d: A.do_wait_for_citizen(a, m, question=d["question"]),
        "已请群众补充材料，办理时限暂停计算",
        "The citizen was asked for more; the clock is paused",
        style="secondary",
    ),
    "resume": ActionSpec(
        SupplementForm,
        lambda a, m, d: A.do_resume(a, m, supplement=d["supplement"]),
        "已补充，留言继续办理",
        "Thank you: handling continues",
    ),
    "add_note": ActionSpec(
        NoteBodyForm, lambda a, m, d: A.do_add_note(a, m, body=d["body"]), "已添加备注", "Note added", style="secondary"
    ),
    "submit_reply": ActionSpec(
        ReplyForm,
        lambda a, m, d: A.do_submit_reply(a, m, body=d["body"], regulations=lines(d["regulations"])),
        "答复已提交审核",
        "Reply submitted for review",
    ),
    "approve_reply": ActionSpec(
        NoteForm, lambda a, m, d: A.do_approve_reply(a, m, note=d["note"]), "答复已审核通过", "Reply approved"
    ),
    "send_back_reply": ActionSpec(
        ReasonForm,
        lambda a, m, d: A.do_send_back_reply(a, m, reason=d["reason"]),
        "答复已退回修改",
        "Reply sent back",
        style="danger",
    ),
    "rate": ActionSpec(
        RateForm,
        lambda a, m, d: A.do_rate(a, m, satisfaction=d["satisfaction"], resolved=_resolved(d), reason=d["reason"]),
        "感谢您的评价",
        "Thank you for your rating",
    ),
    "follow_up": ActionSpec(
        FollowUpForm,
        lambda a, m, d: A.do_follow_up(a, m, question=d["question"]),
        "追问已提交，办理单位将再次答复",
        "Follow-up sent; the unit will answer again",
        style="secondary",
    ),
    "reopen": ActionSpec(
        ReasonForm, lambda a, m, d: A.do_reopen(a, m, reason=d["reason"]), "已重办", "Reopened", style="secondary"
    ),
    "close": ActionSpec(
        OptionalReasonForm, lambda a, m, d: A.do_close(a, m, reason=d["reason"]), "已办结", "Closed", style="secondary"
    ),
    "archive": ActionSpec(
        EmptyForm, lambda a, m, d: A.do_archive(a, m), "已归档", "Archived", style="secondary", quick=True
    ),
    "urge": ActionSpec(NoteForm, lambda a, m, d: A.do_urge(a, m, note=d["note"]), "已催办", "Reminder sent"),
    "supervise": ActionSpec(
        SuperviseForm,
        lambda a, m, d: A.do_supervise(a, m, level=d["level"], note=d["note"]),
        "已督办",
        "Under supervision",
        style="secondary",
    ),
    "flag_key": ActionSpec(
        FlagKeyForm,
        lambda a, m, d: A.do_flag_key(a, m, reason=d["reason"], is_key=d["is_key"] == "yes"),
        "已更新重点留言标记",
        "Key-message flag updated",
        style="secondary",
    ),
}

assert set(ACTIONS) <= set(TRANSITIONS), set(ACTIONS) - set(TRANSITIONS)


def action_title(action: str) -> str:
    t = TRANSITIONS[action]
    return bi(t.zh, t.en.capitalize())


def form_for(action: str, message: Message, user: User | None, data: Any = None, **extra: Any) -> ActionForm:
    """The action's form, with a prefix so that many forms can share one page."""
    return ACTIONS[action].form(data, message=message, user=user, prefix=action, **extra)

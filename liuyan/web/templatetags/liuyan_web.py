"""Template helpers of the portal: bilingual text, choice labels, dates, query strings, status badges."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from liuyan.messages.models import ContactChannel, RequestKind, RequestStatus, SupervisionLevel
from liuyan.web import i18n

register = template.Library()


@register.simple_tag
def t(zh: str, en: str) -> str:
    """`{% t "写留言" "Write a message" %}`: the text in the active language."""
    return i18n.bi(zh, en)


@register.filter
def label(value: Any) -> str:
    """A bilingual choice label ("投诉 Complaint") or a {"zh", "en"} mapping, in the active language."""
    if value in (None, ""):
        return ""
    return i18n.label(value)


# Value sets whose raw codes reach templates (the presenter gives codes; pages show words).
_CHOICES: dict[str, Any] = {
    "request_kind": RequestKind,
    "request_status": RequestStatus,
    "supervision": SupervisionLevel,
    "channel": ContactChannel,
}


@register.filter
def choice_of(value: str, kind: str) -> str:
    """`{{ r.kind|choice_of:"request_kind" }}` → 延期 / Extension."""
    try:
        return i18n.label(_CHOICES[kind](value).label)
    except (KeyError, ValueError):
        return value


@register.filter
def when(value: dt.datetime | None, style: str = "minute") -> str:
    """Local date and time as Chinese government sites print it: 2026-03-02 14:05 (or the date only)."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d}" if style == "date" else f"{local:%Y-%m-%d %H:%M}"


@register.filter
def as_percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.simple_tag(takes_context=True)
def qs(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (None or "" removes one): `?{% qs page=2 %}`."""
    request: HttpRequest | None = context.get("request")
    params = request.GET.copy() if request is not None else {}
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    items = [(k, v) for k in params for v in (params.getlist(k) if hasattr(params, "getlist") else [params[k]])]
    return urlencode(items)


_LIGHTS = {
    "yellow": ("light light-yellow", "黄灯·即将到期", "Due soon"),
    "red": ("light light-red", "红灯·已超期", "Overdue"),
}


@register.simple_tag
def light(warning: str, overdue: bool = False) -> SafeString | str:
    """The deadline light, with words as well as a colour (never colour alone)."""
    key = "red" if overdue else warning
    if key not in _LIGHTS:
        return ""
    css, zh, en = _LIGHTS[key]
    return format_html('<span class="{}"><span aria-hidden="true">●</span> {}</span>', css, i18n.bi(zh, en))


@register.simple_tag
def status(choice: dict[str, str] | None, kind: str = "") -> SafeString | str:
    """A status badge from a presented choice ({"value", "zh", "en"})."""
    if not choice:
        return ""
    return format_html(
        '<span class="badge badge-{}{}">{}</span>',
        choice["value"],
        f" badge-{kind}" if kind else "",
        i18n.label(choice),
    )

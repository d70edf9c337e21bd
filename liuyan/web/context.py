"""What every page knows: the visitor's language and display mode, their role's navigation, unread notices."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from liuyan.accounts.models import Role, User
from liuyan.web import i18n

CARE_COOKIE = "ly_care"


@dataclass(frozen=True)
class NavItem:
    url: str
    zh: str
    en: str
    key: str

    @property
    def text(self) -> str:
        return i18n.bi(self.zh, self.en)


def _nav(user: Any) -> list[NavItem]:
    def item(name: str, zh: str, en: str, **kwargs: Any) -> NavItem:
        return NavItem(reverse(name, kwargs=kwargs or None), zh, en, name)

    items = [
        item("web:home", "首页", "Home"),
        item("web:message_list", "留言公开", "Public messages"),
        item("web:write", "我要留言", "Write a message"),
        item("web:track", "留言查询", "Track a message"),
    ]
    if not isinstance(user, User):
        return items
    role = user.role
    if role == Role.CITIZEN:
        items.append(item("web:my_messages", "我的留言", "My messages"))
        return items
    staff: list[NavItem] = []
    if role == Role.REVIEWER:
        staff.append(item("web:review_queue", "审核", "Review"))
    if role == Role.DISPATCHER:
        staff += [item("web:dispatch_queue", "交办", "Dispatch"), item("web:requests", "审批", "Requests")]
    if role in (Role.HANDLER, Role.UNIT_HEAD):
        staff.append(item("web:unit_inbox", "办理", "Unit inbox"))
    if role == Role.SUPERVISOR:
        staff += [item("web:supervision", "督查", "Supervision"), item("web:requests", "审批", "Requests")]
    if role in (Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST):
        staff.append(item("web:scorecards", "单位考核", "Unit scorecards"))
    if role in (Role.ANALYST, Role.SUPERVISOR, Role.ADMIN):
        staff.append(item("web:dashboards:dashboard", "数据分析", "Data"))
    if role in (Role.REVIEWER, Role.DISPATCHER):  # 帮办: filing for a caller who phoned or walked in
        staff.append(item("web:write", "代群众留言", "File for a caller"))
    if role == Role.ADMIN:
        staff.append(NavItem("/admin/", "管理后台", "Administration", "admin"))
    # The public pages stay reachable for staff, after their own work.
    return staff + items[:2]


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)

    def unread() -> int:
        if not isinstance(user, User):
            return 0
        from liuyan.notify.inbox import notifications_for

        return notifications_for(user).filter(read_at__isnull=True).count()

    return {
        "care": request.COOKIES.get(CARE_COOKIE) == "1",
        "english": i18n.is_english(),
        "site_name": i18n.bi(settings.SITE_NAME, settings.SITE_NAME_EN),
        "demo_mode": settings.DEMO_MODE,
        "nav": SimpleLazyObject(lambda: _nav(user)),
        "unread_count": SimpleLazyObject(unread),
    }

"""What portal views share: who may open a page, flash messages in both languages, safe redirects, paging."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from liuyan.accounts.models import User
from liuyan.common.errors import Forbidden, LiuyanError
from liuyan.common.paging import capped_count
from liuyan.web.i18n import bi

V = TypeVar("V", bound=Callable[..., HttpResponse])


def portal_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def roles_required(*roles: str) -> Callable[[V], V]:
    """Log in first; then only these roles (others get a clear 403 page)."""

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = portal_user(request)
            if user is None:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if roles and user.role not in roles:
                raise Forbidden("当前角色不能使用该页面", "your role may not use this page", code="role_forbidden")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def login_required(view: V) -> V:
    return roles_required()(view)


def flash_ok(request: HttpRequest, zh: str, en: str) -> None:
    messages.success(request, bi(zh, en))


def flash_error(request: HttpRequest, error: LiuyanError) -> None:
    messages.error(request, bi(error.zh, error.en))


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@dataclass
class CappedPage:
    """A page of a list whose total is counted only up to COUNT_CAP."""

    items: list[Any]
    number: int
    per_page: int
    total: int
    capped: bool

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def total_text(self) -> str:
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


def capped_page(queryset: "QuerySet[Any]", page: str | int | None, per_page: int = 20) -> CappedPage:
    """One page of `queryset` (already ordered) with a total counted at most to COUNT_CAP."""
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    total, exact = capped_count(queryset)
    capped = not exact
    last = max(1, -(-total // per_page))
    number = min(number, last)
    start = (number - 1) * per_page
    return CappedPage(list(queryset[start : start + per_page]), number, per_page, total, capped)


def small_page(queryset: "QuerySet[Any]", page: str | int | None, per_page: int = 20) -> Page[Any]:
    """Django's paginator, for lists that stay small (a unit's inbox, a queue)."""
    return Paginator(queryset, per_page).get_page(page)

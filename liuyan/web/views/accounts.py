"""Logging in (phone, e-mail or username), logging out, registering a citizen account, display preferences."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from liuyan.accounts.entry import log_in, register_citizen
from liuyan.accounts.models import STAFF_ROLES, Role, User
from liuyan.common.errors import LiuyanError
from liuyan.common.net import client_ip
from liuyan.web.context import CARE_COOKIE
from liuyan.web.forms import PortalForm, text
from liuyan.web.i18n import bi, lazy_bi
from liuyan.web.views.common import flash_ok, portal_user, safe_next

YEAR = 365 * 24 * 3600


class LoginForm(PortalForm):
    login = text("手机号、邮箱或用户名", "Phone, e-mail or user name", max_length=150)
    password = forms.CharField(label=lazy_bi("密码", "Password"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


def home_for(user: User) -> str:
    """Where a user lands after logging in: their work queue, or the citizen's own messages."""
    if user.role in STAFF_ROLES:
        return reverse("web:work_home")
    return reverse("web:my_messages")


def demo_logins() -> list[dict[str, str]]:
    if not settings.DEMO_MODE:
        return []
    from liuyan.demo.users import LOGINS

    return [
        {
            "role": bi(*Role(x.role).label.split(" ", 1)),
            "login": x.login,
            "password": x.password,
            "try": bi(x.try_zh, x.try_en),
        }
        for x in LOGINS
    ]


def demo_showcase() -> dict[str, str]:
    """An anonymous demo message's number and 查询码, to try tracking."""
    if not settings.DEMO_MODE:
        return {}
    from liuyan.demo.models import DemoBuild

    build = DemoBuild.objects.exclude(finished_at=None).order_by("-started_at").first()
    return dict(build.showcase) if build is not None and build.showcase.get("number") else {}


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = log_in(
                request,
                login=form.cleaned_data["login"],
                password=form.cleaned_data["password"],
                client=client_ip(request),
            )
        except LiuyanError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user)
            return redirect(safe_next(request, home_for(user)))
    context = {
        "form": form,
        "next": safe_next(request, ""),
        "demo_logins": demo_logins(),
        "demo_showcase": demo_showcase(),
    }
    return render(request, "web/accounts/login.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    flash_ok(request, "您已安全退出", "You have logged out")
    return redirect("web:home")


class RegisterForm(PortalForm):
    phone = text("手机号", "Mobile phone", max_length=11)
    nickname = text("昵称（公开显示）", "Nickname (shown publicly)", required=False, max_length=40)
    email = forms.EmailField(
        label=lazy_bi("电子邮箱（选填，用于接收通知）", "E-mail (optional, for notices)"), required=False
    )
    password = forms.CharField(label=lazy_bi("密码", "Password"), widget=forms.PasswordInput, max_length=128)
    password2 = forms.CharField(
        label=lazy_bi("再次输入密码", "Password again"), widget=forms.PasswordInput, max_length=128
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["password"].widget.attrs.update(autocomplete="new-password")
        self.fields["password2"].widget.attrs.update(autocomplete="new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", bi("两次输入的密码不一致", "the passwords do not match"))
        return data


def register_view(request: HttpRequest) -> HttpResponse:
    if portal_user(request) is not None:
        return redirect("web:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_citizen(
                phone=data["phone"],
                email=data["email"],
                nickname=data["nickname"],
                password=data["password"],
                client=client_ip(request),
            )
        except LiuyanError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            flash_ok(request, "注册成功，欢迎使用", "Your account is ready")
            return redirect(safe_next(request, reverse("web:write")))
    return render(request, "web/accounts/register.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def toggle_care(request: HttpRequest) -> HttpResponse:
    """适老化: the large-text, high-contrast mode, remembered in a cookie (no account needed)."""
    on = request.COOKIES.get(CARE_COOKIE) != "1"
    response = HttpResponseRedirect(safe_next(request, reverse("web:home")))
    if on:
        response.set_cookie(CARE_COOKIE, "1", max_age=YEAR, samesite="Lax")
    else:
        response.delete_cookie(CARE_COOKIE)
    return response

"""Log in for a token, register a citizen account, and who am I."""

import re
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Router, Status

from liuyan.accounts.models import STAFF_ROLES, ApiToken, Role, User
from liuyan.api.auth import AUTH_REQUIRED, require_user
from liuyan.api.errors import ERROR_STATUSES, AlreadyExists, ErrorOut
from liuyan.api.schemas import MeOut, RegisterIn, TokenIn, TokenOut
from liuyan.common import ratelimit
from liuyan.common.errors import InvalidInput, NotAuthenticated
from liuyan.common.net import client_ip
from liuyan.messages.present import choice, region_ref, unit_ref

router = Router(tags=["accounts"])

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def me_out(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "role": choice(user.role, Role),
        "nickname": user.nickname,
        "display_name": user.display_name,
        "phone": user.phone,
        "email": user.email,
        "unit": unit_ref(user.unit),
        "region": region_ref(user.region),
        "is_staff": user.role in STAFF_ROLES,
    }


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, ERROR_STATUSES: ErrorOut},
    summary="Log in and get an API token",
    description="Log in with username, phone number or e-mail plus password. The token is shown only once.",
)
def issue_token(request: HttpRequest, data: TokenIn) -> dict[str, Any]:
    ip, login = client_ip(request), data.login.strip().lower()
    limits = [
        (f"login-fail:ip:{ip}", ratelimit.LOGIN_FAILURES_PER_IP_PER_HOUR),
        (f"login-fail:login:{login}", ratelimit.LOGIN_FAILURES_PER_LOGIN_PER_HOUR),
    ]
    ratelimit.check(limits)
    user = authenticate(request, username=data.login, password=data.password)
    if not isinstance(user, User):
        ratelimit.hit([name for name, _limit in limits])
        raise NotAuthenticated("账号或密码不正确", "wrong login or password", code="invalid_credentials")
    _token, raw = ApiToken.issue(user, data.name.strip() or "api")
    return {"token": raw, "token_type": "Bearer", "user": me_out(user)}


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


@router.post(
    "/auth/register",
    auth=None,
    response={201: MeOut, ERROR_STATUSES: ErrorOut},
    summary="Register a citizen account",
    description="Phone or e-mail (or both) plus a password checked by the password validators. "
    "Log in afterwards with `POST /auth/token`.",
)
def register(request: HttpRequest, data: RegisterIn) -> Status[dict[str, Any]]:
    phone, email, nickname = data.phone.strip(), data.email.strip().lower(), data.nickname.strip()
    if not phone and not email:
        raise InvalidInput("请填写手机号或电子邮箱", "give a phone number or an e-mail address", code="missing_field")
    if phone and not _MOBILE.match(phone):
        raise InvalidInput("手机号格式不正确", "the phone number is not valid", code="invalid_phone")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput("电子邮箱格式不正确", "the e-mail address is not valid", code="invalid_email") from None
    if phone and User.objects.filter(phone=phone).exists():
        raise AlreadyExists("该手机号已注册", "this phone number is already registered", code="phone_taken")
    if email and User.objects.filter(email__iexact=email).exists():
        raise AlreadyExists("该电子邮箱已注册", "this e-mail address is already registered", code="email_taken")
    username = phone or email
    if User.objects.filter(username=username).exists():
        raise AlreadyExists("该账号已存在", "this account already exists", code="username_taken")
    user = User(username=username, phone=phone or None, email=email, nickname=nickname, role=Role.CITIZEN)
    problems = _password_errors(data.password, user)
    if problems:
        raise InvalidInput(
            "密码不符合要求：" + "；".join(problems),
            "the password is too weak",
            code="weak_password",
            details={"password": problems},
        )
    ip = client_ip(request)
    ratelimit.check([(f"register:ip:{ip}", ratelimit.REGISTRATIONS_PER_IP_PER_HOUR)])
    user.set_password(data.password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise AlreadyExists("该账号已存在", "this account already exists", code="already_exists") from None
    ratelimit.hit([f"register:ip:{ip}"])
    return Status(201, me_out(user))


@router.get(
    "/me",
    auth=AUTH_REQUIRED,
    response={200: MeOut, ERROR_STATUSES: ErrorOut},
    summary="The signed-in user",
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = User.objects.select_related("unit", "region").get(pk=require_user(request).pk)
    return me_out(user)

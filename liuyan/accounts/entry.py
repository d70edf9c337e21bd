"""How people get in: logging in (with limits on failed attempts) and registering citizen accounts; the API and
the portal share these rules."""

import re

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from liuyan.accounts.models import Role, User
from liuyan.common import ratelimit
from liuyan.common.errors import InvalidInput, LiuyanError, NotAuthenticated

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class AlreadyExists(LiuyanError):
    """An account with this phone number or e-mail address exists already."""

    code = "already_exists"
    status = 409


def log_in(request: HttpRequest | None, *, login: str, password: str, client: str) -> User:
    """The user for these credentials; failed attempts are limited per client and per login name."""
    name = login.strip().lower()
    limits = [
        (f"login-fail:ip:{client}", ratelimit.LOGIN_FAILURES_PER_IP_PER_HOUR),
        (f"login-fail:login:{name}", ratelimit.LOGIN_FAILURES_PER_LOGIN_PER_HOUR),
    ]
    ratelimit.check(limits)
    user = authenticate(request, username=login, password=password)
    if not isinstance(user, User):
        ratelimit.hit([key for key, _limit in limits])
        raise NotAuthenticated("账号或密码不正确", "wrong login or password", code="invalid_credentials")
    return user


def register_citizen(*, phone: str, email: str, nickname: str, password: str, client: str) -> User:
    """Create a citizen account after checking the contact details, the password and the client's rate limit.

    Every refusal is a LiuyanError whose `details["field"]` names the field at fault."""
    phone, email, nickname = "".join(phone.split()), email.strip().lower(), nickname.strip()
    if not phone and not email:
        raise InvalidInput(
            "请填写手机号或电子邮箱",
            "give a phone number or an e-mail address",
            code="missing_field",
            details={"field": "phone"},
        )
    if phone and not MOBILE.match(phone):
        raise InvalidInput(
            "手机号格式不正确", "the phone number is not valid", code="invalid_phone", details={"field": "phone"}
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(
                "电子邮箱格式不正确",
                "the e-mail address is not valid",
                code="invalid_email",
                details={"field": "email"},
            ) from None
    if phone and User.objects.filter(phone=phone).exists():
        raise AlreadyExists(
            "该手机号已注册", "this phone number is already registered", code="phone_taken", details={"field": "phone"}
        )
    if email and User.objects.filter(email__iexact=email).exists():
        raise AlreadyExists(
            "该电子邮箱已注册",
            "this e-mail address is already registered",
            code="email_taken",
            details={"field": "email"},
        )
    username = phone or email
    if User.objects.filter(username=username).exists():
        raise AlreadyExists("该账号已存在", "this account already exists", code="username_taken")
    user = User(username=username, phone=phone or None, email=email, nickname=nickname, role=Role.CITIZEN)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        problems = [str(m) for m in exc.messages]
        raise InvalidInput(
            "密码不符合要求：" + "；".join(problems),
            "the password is too weak: " + "; ".join(problems),
            code="weak_password",
            details={"field": "password", "password": problems},
        ) from None
    ratelimit.check([(f"register:ip:{client}", ratelimit.REGISTRATIONS_PER_IP_PER_HOUR)])
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise AlreadyExists("该账号已存在", "this account already exists") from None
    ratelimit.hit([f"register:ip:{client}"])
    return user

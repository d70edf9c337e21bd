"""Log in for a token, register a citizen account, and who am I."""

import re
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from liuyan.accounts.entry import log_in, register_citizen
from liuyan.accounts.models import STAFF_ROLES, ApiToken, Role, User
from liuyan.api.auth import AUTH_REQUIRED, require_user
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.schemas import MeOut, RegisterIn, TokenIn, TokenOut
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
    user = log_in(request, login=data.login, password=data.password, client=client_ip(request))
    _token, raw = ApiToken.issue(user, data.name.strip() or "api")
    return {"token": raw, "token_type": "Bearer", "user": me_out(user)}


@router.post(
    "/auth/register",
    auth=None,
    response={201: MeOut, ERROR_STATUSES: ErrorOut},
    summary="Register a citizen account",
    description="Phone or e-mail (or both) plus a password checked by the password validators. "
    "Log in afterwards with `POST /auth/token`.",
)
def register(request: HttpRequest, data: RegisterIn) -> Status[dict[str, Any]]:
    user = register_citizen(
        phone=data.phone, email=data.email, nickname=data.nickname, password=data.password, client=client_ip(request)
    )
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

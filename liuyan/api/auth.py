"""Who is calling: a Bearer API token, a logged-in Django session (the web portal), or nobody."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from liuyan.accounts.models import ApiToken, User
from liuyan.api.errors import InvalidToken
from liuyan.common.errors import NotAuthenticated

AnyUser = User | AnonymousUser

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ly_…` — tokens are issued by `POST /auth/token` or `liuyan token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = ApiToken.authenticate(token.strip())
        if user is None:
            # A wrong token is an error even where anonymous access is allowed: the client must know.
            raise InvalidToken("访问令牌无效或已撤销", "the API token is invalid or revoked")
        request.api_via = "token"  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """A logged-in Django session. Unsafe methods need the CSRF token, as for any form of the portal."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        unsafe = request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False)
        if unsafe and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        assert isinstance(user, User)
        request.api_via = "session"  # type: ignore[attr-defined]
        return user


def anonymous(request: HttpRequest) -> AnonymousUser:
    """Last in the chain of optional-auth endpoints: nobody signed in is fine there."""
    request.api_via = "anonymous"  # type: ignore[attr-defined]
    return AnonymousUser()


_token = TokenAuth()
_session = SessionAuth()

# Endpoints that need an account, and endpoints open to everybody (the caller is identified if possible).
AUTH_REQUIRED: list[Any] = [_token, _session]
AUTH_OPTIONAL: list[Any] = [_token, _session, anonymous]
# OpenAPI for AUTH_OPTIONAL endpoints: the empty requirement says "no credentials is fine too".
ANONYMOUS_OK: dict[str, Any] = {"security": [{}]}


def user_of(request: HttpRequest) -> AnyUser:
    auth = getattr(request, "auth", None)
    if isinstance(auth, User):
        return auth
    return AnonymousUser()


def require_user(request: HttpRequest) -> User:
    user = user_of(request)
    if not isinstance(user, User):
        raise NotAuthenticated("请先登录", "you need to log in")
    return user


def via(request: HttpRequest) -> str:
    """How the caller identified: "token", "session" or "anonymous"."""
    return str(getattr(request, "api_via", "anonymous"))

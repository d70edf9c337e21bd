"""One JSON error shape for the whole API, and the exception handlers that produce it."""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from liuyan.common.errors import LiuyanError

logger = logging.getLogger("liuyan.api")


class ErrorBody(Schema):
    code: str
    message: str
    message_en: str
    details: Any = None


class ErrorOut(Schema):
    """Every error response: `{"error": {"code", "message" (中文), "message_en", "details"}}`."""

    error: ErrorBody


# The statuses an endpoint may answer with an ErrorOut body (documented on every operation).
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 422, 429, 500, 503})


class InvalidToken(LiuyanError):
    code = "invalid_token"
    status = 401


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    zh: str,
    en: str,
    details: Any = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": zh, "message_en": en, "details": details}}
    return api.create_response(request, body, status=status)


def _liuyan_error(api: NinjaAPI, request: HttpRequest, exc: LiuyanError) -> HttpResponse:
    return error_response(api, request, exc.status, exc.code, exc.zh, exc.en, exc.details)


def _field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors, reduced to what a client can show next to a field."""
    out: list[dict[str, Any]] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        # The first item is the source (body/query/form/path); the next is the parameter name for bodies.
        out.append({"loc": loc, "field": ".".join(loc[2:] or loc[1:]), "type": e.get("type"), "msg": e.get("msg")})
    return out


def _validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(
        api,
        request,
        422,
        "invalid_input",
        "提交的数据格式不正确",
        "the request data is not valid",
        _field_errors(exc.errors),
    )


def _http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error_response(
            api, request, 401, "not_authenticated", "请先登录或提供有效的访问令牌", "log in or send a valid API token"
        )
    if isinstance(exc, AuthorizationError):
        return error_response(api, request, 403, "forbidden", "无权访问", "you may not do this")
    if isinstance(exc, Throttled):
        return error_response(api, request, 429, "rate_limited", "请求过于频繁，请稍后再试", "too many requests")
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return error_response(
            api,
            request,
            400,
            "malformed_json",
            "请求内容不是有效的JSON",
            "the request body is not valid JSON",
        )
    if exc.status_code == 403 and "CSRF" in exc.message:
        return error_response(
            api,
            request,
            403,
            "csrf_failed",
            "会话请求缺少有效的CSRF令牌",
            "CSRF check failed: send the X-CSRFToken header with session requests",
        )
    return error_response(api, request, exc.status_code, "http_error", exc.message, exc.message)


def _not_found(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(api, request, 404, "not_found", "资源不存在", "not found")


def _too_big(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(api, request, 413, "too_large", "请求内容过大", "the request is too large")


def _suspicious(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(api, request, 400, "bad_request", "请求无效", "bad request")


def _server_error(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        api, request, 500, "server_error", "服务器内部错误，请稍后再试", "internal server error; please try again later"
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers: every error, including 500, becomes the bilingual JSON shape."""

    def bind(handler: Any) -> Any:
        def run(request: HttpRequest, exc: Any) -> HttpResponse:
            return handler(api, request, exc)  # type: ignore[no-any-return]

        return run

    api.add_exception_handler(LiuyanError, bind(_liuyan_error))
    api.add_exception_handler(ValidationError, bind(_validation_error))
    api.add_exception_handler(HttpError, bind(_http_error))
    api.add_exception_handler(Http404, bind(_not_found))
    api.add_exception_handler(RequestDataTooBig, bind(_too_big))
    api.add_exception_handler(TooManyFieldsSent, bind(_too_big))
    api.add_exception_handler(SuspiciousOperation, bind(_suspicious))
    api.add_exception_handler(Exception, bind(_server_error))

"""Domain errors on portal pages: the same bilingual message the API gives, as a page with the right status."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuyan.common.errors import LiuyanError
from liuyan.web.i18n import bi

_TITLES = {
    400: ("请求有误", "Bad request"),
    401: ("请先登录", "Please log in"),
    403: ("无权访问", "Access denied"),
    404: ("页面不存在", "Page not found"),
    409: ("操作未能完成", "The action could not be completed"),
    429: ("操作过于频繁", "Too many attempts"),
    503: ("服务暂停", "Service paused"),
}


def error_page(request: HttpRequest, status: int, zh: str, en: str) -> HttpResponse:
    title_zh, title_en = _TITLES.get(status, ("出错了", "Something went wrong"))
    context = {"title": bi(title_zh, title_en), "message": bi(zh, en), "status": status}
    return render(request, "web/error.html", context, status=status)


class PortalErrorMiddleware:
    """A LiuyanError escaping a portal view becomes an error page (the API has its own JSON handlers)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LiuyanError) and not request.path.startswith("/api/"):
            return error_page(request, exception.status, exception.zh, exception.en)
        return None


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404, "您要找的页面不存在或已删除", "the page you are looking for does not exist")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403, "您没有权限访问该页面", "you may not open this page")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500, "系统繁忙，请稍后再试", "something went wrong on our side; please try again later")

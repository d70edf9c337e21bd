"""The versioned JSON API (v1): one NinjaAPI instance, routers per domain."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from liuyan.api.errors import error_response, install_error_handlers
from liuyan.api.routes import accounts, export, lifecycle, messages, notifications, reference, track

DESCRIPTION = """\
Liuyan (留言) public and staff API.

* **Auth**: `Authorization: Bearer <token>` (from `POST /auth/token` or `liuyan token create`), or the web
  portal's Django session (unsafe methods then need the `X-CSRFToken` header). Submission, public lists, reference
  data and tracking by 查询码 also work anonymously.
* **Errors**: always `{"error": {"code", "message" (中文), "message_en", "details"}}` with the HTTP status.
* **Concurrency**: lifecycle actions take an optional `version`; if the message changed since, the answer is 409.
"""


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as is rather than \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class LiuyanAPI(NinjaAPI):
    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        urls.append(re_path(r"^.*$", csrf_exempt(self._unknown_path), name="unknown"))
        return urls

    def _unknown_path(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return error_response(self, request, 404, "no_such_endpoint", "接口不存在", "no such API endpoint")


api = LiuyanAPI(
    title="Liuyan API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    renderer=Utf8JSONRenderer(),
)
install_error_handlers(api)

api.add_router("", accounts.router)
api.add_router("", messages.router)
api.add_router("", lifecycle.router)
api.add_router("", track.router)
api.add_router("", reference.router)
api.add_router("", notifications.router)
api.add_router("", export.router)

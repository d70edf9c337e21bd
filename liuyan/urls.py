"""Top-level URL routes: the portal, the admin, the API, and the language switch."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from liuyan.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("liuyan.web.urls")),
]

handler403 = "liuyan.web.errors.forbidden"
handler404 = "liuyan.web.errors.not_found"
handler500 = "liuyan.web.errors.server_error"

"""Top-level URL routes."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from liuyan.api.api import api
from liuyan.common.views import home

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

"""Top-level URL routes."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from liuyan.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

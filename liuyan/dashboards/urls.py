"""The dashboards' routes, included by the portal under data/: the page, its charts and the report downloads."""

from django.urls import path

from liuyan.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("chart/<str:name>.svg", views.chart, name="chart"),
    path("report.<str:fmt>", views.report, name="report"),
]

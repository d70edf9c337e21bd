"""The dashboard page, its charts (one SVG per URL) and the period report's downloads, for one scope each."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header

from liuyan.accounts.models import Role, User
from liuyan.common.errors import InvalidInput
from liuyan.dashboards import charts, forms
from liuyan.dashboards.data import (
    CACHE_SECONDS,
    CARDS,
    LOW_RATE_MIN_VALID,
    Filters,
    child_categories,
    child_regions,
    dashboard,
)
from liuyan.reports import render as report_render
from liuyan.reports.period import build_report
from liuyan.web.views.common import portal_user, roles_required

# DOMAIN §1: analysts and leaders use the dashboards, supervisors watch the units, admins see everything.
DASHBOARD_ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def _user(request: HttpRequest) -> User:
    user = portal_user(request)
    assert user is not None  # roles_required let the request in
    return user


@roles_required(*DASHBOARD_ROLES)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    reading = forms.read(request.GET, user)
    form, filters = reading.form, reading.filters
    trail = forms.region_trail(reading.root, reading.region)
    category_trail = forms.category_trail(reading.category)
    board = dashboard(filters) if filters is not None else None
    if board is not None:
        sub_regions, sub_categories = board.sub_regions, board.sub_categories
    else:
        sub_regions = [(r.code, r.name) for r in child_regions(reading.region)]
        sub_categories = [(str(c.pk), c.name) for c in child_categories(reading.category)]
    domains = sub_categories if reading.category is None else [(str(c.pk), c.name) for c in child_categories(None)]
    form.set_options("region", forms.region_options(reading.root, trail, sub_regions))
    form.set_options("category", forms.category_options(domains, category_trail, sub_categories))
    form.set_options("board", forms.board_options(reading.board, board.board_options if board else []))
    query = reading.query
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "board": board,
        "query": query,
        "presets": [
            {
                "text": p.text,
                "query": forms.with_params(query, period=p.value),
                "current": p.value == form.data["period"],
            }
            for p in forms.presets(forms.today())
        ],
        "root_name": forms.root_name(reading.root),
        "root_query": forms.with_params(query, region=None),
        "region_trail": [{"name": r.name, "query": forms.with_params(query, region=r.code)} for r in trail],
        "category_trail": [
            {"name": c.name, "query": forms.with_params(query, category=str(c.pk))} for c in category_trail
        ],
        "all_domains_query": forms.with_params(query, category=None),
        "all_boards_query": forms.with_params(query, board=None),
        "board_name": reading.board.name if reading.board is not None else "",
        "supervisor": user.role == Role.SUPERVISOR,
        "definitions": CARDS,
        "min_valid": LOW_RATE_MIN_VALID,
        "cache_minutes": CACHE_SECONDS // 60,
        "all_units_query": forms.with_params(query, units=forms.ALL_UNITS),
    }
    if board is not None and filters is not None and not board.empty:
        context["charts"] = {
            name: {"url": f"{reverse('web:dashboards:chart', args=[name])}?{query}", "alt": charts.summary(name, board)}
            for name in charts.SPECS
        }
        context["regions"] = [
            {"row": r, "query": forms.with_params(query, region=r.drill) if r.drill else ""}
            for r in board.regions or []
        ]
        context["categories"] = [
            {"row": r, "query": forms.with_params(query, category=r.drill) if r.drill else ""}
            for r in board.categories or []
        ]
        context["types"] = [{"row": r, "query": ""} for r in board.types or []]
        context["units_top"] = [{"row": r, "query": ""} for r in board.units_top or []]
        context["units_low"] = [{"row": r, "query": ""} for r in board.units_low or []]
        context["boards"] = [{"row": r, "query": forms.with_params(query, board=r.code)} for r in board.boards or []]
        context["downloads"] = [
            {"fmt": fmt, "url": f"{reverse('web:dashboards:report', args=[fmt])}?{query}"}
            for fmt in report_render.FORMATS
        ]
    return render(request, "dashboards/dashboard.html", context, status=200 if filters is not None else 400)


def _filters(request: HttpRequest) -> Filters:
    """The scope of a chart or a download: the page's, or a 400 error page when its period is bad."""
    reading = forms.read(request.GET, _user(request))
    if reading.filters is None:
        errors = "；".join(str(e) for errors in reading.form.errors.values() for e in errors)
        raise InvalidInput(errors, errors, code="invalid_period")
    return reading.filters


@roles_required(*DASHBOARD_ROLES)
def chart(request: HttpRequest, name: str) -> HttpResponse:
    if name not in charts.SPECS:
        raise Http404(name)
    response = HttpResponse(charts.svg(name, _filters(request)), content_type="image/svg+xml; charset=utf-8")
    # Private: the figures are for this viewer's scope; the server keeps its own copy for CACHE_SECONDS anyway.
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    return response


@roles_required(*DASHBOARD_ROLES)
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    chosen = next((f for f in report_render.FORMATS if f == fmt), None)
    if chosen is None:
        raise Http404(fmt)
    filters = _filters(request)
    # The report has no domain filter: it is the period report of the page's region and board.
    figures = build_report(filters.period, filters.baseline, region=filters.region, board=filters.board)
    response = HttpResponse(report_render.render(figures, chosen), content_type=CONTENT_TYPES[chosen])
    response["Content-Disposition"] = content_disposition_header(True, f"{figures['title']}.{fmt}")
    return response

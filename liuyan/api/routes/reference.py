"""Read-only reference data: regions, categories, units, boards and the responsibility catalogue."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router

from liuyan.api import lookups
from liuyan.api.auth import ANONYMOUS_OK, AUTH_OPTIONAL
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.filters import Paging
from liuyan.api.schemas import BoardPage, CatalogueOut, CategoryPage, RegionDetail, RegionPage, UnitPage
from liuyan.geo.models import Region
from liuyan.messages.present import category_ref, region_ref, unit_ref
from liuyan.orgs.catalogue import responsible_entry
from liuyan.orgs.models import Board, Unit
from liuyan.taxonomy.models import Category

router = Router(tags=["reference"])


def _region_out(r: Region) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent": r.parent.code if r.parent is not None else None,
        "path": r.path,
        "is_custom": r.is_custom,
    }


def _page(items: Any, paging: Paging, render: Any) -> dict[str, Any]:
    limit, offset = paging.window()
    return {
        "count": items.count(),
        "limit": limit,
        "offset": offset,
        "items": [render(x) for x in items[offset : offset + limit]],
    }


@router.get(
    "/regions",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: RegionPage, ERROR_STATUSES: ErrorOut},
    summary="List regions",
    description="Filter by parent code, level (1 province, 2 city, 3 county, 4 town) and name (q).",
)
def list_regions(
    request: HttpRequest,
    paging: Query[Paging],
    parent: str | None = None,
    level: int | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    regions = Region.objects.select_related("parent").order_by("code")
    if parent:
        regions = regions.filter(parent=lookups.region_ref(parent))
    if level is not None:
        regions = regions.filter(level=level)
    if q and q.strip():
        regions = regions.filter(Q(name__icontains=q.strip()) | Q(code__startswith=q.strip()))
    return _page(regions, paging, _region_out)


@router.get(
    "/regions/{code}",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: RegionDetail, ERROR_STATUSES: ErrorOut},
    summary="A region with its ancestors and children",
)
def get_region(request: HttpRequest, code: str) -> dict[str, Any]:
    region = lookups.region_by_code(code)
    chain = region.ancestors()
    return {
        **_region_out(region),
        "full_name": "".join(r.name for r in reversed(chain)),
        "ancestors": [region_ref(r) for r in reversed(chain[1:])],
        "children": [region_ref(r) for r in region.children.order_by("code")],
    }


@router.get(
    "/categories",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: CategoryPage, ERROR_STATUSES: ErrorOut},
    summary="List categories (领域)",
    description="Filter by parent id, level (1–3), name (q) and active flag.",
)
def list_categories(
    request: HttpRequest,
    paging: Query[Paging],
    parent: int | None = None,
    level: int | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    categories = Category.objects.order_by("path")
    if parent is not None:
        categories = categories.filter(parent=lookups.category_ref(parent))
    if level is not None:
        categories = categories.filter(level=level)
    if q and q.strip():
        categories = categories.filter(path__icontains=q.strip())
    if active is not None:
        categories = categories.filter(is_active=active)
    return _page(
        categories,
        paging,
        lambda c: {
            "id": c.pk,
            "name": c.name,
            "path": c.path,
            "level": c.level,
            "parent": c.parent_id,
            "is_active": c.is_active,
        },
    )


@router.get(
    "/units",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: UnitPage, ERROR_STATUSES: ErrorOut},
    summary="List handling units (办理单位)",
    description="Filter by region code (including subregions), parent unit code and name or code (q).",
)
def list_units(
    request: HttpRequest,
    paging: Query[Paging],
    region: str | None = None,
    parent: str | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    units = Unit.objects.select_related("parent", "region").order_by("code")
    if region:
        units = units.filter(region__path__startswith=lookups.region_ref(region).path)
    if parent:
        units = units.filter(parent=lookups.unit_ref(parent))
    if q and q.strip():
        units = units.filter(Q(name__icontains=q.strip()) | Q(code__icontains=q.strip()))
    if active is not None:
        units = units.filter(is_active=active)
    return _page(
        units,
        paging,
        lambda u: {
            "code": u.code,
            "name": u.name,
            "parent": u.parent.code if u.parent is not None else None,
            "region": region_ref(u.region),
            "is_active": u.is_active,
        },
    )


@router.get(
    "/boards",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: BoardPage, ERROR_STATUSES: ErrorOut},
    summary="List boards (留言对象)",
    description="Filter by level (national/province/city/county) and region code (including subregions).",
)
def list_boards(
    request: HttpRequest,
    paging: Query[Paging],
    level: str | None = None,
    region: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    boards = Board.objects.select_related("region").order_by("code")
    if level:
        boards = boards.filter(level=level)
    if region:
        boards = boards.filter(region__path__startswith=lookups.region_ref(region).path)
    if active is not None:
        boards = boards.filter(is_active=active)
    return _page(
        boards,
        paging,
        lambda b: {
            "code": b.code,
            "name": b.name,
            "kind": b.kind,
            "level": b.level,
            "region": region_ref(b.region),
            "is_active": b.is_active,
        },
    )


@router.get(
    "/catalogue",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: CatalogueOut, ERROR_STATUSES: ErrorOut},
    summary="The responsible unit for a category in a region (派单目录)",
    description="Looks up the catalogue with its fallbacks (parent regions, then parent categories).",
)
def catalogue(request: HttpRequest, category: str, region: str) -> dict[str, Any]:
    cat = lookups.category_ref(category)
    reg = lookups.region_ref(region)
    entry = responsible_entry(cat, reg)
    return {
        "category": category_ref(cat),
        "region": region_ref(reg),
        "unit": unit_ref(entry.unit) if entry is not None else None,
        "matched_category": category_ref(entry.category) if entry is not None else None,
        "matched_region": region_ref(entry.region) if entry is not None else None,
        "valid_from": entry.valid_from if entry is not None else None,
    }

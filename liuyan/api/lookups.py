"""Turn the ids and codes clients send into objects, with one clear error code per kind of unknown reference."""

from collections.abc import Sequence

from liuyan.common.errors import InvalidInput, NotFound
from liuyan.geo.models import Region
from liuyan.orgs.models import Board, Unit
from liuyan.taxonomy.models import Category

Ref = int | str


def _is_id(value: Ref) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def board_ref(value: Ref) -> Board:
    """A board by code (`A-SZ`), or by numeric id."""
    board: Board | None = None
    if isinstance(value, str):
        board = Board.objects.filter(code=value.strip()).first()
    if board is None and _is_id(value):
        board = Board.objects.filter(pk=int(value)).first()
    if board is None:
        raise InvalidInput(
            f"留言对象不存在：{value}", f"unknown board: {value}", code="invalid_board", details={"board": value}
        )
    return board


def region_ref(value: Ref) -> Region:
    """A region by GB/T 2260 or gazetteer code (`X0101`, `110101`); a JSON number is taken as the id."""
    region: Region | None = None
    if isinstance(value, str):
        region = Region.objects.filter(code=value.strip()).first()
    elif isinstance(value, int):
        region = Region.objects.filter(pk=value).first()
    if region is None:
        raise InvalidInput(
            f"地区不存在：{value}", f"unknown region: {value}", code="invalid_region", details={"region": value}
        )
    return region


def category_ref(value: Ref) -> Category:
    """A category by id, or by path (`城乡建设 / 住房保障`) or unambiguous name."""
    category: Category | None = None
    if _is_id(value):
        category = Category.objects.filter(pk=int(value)).first()
    if category is None and isinstance(value, str):
        category = Category.objects.find_category(value)
    if category is None:
        raise InvalidInput(
            f"领域分类不存在：{value}",
            f"unknown category: {value}",
            code="invalid_category",
            details={"category": value},
        )
    return category


def unit_ref(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise InvalidInput(
            f"办理单位不存在：{code}", f"unknown unit: {code}", code="invalid_unit", details={"unit": code}
        )
    return unit


def units_ref(codes: Sequence[str]) -> list[Unit]:
    return [unit_ref(c) for c in codes]


def region_by_code(code: str) -> Region:
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise NotFound(f"地区不存在：{code}", f"unknown region: {code}", code="region_not_found")
    return region

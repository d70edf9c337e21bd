"""Finding the region and board a report or dashboard is asked for, by code or by name, with clear errors."""

from liuyan.common.errors import InvalidInput
from liuyan.geo.models import Region
from liuyan.geo.region_lookup import find_region as find_region_by_name
from liuyan.orgs.models import Board


def find_region(value: str) -> Region:
    """A region by GB/T 2260 / gazetteer code, by name or by an unambiguous alias (广东, 粤)."""
    text = value.strip()
    region = Region.objects.filter(code=text).first() or find_region_by_name(text)
    if region is None:
        raise InvalidInput(f"地区不存在：{value}", f"unknown region: {value}", code="invalid_region")
    return region


def find_board(value: str) -> Board:
    """A board by code or by its exact name (the only one of that name)."""
    text = value.strip()
    board = Board.objects.filter(code=text).first()
    if board is None:
        named = list(Board.objects.filter(name=text)[:2])
        if len(named) > 1:
            raise InvalidInput(
                f"有多个名为“{text}”的留言板，请用代码",
                f"several boards are named {text}: use the code",
                code="invalid_board",
            )
        board = named[0] if named else None
    if board is None:
        raise InvalidInput(f"留言板不存在：{value}", f"unknown board: {value}", code="invalid_board")
    return board

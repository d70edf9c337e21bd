"""Parsing the cells of message files: ids, mixed-format dates and counts (file reading is liuyan.common.tables)."""

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from liuyan.common.tables import Cell, normalize_text

# Times in the files are local times of the boards, which are all in China (北京时间).
SOURCE_TZ = ZoneInfo("Asia/Shanghai")


def normalize_id(value: Cell) -> str:
    """An id cell: spreadsheets turn 188006 into 188006.0; text ids are kept as written (trimmed)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(value, multiline=False)


# ---------------------------------------------------------------------------------------------------------------
# Dates and counts

_DATE_TIME = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:：时點点]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:[.,](?P<f>\d{1,6}))?\s*秒?|\s*分)?)?$"
)
_SERIAL = re.compile(r"^\d{4,6}(?:\.\d+)?$")
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=SOURCE_TZ)
# Excel's day 0 is 1899-12-30 (its 1900 leap-year bug makes this right for every date after February 1900).
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_RANGE = (32874.0, 73051.0)  # 1990-01-01 .. 2099-12-31


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=SOURCE_TZ)
    return value.astimezone(SOURCE_TZ)


def _from_serial(number: float) -> dt.datetime:
    if not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        raise ValueError("serial number out of range")
    moment = _EXCEL_EPOCH + dt.timedelta(days=number)
    return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))


def parse_datetime(value: Cell) -> dt.datetime:
    """An aware datetime (Asia/Shanghai when the cell has no zone) from the formats seen in exported files.

    Accepted: `2020/1/6 12:09:38`, `2019-09-08 21:01:59`, without seconds (`2019/9/8 21:01`), date only
    (`2018/4/24`, midnight), dots or 年月日/时分秒 as separators, ISO 8601 (`2019-09-08T21:01:59+08:00`),
    Excel serial day numbers (`43836.506`, from XLSX cells that are not formatted as dates) and XLSX date cells.
    Raises ValueError otherwise.
    """
    if isinstance(value, dt.datetime):
        return _aware(value)
    if isinstance(value, dt.date):
        return _aware(dt.datetime(value.year, value.month, value.day))
    if isinstance(value, bool) or value is None or isinstance(value, dt.time):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        return _aware(_from_serial(float(value)))
    text = normalize_text(value, multiline=False)
    if not text:
        raise ValueError("empty")
    match = _DATE_TIME.match(text)
    if match:
        parts = {k: int(v) if v else 0 for k, v in match.groupdict().items() if k != "f"}
        micro = int((match.group("f") or "0").ljust(6, "0"))
        return _aware(dt.datetime(parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"], micro))
    if _SERIAL.match(text):
        return _aware(_from_serial(float(text)))
    try:
        return _aware(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"unrecognised date: {text}") from None


COUNT_MAX = 2_147_483_647


def parse_count(value: Cell) -> int:
    """A non-negative whole number (点赞数/反对数); blank is 0. `12.0` (XLSX) and `1,234` are accepted."""
    if value is None:
        return 0
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError("not a number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = normalize_text(value, multiline=False).replace(",", "").replace("，", "")
        if not text:
            return 0
        if re.fullmatch(r"[+-]?\d+(?:\.0+)?", text) is None:
            raise ValueError("not a whole number")
        number = int(text.split(".")[0])
    if number < 0:
        raise ValueError("negative")
    if number > COUNT_MAX:
        raise ValueError("too large")
    return number


def cell_text(cells: dict[str, Any], column: str, *, multiline: bool = True) -> str:
    return normalize_text(cells.get(column), multiline=multiline)

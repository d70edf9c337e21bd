"""Exporting public messages (masked text, published replies) to CSV or XLSX, streamed and written atomically."""

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from liuyan.common.errors import InvalidInput
from liuyan.geo.models import Region
from liuyan.messages.models import Message, Reply, ReplyStatus
from liuyan.messages.privacy import mask_personal_data
from liuyan.messages.states import PUBLIC_LISTED_STATES, PUBLIC_STATUS, PublicStatus, State
from liuyan.orgs.models import Board

from .readers import SOURCE_TZ, parse_datetime

FORMATS = ("csv", "xlsx")
_CHUNK = 500
REPLY_SEPARATOR = "\n\n"

# The first ten columns are the contest's import format, so an export can be imported again elsewhere.
COLUMNS: list[tuple[str, str]] = [
    ("留言编号", "number"),
    ("留言用户", "nickname"),
    ("留言主题", "public_title"),
    ("留言时间", "submitted_at"),
    ("留言详情", "public_body"),
    ("一级标签", "category_root"),
    ("答复意见", "reply"),
    ("答复时间", "replied_at"),
    ("点赞数", "supports"),
    ("反对数", "opposes"),
    ("留言类型", "type"),
    ("领域", "category_path"),
    ("地区", "region"),
    ("地区编码", "region_code"),
    ("留言对象", "board"),
    ("留言对象编码", "board_code"),
    ("状态", "state"),
    ("公开状态", "public_status"),
    ("办理单位", "unit"),
]
HEADER = [name for name, _key in COLUMNS]


@dataclass
class ExportFilter:
    board: Board | None = None
    region: Region | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive


def parse_day(text: str, *, end: bool = False) -> dt.datetime:
    """A --since/--until value: a date (`2019-05-01`, the start of that day, or with `end` the start of the next day:
    --until is inclusive of its day) or a date and time; Asia/Shanghai unless a zone is given."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        raise InvalidInput(f"日期无法识别：{text}", f"not a date: {text}", code="invalid_date") from None
    is_date_only = ":" not in text and "时" not in text and "T" not in text
    if end and is_date_only:
        moment += dt.timedelta(days=1)
    return moment


def with_published_replies(messages: "QuerySet[Message]") -> "QuerySet[Message]":
    """What `rows_of` reads, fetched in bulk: the related names and the published replies (one query per chunk)."""
    published = Reply.objects.filter(status=ReplyStatus.PUBLISHED).order_by("published_at", "id")
    return messages.select_related("board", "category", "region", "unit").prefetch_related(
        Prefetch("replies", queryset=published, to_attr="published_replies")
    )


def public_messages(filters: ExportFilter) -> "QuerySet[Message]":
    """Messages the public may read: not confidential, in a publicly listed state (never rejected or in review)."""
    messages = with_published_replies(
        Message.objects.filter(is_public=True, state__in=sorted(PUBLIC_LISTED_STATES)).order_by("submitted_at", "id")
    )
    if filters.board is not None:
        messages = messages.filter(board=filters.board)
    if filters.region is not None:
        messages = messages.filter(region__path__startswith=filters.region.path)
    if filters.since is not None:
        messages = messages.filter(submitted_at__gte=filters.since)
    if filters.until is not None:
        messages = messages.filter(submitted_at__lt=filters.until)
    return messages


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment, SOURCE_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


class _RegionNames:
    """Full region names (西地省A市A3区), one query per distinct region and ancestor."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def __call__(self, region: Region | None) -> str:
        if region is None:
            return ""
        if region.pk not in self._names:
            chain = [r for r in region.ancestors() if r.level > 0]  # leave out the root 中国
            self._names[region.pk] = "".join(r.name for r in reversed(chain))
        return self._names[region.pk]


def export_rows(filters: ExportFilter) -> Iterator[list[Any]]:
    """One list of cells per public message matching `filters`, in HEADER order."""
    return rows_of(public_messages(filters))


def rows_of(messages: "QuerySet[Message]") -> Iterator[list[Any]]:
    """One list of cells per message of a `with_published_replies` query, in HEADER order, streamed in chunks.

    Text is the masked public text (public_title / public_body); the nickname is masked too; contact name, phone
    and e-mail are never read. Replies: the published ones only, masked, joined by a blank line; the reply time is
    the latest publication.
    """
    region_name = _RegionNames()
    for message in messages.iterator(chunk_size=_CHUNK):
        replies: list[Reply] = getattr(message, "published_replies", [])
        category = message.category
        row: dict[str, Any] = {
            "number": message.number,
            "nickname": mask_personal_data(message.nickname or "网友"),
            "public_title": message.public_title,
            "submitted_at": _local(message.submitted_at),
            "public_body": message.public_body,
            "category_root": category.path.split(" / ")[0] if category is not None else "",
            "reply": REPLY_SEPARATOR.join(mask_personal_data(r.body) for r in replies),
            "replied_at": _local(max((r.published_at for r in replies if r.published_at), default=None)),
            "supports": message.supports,
            "opposes": message.opposes,
            "type": message.get_type_display(),
            "category_path": category.path if category is not None else "",
            "region": region_name(message.region),
            "region_code": message.region.code if message.region is not None else "",
            "board": message.board.name,
            "board_code": message.board.code,
            "state": State(message.state).label,
            "public_status": PublicStatus(PUBLIC_STATUS[message.state]).label,
            "unit": message.unit.name if message.unit is not None else "",
        }
        yield [row[key] for _name, key in COLUMNS]


def _write_csv(path: Path, rows: Iterator[list[Any]], on_row: Callable[[], object] | None) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # the BOM lets Excel open it as UTF-8
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(row)
            count += 1
            if on_row is not None:
                on_row()
    return count


def _write_xlsx(path: Path, rows: Iterator[list[Any]], on_row: Callable[[], object] | None) -> int:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("留言")
    sheet.append(HEADER)
    count = 0
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        count += 1
        if on_row is not None:
            on_row()
    workbook.save(path)
    return count


def _use_default_permissions(path: Path) -> None:
    """mkstemp makes a private (0600) file: give the export the permissions a plain open() would."""
    umask = os.umask(0o022)
    os.umask(umask)
    with suppress(OSError):
        path.chmod(0o666 & ~umask)


def format_for(out: Path, requested: str | None) -> str:
    if requested:
        if requested not in FORMATS:
            raise InvalidInput(f"不支持的格式：{requested}", f"unsupported format: {requested}", code="invalid_format")
        return requested
    return "xlsx" if out.suffix.lower() == ".xlsx" else "csv"


def export_messages(
    out: str | Path, filters: ExportFilter, *, fmt: str | None = None, on_row: Callable[[], object] | None = None
) -> int:
    """Write the public messages to `out` (CSV or XLSX); return how many rows were written.

    The file is written under a temporary name in the same directory and renamed at the end, so a failure
    leaves no half-written file (and an existing file at `out` is replaced only by a complete one).
    """
    out = Path(out)
    fmt = format_for(out, fmt)
    directory = out.resolve().parent
    if not directory.is_dir():
        raise InvalidInput(f"目录不存在：{directory}", f"no such directory: {directory}", code="invalid_output")
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=directory)
    os.close(handle)
    temp = Path(temp_name)
    _use_default_permissions(temp)
    try:
        writer = _write_xlsx if fmt == "xlsx" else _write_csv
        count = writer(temp, export_rows(filters), on_row)
        os.replace(temp, out)
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise
    return count

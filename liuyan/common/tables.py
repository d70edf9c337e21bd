"""Reading tables from files (CSV in UTF-8/UTF-16/GB18030, XLSX) and cleaning the Excel/HTML noise of their cells.

Every importer uses it: messages, regions, the taxonomy, the catalogue and the holiday calendar.
"""

import codecs
import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from liuyan.common.errors import InvalidInput

Cell = str | int | float | dt.datetime | dt.date | dt.time | None

_HEAD_BYTES = 8192
_CSV_FIELD_LIMIT = 16 * 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc


class MalformedFile(InvalidInput):
    """The file as a whole cannot be read: wrong format, undecodable, empty, or missing columns."""

    code = "malformed_file"


@dataclass
class Table:
    """An opened file: its normalised header and an iterator of (spreadsheet row number, cells by column)."""

    path: Path
    format: str  # "csv" or "xlsx"
    encoding: str  # the CSV encoding used, "" for XLSX
    columns: list[str]
    total: int | None  # data rows (blank ones included), when known up front
    rows: Iterator[tuple[int, dict[str, Cell]]]

    def require(self, required: list[str]) -> None:
        """Refuse the file unless every required column is present exactly once."""
        missing = [c for c in required if c not in self.columns]
        if missing:
            names = "、".join(missing)
            found = ", ".join(c for c in self.columns if c) or "—"
            raise MalformedFile(
                f"{self.path.name}：缺少必需的列：{names}（文件中的列：{found}）",
                f"{self.path.name}: missing required column(s): {', '.join(missing)} (columns found: {found})",
                details={"missing": missing, "columns": self.columns},
            )
        repeated = sorted({c for c in self.columns if c and self.columns.count(c) > 1})
        if repeated:
            raise MalformedFile(
                f"{self.path.name}：列名重复：{'、'.join(repeated)}",
                f"{self.path.name}: repeated column name(s): {', '.join(repeated)}",
            )


# ---------------------------------------------------------------------------------------------------------------
# Text normalisation

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Every kind of horizontal blank becomes a plain space: tabs, NBSP, ideographic space, en/em/thin spaces …
_BLANKS = dict.fromkeys(
    map(ord, "\t\v\f\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"),
    " ",
)
_LINE_BREAK_TAGS = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?tr)\b[^<>]{0,200}>", re.IGNORECASE)
_INLINE_TAGS = re.compile(
    r"<\s*/?\s*(?:span|font|b|i|u|em|strong|a|img|ul|ol|table|tbody|td|th|h[1-6]|o:p)\b[^<>]{0,500}>", re.IGNORECASE
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES = re.compile(r" {2,}")
_MANY_BREAKS = re.compile(r"\n{3,}")


def _unescape(match: re.Match[str]) -> str:
    text = html.unescape(match.group())
    return " " if text == "\xa0" else text


def normalize_text(value: Cell, *, multiline: bool = True) -> str:
    """Clean the Excel/HTML noise out of one cell.

    - HTML line tags (<br>, <p>, </div> …) become line breaks, common inline tags (<span>, <font> …) are dropped,
      and entities written with their semicolon (&nbsp; &amp; &gt; &#12288;) are decoded;
    - zero-width characters (U+200B, BOM, soft hyphen) are removed;
    - tabs, NBSP (U+00A0), the ideographic space (U+3000) and other blanks become spaces, runs of spaces one space;
    - line breaks (\\r\\n, \\r) become \\n, every line is trimmed, at most one empty line is kept between paragraphs;
    - single-line fields (`multiline=False`: titles, names, ids, dates) fold everything into one line.
    """
    if value is None:
        return ""
    text = str(value)
    if "<" in text:
        text = _LINE_BREAK_TAGS.sub("\n", text)
        text = _INLINE_TAGS.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(_unescape, text)
    text = text.translate(_ZERO_WIDTH).translate(_BLANKS)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    if not multiline:
        return " ".join(text.split())
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BREAKS.sub("\n\n", "\n".join(lines)).strip()


def normalize_header(value: Cell) -> str:
    return normalize_text(value, multiline=False)


# ---------------------------------------------------------------------------------------------------------------
# Files


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV file and the encoding that read it: UTF-8 (BOM or not), UTF-16 with BOM, then GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise MalformedFile(
        f"{name}：无法识别文件编码（支持 UTF-8、UTF-16、GB18030）",
        f"{name}: cannot decode the file (supported: UTF-8, UTF-16, GB18030)",
    )


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls > max(2, len(head) // 100)


def _not_a_table(name: str, why_zh: str, why_en: str) -> MalformedFile:
    return MalformedFile(
        f"{name}：不是可读取的 CSV 或 XLSX 文件（{why_zh}）", f"{name}: not a readable CSV or XLSX file ({why_en})"
    )


def _is_blank(cells: list[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not normalize_text(c, multiline=False)) for c in cells)


def _data_rows(columns: list[str], records: Iterator[list[Cell]]) -> Iterator[tuple[int, dict[str, Cell]]]:
    for number, record in enumerate(records, start=2):
        if _is_blank(record):
            continue  # blank rows keep their place in the numbering, as in the spreadsheet
        cells = {name: record[i] if i < len(record) else None for i, name in enumerate(columns) if name}
        yield number, cells


def _open_csv(path: Path, data: bytes) -> Table:
    text, encoding = decode_text(data, path.name)
    if not text.strip():
        raise MalformedFile(f"{path.name}：文件为空", f"{path.name}: the file is empty")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        records: list[list[Cell]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise _not_a_table(path.name, f"CSV 格式错误：{exc}", f"CSV syntax error: {exc}") from exc
    while records and _is_blank(records[0]):
        records.pop(0)  # leading blank lines before the header
    if not records:
        raise MalformedFile(f"{path.name}：文件为空", f"{path.name}: the file is empty")
    columns = [normalize_header(c) for c in records[0]]
    return Table(path, "csv", encoding, columns, len(records) - 1, _data_rows(columns, iter(records[1:])))


def _xlsx_cell(value: object) -> Cell:
    """openpyxl values as plain cells: Decimal → float, rich text and formulas → their text, booleans → text."""
    if isinstance(value, bool):
        return str(value)
    if value is None or isinstance(value, str | int | float | dt.datetime | dt.date | dt.time):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400  # a duration cell: days, like a serial number
    return str(value)


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for broken files
        raise _not_a_table(path.name, f"XLSX 文件损坏：{exc}", f"broken XLSX: {exc}") from exc
    try:
        if not workbook.worksheets:
            raise MalformedFile(f"{path.name}：工作簿中没有工作表", f"{path.name}: the workbook has no sheet")
        sheet = workbook.worksheets[0]
        records: Iterator[list[Cell]] = ([_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
        header: list[Cell] | None = None
        skipped = 0
        for record in records:
            if not _is_blank(record):
                header = record
                break
            skipped += 1
        if header is None:
            raise MalformedFile(f"{path.name}：文件为空", f"{path.name}: the file is empty")
        columns = [normalize_header(c) for c in header]
        max_row = getattr(sheet, "max_row", None)
        total = max_row - 1 - skipped if isinstance(max_row, int) and max_row > skipped else None
        rows = ((n + skipped, cells) for n, cells in _data_rows(columns, records))
        yield Table(path, "xlsx", "", columns, total, rows)
    finally:
        workbook.close()


@contextmanager
def open_table(path: str | Path) -> Iterator[Table]:
    """Open a CSV or XLSX file by its content (not only its name); raise MalformedFile when it cannot be read.

    CSV is decoded up front (UTF-8 with or without BOM, UTF-16 with BOM, then GB18030), so an encoding or syntax
    error anywhere refuses the whole file before anything is imported. XLSX is streamed (openpyxl read-only),
    first sheet only. Row numbers are the spreadsheet's: the header is row 1, blank rows keep their number.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise MalformedFile(f"无法打开文件 {path}：{exc.strerror}", f"cannot open {path}: {exc.strerror}") from exc
    if not head.strip():
        raise MalformedFile(f"{path.name}：文件为空", f"{path.name}: the file is empty")
    if head.startswith(_XLSX_MAGIC):
        with _open_xlsx(path) as table:
            yield table
        return
    if head.startswith(_OLE_MAGIC):
        raise _not_a_table(
            path.name,
            "旧版 Excel .xls 格式不受支持，请另存为 .xlsx 或 CSV",
            "legacy .xls is not supported: save as .xlsx or CSV",
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise _not_a_table(path.name, "扩展名为 .xlsx，但内容不是 XLSX", "named .xlsx but its content is not XLSX")
    if _looks_binary(head):
        raise _not_a_table(path.name, "二进制内容", "binary content")
    yield _open_csv(path, path.read_bytes())

"""Import reports (created / updated / skipped counts and bad rows, bilingual) and a CSV/XLSX table reader."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from liuyan.common.tables import open_table


class RowError(NamedTuple):
    """One refused input row. `row` is the row number as a spreadsheet shows it (the header is row 1)."""

    row: int
    zh: str
    en: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 / row {self.row}: {self.zh} / {self.en}"


@dataclass
class ImportReport:
    """Counts of created / updated / skipped records and the list of (row_number, error_zh, error_en)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, zh: str, en: str) -> None:
        self.errors.append(RowError(row, zh, en))

    def error_lines(self) -> list[str]:
        return [str(e) for e in sorted(self.errors, key=lambda e: e.row)]

    def summary(self) -> str:
        if self.errors:
            n = len(self.errors)
            return f"{n} 处错误，未写入任何数据 / {n} error(s), nothing was written"
        return (
            f"新建 {self.created}，更新 {self.updated}，未变 {self.skipped} / "
            f"created {self.created}, updated {self.updated}, unchanged {self.skipped}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [{"row": e.row, "message": e.zh, "message_en": e.en} for e in self.errors],
        }


@dataclass
class TableRows:
    """A header and its data rows, each row with its spreadsheet row number; cells are stripped strings."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def check_columns(self, required: list[str], report: ImportReport) -> bool:
        """Record an error on row 1 for every missing column; True when all are present."""
        missing = [c for c in required if c not in self.columns]
        if missing:
            names = ", ".join(missing)
            report.add_error(1, f"缺少列：{names}", f"missing column(s): {names}")
        return not missing


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn codes such as 110101 into 110101.0
    elif isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return " ".join(str(value).replace("\u3000", " ").split())


def read_table(path: str | Path) -> TableRows:
    """Read a CSV (UTF-8, UTF-16 or GB18030) or the first sheet of an XLSX file, every cell folded to one line of
    text, for the reference-data importers. A file that cannot be read raises `MalformedFile` (bilingual).

    Blank rows are left out but keep their place in the numbering, so row numbers match the spreadsheet.
    """
    with open_table(path) as table:
        rows = [(number, {name: _cell(value) for name, value in cells.items()}) for number, cells in table.rows]
        return TableRows(columns=table.columns, rows=rows)

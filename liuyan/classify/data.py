"""Labelled examples for training and evaluating the classifiers, read from CSV or XLSX files.

`read_labeled(path)` recognises the formats by their columns (checked in this order):

| format | text | label |
|---|---|---|
| contest raw (TipDM 2020 C `dev_raw.csv`, `liuyan export`) | 留言主题 + "\\n" + 留言详情 | 一级标签 |
| contest segmented (`train_segmented.csv`) | seg_text | 一级标签 |
| MSGABench messages (`messages.csv`) | message | request_type |
| MSGABench questions (`qa_department.csv`) | question | department |

or any file with `text_col=` and `label_col=` given (either may be given alone to override one side of a recognised
format). Files are read by `liuyan.common.tables.open_table` (CSV in UTF-8 with or without BOM, UTF-16, GB18030;
XLSX, first sheet). Texts are cleaned by `liuyan.intake.normalize.normalize_text`; rows whose text or label is blank
after that are skipped and counted. A label column named `department` (or the questions format) has its spellings
mapped to one official name per department by `canonical_department` (the table `DEPARTMENT_ALIASES`).
"""

import dataclasses
import hashlib
from pathlib import Path

from liuyan.common.errors import InvalidInput
from liuyan.common.tables import Cell, open_table
from liuyan.intake.normalize import normalize_text


@dataclasses.dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclasses.dataclass(frozen=True)
class LabeledFormat:
    name: str
    text_cols: tuple[str, ...]  # joined by a line break
    label_col: str


FORMATS = [
    LabeledFormat("contest-raw", ("留言主题", "留言详情"), "一级标签"),
    LabeledFormat("contest-segmented", ("seg_text",), "一级标签"),
    LabeledFormat("msgabench-messages", ("message",), "request_type"),
    LabeledFormat("msgabench-qa", ("question",), "department"),
]

# Spellings of the Beijing departments seen in MSGABench's qa_department.csv, each mapped to the department's full
# official name (the one on its own website in 2020–2023). Built by reading every distinct value of the column (24
# non-blank spellings of 19 departments in the copy examined; the 9 blank rows are skipped): the short forms of the
# 首都之窗 answer sheets, official names written with and without 市, 和 or 综合整理; a few further common short forms
# (人社局, 卫健委 …) are listed too.
# The official name maps to itself; a spelling not listed is kept as written (trimmed).
DEPARTMENT_ALIASES: dict[str, str] = {
    # 北京市公安局公安交通管理局 (traffic police)
    "交管局": "北京市公安局公安交通管理局",
    "北京公安局公安交通管理局": "北京市公安局公安交通管理局",
    "公安交通管理局": "北京市公安局公安交通管理局",
    # emergency management
    "应急局": "北京市应急管理局",
    "应急管理局": "北京市应急管理局",
    # planning and natural resources
    "规划自然资源委": "北京市规划和自然资源委员会",
    "规划和自然资源委": "北京市规划和自然资源委员会",
    "规自委": "北京市规划和自然资源委员会",
    "体育局": "北京市体育局",
    # human resources and social security
    "人力资源社会保障局": "北京市人力资源和社会保障局",
    "人力社保局": "北京市人力资源和社会保障局",
    "人社局": "北京市人力资源和社会保障局",
    "北京市人力资源社会保障局": "北京市人力资源和社会保障局",
    # science and technology (科委; since 2018 also 中关村科技园区管理委员会, same office)
    "科委": "北京市科学技术委员会",
    "市科委": "北京市科学技术委员会",
    "交通委": "北京市交通委员会",
    "医保局": "北京市医疗保障局",
    # the city government's portal answers general questions itself ("综合整理": compiled by its editors)
    "首都之窗综合整理": "首都之窗",
    "北京市人民政府门户网站": "首都之窗",
    # housing provident fund: the official name has no 市
    "住房公积金管理中心": "北京住房公积金管理中心",
    "北京市住房公积金管理中心": "北京住房公积金管理中心",
    "公积金中心": "北京住房公积金管理中心",
    "城管执法局": "北京市城市管理综合行政执法局",
    "文物局": "北京市文物局",
    "城市管理委": "北京市城市管理委员会",
    "城管委": "北京市城市管理委员会",
    "药监局": "北京市药品监督管理局",
    "经济和信息化局": "北京市经济和信息化局",
    "经信局": "北京市经济和信息化局",
    # 北京市地方金融监督管理局 (its name in the period of the data)
    "金融监管局": "北京市地方金融监督管理局",
    "地方金融监管局": "北京市地方金融监督管理局",
    "民政局": "北京市民政局",
    # health: the commission's name is 卫生健康委员会 (the file once writes 卫生和健康委员会)
    "卫健委": "北京市卫生健康委员会",
    "北京市卫生和健康委员会": "北京市卫生健康委员会",
    "卫生健康委": "北京市卫生健康委员会",
    "计划生育服务指导中心": "北京市计划生育服务指导中心",
}


def canonical_department(name: str) -> str:
    """The official name of a department from any spelling in `DEPARTMENT_ALIASES` (else the name, cleaned)."""
    cleaned = "".join(normalize_text(name).split())
    return DEPARTMENT_ALIASES.get(cleaned, cleaned)


@dataclasses.dataclass
class LabeledFile:
    """What was read from one file: the examples and how."""

    path: Path
    format: str  # one of FORMATS' names, or "custom"
    text_cols: tuple[str, ...]
    label_col: str
    examples: list[Example]
    rows: int  # data rows seen (blank rows of the sheet not included)
    skipped: int  # rows without text or without a label
    sha256: str

    def summary(self) -> dict[str, object]:
        return {
            "file": self.path.name,
            "format": self.format,
            "text_columns": list(self.text_cols),
            "label_column": self.label_col,
            "rows": self.rows,
            "examples": len(self.examples),
            "skipped": self.skipped,
            "sha256": self.sha256,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _choose_format(
    path: Path, columns: list[str], text_col: str | None, label_col: str | None
) -> tuple[str, tuple[str, ...], str]:
    detected = next((f for f in FORMATS if all(c in columns for c in (*f.text_cols, f.label_col))), None)
    if detected is None and (text_col is None or label_col is None):
        # A file that matches one format's text columns but lacks its label column says so precisely.
        partial = next((f for f in FORMATS if all(c in columns for c in f.text_cols)), None)
        found = ", ".join(c for c in columns if c) or "—"
        if partial is not None and label_col is None:
            raise InvalidInput(
                f"{path.name}：缺少标签列 {partial.label_col}（文件中的列：{found}；可用 --label-col 指定）",
                f"{path.name}: missing the label column {partial.label_col} (columns found: {found}; "
                "name another with --label-col)",
                details={"missing": [partial.label_col], "columns": columns},
            )
        known = "；".join(f"{'+'.join(f.text_cols)} / {f.label_col}" for f in FORMATS)
        known_en = "; ".join(f"{'+'.join(f.text_cols)} / {f.label_col}" for f in FORMATS)
        raise InvalidInput(
            f"{path.name}：无法识别的标注文件格式（文件中的列：{found}）。支持的列：{known}；或用 --text-col 与 --label-col 指定",
            f"{path.name}: unrecognised labelled file (columns found: {found}). Known columns: {known_en}; "
            "or name them with --text-col and --label-col",
            details={"columns": columns},
        )
    name = detected.name if detected else "custom"
    texts = (text_col,) if text_col else detected.text_cols if detected else ()
    label = label_col or (detected.label_col if detected else "")
    if text_col or label_col:
        name = "custom" if detected is None else f"{detected.name} (columns overridden)"
    missing = [c for c in (*texts, label) if c not in columns]
    if missing:
        found = ", ".join(c for c in columns if c) or "—"
        raise InvalidInput(
            f"{path.name}：缺少列：{'、'.join(missing)}（文件中的列：{found}）",
            f"{path.name}: missing column(s): {', '.join(missing)} (columns found: {found})",
            details={"missing": missing, "columns": columns},
        )
    return name, texts, label


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_labeled_file(path: str | Path, *, text_col: str | None = None, label_col: str | None = None) -> LabeledFile:
    """Read one labelled file (see the module's docstring); InvalidInput names the file and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"找不到文件：{path}", f"no such file: {path}", details={"file": str(path)})
    with open_table(path) as table:
        name, texts, label_column = _choose_format(path, table.columns, text_col, label_col)
        departments = label_column == "department"
        examples: list[Example] = []
        rows = skipped = 0
        for _, cells in table.rows:
            rows += 1
            text = normalize_text("\n".join(_cell(cells.get(c)) for c in texts))
            label = " ".join(normalize_text(_cell(cells.get(label_column))).split())
            if departments and label:
                label = canonical_department(label)
            if not text or not label:
                skipped += 1
                continue
            examples.append(Example(text, label))
    return LabeledFile(path, name, texts, label_column, examples, rows, skipped, file_sha256(path))


def read_labeled(path: str | Path, *, text_col: str | None = None, label_col: str | None = None) -> list[Example]:
    """The examples of one labelled CSV/XLSX file (format detected by its columns; see the module's docstring)."""
    return read_labeled_file(path, text_col=text_col, label_col=label_col).examples

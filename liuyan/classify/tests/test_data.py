"""Reading labelled files: the four known formats, CSV encodings, XLSX, custom columns, department names, bad files."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from liuyan.classify.data import (
    DEPARTMENT_ALIASES,
    Example,
    canonical_department,
    read_labeled,
    read_labeled_file,
)
from liuyan.common.errors import InvalidInput


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_it_reads_the_contest_raw_format_joining_title_and_body(tmp_path):
    path = write_csv(
        tmp_path / "raw.csv",
        ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级标签"],
        [
            ["1", "u1", "A市公交車太擠", "2020/1/6 12:09:38", "每天早上\t&nbsp;挤不上车_x000D_", "交通运输"],
            ["2", "u2", "学校收费", "2019-09-08 21:01:59", "乱收费", " 教育文体 "],
        ],
    )
    loaded = read_labeled_file(path)
    assert loaded.format == "contest-raw"
    assert loaded.examples == [
        Example("A市公交车太挤\n每天早上 挤不上车", "交通运输"),
        Example("学校收费\n乱收费", "教育文体"),
    ]
    assert (loaded.rows, loaded.skipped) == (2, 0)
    assert len(loaded.sha256) == 64


def test_it_reads_the_segmented_format(tmp_path):
    path = write_csv(
        tmp_path / "seg.csv", ["row", "一级标签", "seg_text"], [["3", "城乡建设", "区 楼顶 水箱 长年 不洗"]]
    )
    assert read_labeled(path) == [Example("区 楼顶 水箱 长年 不洗", "城乡建设")]


def test_it_reads_msgabench_messages_in_gb18030(tmp_path):
    path = write_csv(
        tmp_path / "messages.csv",
        ["message", "sentiment", "request_type", "domain"],
        [["请问地铁何时开通？", "中性", "咨询", "交通"], ["建议增加学位", "中性", "建言", "教育"]],
        encoding="gb18030",
    )
    loaded = read_labeled_file(path)
    assert loaded.format == "msgabench-messages"
    assert [e.label for e in loaded.examples] == ["咨询", "建言"]


def test_it_reads_msgabench_questions_with_canonical_department_names(tmp_path):
    path = write_csv(
        tmp_path / "qa.csv",
        ["question", "answer", "keywords", "question_type", "department", "sheet"],
        [
            ["中签后可以在外地购车吗？", "您好", "购车", "", "交管局", "s"],
            ["摇号怎么办？", "您好", "", "", "北京公安局公安交通管理局", "s"],
            ["公积金怎么提取？", "您好", "", "", "住房公积金管理中心", "s"],
            ["没有部门的问题", "您好", "", "", "", "s"],
            ["", "只有答复", "", "", "交管局", "s"],
        ],
        encoding="utf-8-sig",
    )
    loaded = read_labeled_file(path)
    assert loaded.format == "msgabench-qa"
    assert [e.label for e in loaded.examples] == [
        "北京市公安局公安交通管理局",
        "北京市公安局公安交通管理局",
        "北京住房公积金管理中心",
    ]
    assert (loaded.rows, loaded.skipped) == (5, 2)


def test_it_reads_xlsx_with_numbers_and_blank_rows(tmp_path):
    path = write_xlsx(
        tmp_path / "labels.xlsx",
        ["message", "request_type"],
        [["请问办理流程", "咨询"], [None, None], [12345, "投诉/求助"], ["  ", "建言"], ["噪音扰民", None]],
    )
    loaded = read_labeled_file(path)
    assert loaded.examples == [Example("请问办理流程", "咨询"), Example("12345", "投诉/求助")]
    assert loaded.rows == 4  # the entirely blank row is not a data row
    assert loaded.skipped == 2


def test_it_takes_custom_columns_and_overrides(tmp_path):
    path = write_csv(tmp_path / "custom.csv", ["内容", "单位", "message"], [["路灯坏了", "U01", "别的文本"]])
    assert read_labeled(path, text_col="内容", label_col="单位") == [Example("路灯坏了", "U01")]
    msg = write_csv(tmp_path / "m.csv", ["message", "request_type", "domain"], [["路灯坏了", "投诉/求助", "城建"]])
    loaded = read_labeled_file(msg, label_col="domain")
    assert loaded.examples == [Example("路灯坏了", "城建")]
    assert loaded.format == "msgabench-messages (columns overridden)"


def test_it_names_the_file_and_the_missing_label_column(tmp_path):
    path = write_csv(tmp_path / "nolabel.csv", ["message", "sentiment"], [["请问", "中性"]])
    with pytest.raises(InvalidInput) as caught:
        read_labeled(path)
    assert "nolabel.csv" in caught.value.zh and "request_type" in caught.value.zh
    assert "nolabel.csv" in caught.value.en and "missing the label column request_type" in caught.value.en
    assert caught.value.details["missing"] == ["request_type"]


def test_it_refuses_an_unknown_format_and_unknown_columns(tmp_path):
    path = write_csv(tmp_path / "other.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(InvalidInput, match=r"other\.csv: unrecognised labelled file"):
        read_labeled(path)
    with pytest.raises(InvalidInput) as caught:
        read_labeled(path, text_col="a", label_col="标签")
    assert caught.value.details["missing"] == ["标签"]
    assert "标签" in caught.value.zh and "other.csv" in caught.value.en


def test_it_refuses_missing_empty_and_binary_files(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        read_labeled(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InvalidInput, match="empty"):
        read_labeled(tmp_path / "empty.csv")
    (tmp_path / "fake.xlsx").write_bytes(b"not a workbook at all")
    with pytest.raises(InvalidInput, match=r"fake\.xlsx"):
        read_labeled(tmp_path / "fake.xlsx")


def test_every_alias_maps_to_a_canonical_name_that_maps_to_itself():
    canonical = set(DEPARTMENT_ALIASES.values())
    for name in canonical:
        assert canonical_department(name) == name
    assert canonical_department(" 交管局 ") == "北京市公安局公安交通管理局"
    assert canonical_department("北京市卫生和健康委员会") == "北京市卫生健康委员会"
    assert canonical_department("某某新设机构") == "某某新设机构"
    assert len(canonical) < len(DEPARTMENT_ALIASES)

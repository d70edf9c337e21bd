"""Reading and normalising message files: noise, dates, counts, encodings and files that cannot be read."""

import datetime as dt
from pathlib import Path

import pytest

from liuyan.common.tables import MalformedFile, normalize_text, open_table
from liuyan.dataio.readers import SOURCE_TZ, normalize_id, parse_count, parse_datetime


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0):
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=SOURCE_TZ)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\n\t\t\t\t正文开始\n\t\t", "正文开始"),
        ("第一段<br>第二段<BR/>第三段<br />", "第一段\n第二段\n第三段"),
        ("<p>段落一</p><p>段落二</p>", "段落一\n\n段落二"),
        ("<span style='x'>加粗</span>的<font color=red>字</font>", "加粗的字"),
        ("甲&nbsp;&nbsp;乙&amp;丙&lt;丁&gt;&#12290;", "甲 乙&丙<丁>。"),
        ("A&B 与 &isPre=1 不是实体", "A&B 与 &isPre=1 不是实体"),
        ("甲\xa0\xa0乙\u3000\u3000丙\t\t丁", "甲 乙 丙 丁"),
        ("零\u200b宽\ufeff字符", "零宽字符"),
        ("多个    空格", "多个 空格"),
        ("行一\r\n行二\r行三", "行一\n行二\n行三"),
        ("段一\n\n\n\n\n段二", "段一\n\n段二"),
        ("  行首空格  \n  行二  ", "行首空格\n行二"),
        (None, ""),
    ],
)
def test_it_cleans_excel_and_html_noise_out_of_text(raw, expected):
    assert normalize_text(raw) == expected


def test_it_folds_single_line_fields_into_one_line():
    assert normalize_text("A3区\u3000幸福路  路灯\n不亮\u200b", multiline=False) == "A3区 幸福路 路灯 不亮"


def test_it_reads_spreadsheet_ids_without_a_trailing_zero():
    assert normalize_id(188006.0) == "188006"
    assert normalize_id(" 24 ") == "24"
    assert normalize_id("AB-001") == "AB-001"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020/1/6 12:09:38", local(2020, 1, 6, 12, 9, 38)),
        ("2019-09-08 21:01:59", local(2019, 9, 8, 21, 1, 59)),
        ("2019/12/3 8:05", local(2019, 12, 3, 8, 5)),
        ("2018/4/24", local(2018, 4, 24)),
        ("2019.09.08 21:01", local(2019, 9, 8, 21, 1)),
        ("2019年10月2日 8时40分", local(2019, 10, 2, 8, 40)),
        ("2019年10月2日8:40:05", local(2019, 10, 2, 8, 40, 5)),
        ("2019-10-10T09:30:00", local(2019, 10, 10, 9, 30)),
        ("2019-10-10 09:30:00.250", local(2019, 10, 10, 9, 30, 0, 250000)),
        ("2019-10-10T01:30:00+00:00", local(2019, 10, 10, 9, 30)),
        ("\t2019/1/2\xa012:00:00 ", local(2019, 1, 2, 12)),
        (43836.50694444444, local(2020, 1, 6, 12, 10)),
        ("43836.5", local(2020, 1, 6, 12)),
        (43836, local(2020, 1, 6)),
        (dt.datetime(2020, 1, 6, 12, 9, 38), local(2020, 1, 6, 12, 9, 38)),
        (dt.date(2020, 1, 6), local(2020, 1, 6)),
    ],
)
def test_it_reads_the_mixed_date_formats_as_shanghai_time(raw, expected):
    parsed = parse_datetime(raw)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    "raw", ["", "昨天下午", "2019/13/1 10:00:00", "2019/2/30", "12:00", "1/6/2020 12:09", 5.5, None]
)
def test_it_refuses_what_is_not_a_date(raw):
    with pytest.raises(ValueError):
        parse_datetime(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("", 0), (None, 0), ("12", 12), (" 7 ", 7), ("3.0", 3), (5.0, 5), (8, 8), ("1,234", 1234)]
)
def test_it_reads_counts(raw, expected):
    assert parse_count(raw) == expected


@pytest.mark.parametrize("raw", ["-3", -1, "很多", "2.5", 2.5, "1e3", "99999999999"])
def test_it_refuses_negative_or_non_numeric_counts(raw):
    with pytest.raises(ValueError):
        parse_count(raw)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("mixed.csv", "utf-8-sig"), ("bad_rows.csv", "utf-8-sig"), ("gb18030.csv", "gb18030"), ("utf16.csv", "utf-16")],
)
def test_it_detects_the_csv_encoding(fixtures: Path, name, encoding):
    with open_table(fixtures / name) as table:
        assert table.format == "csv"
        assert table.encoding == encoding
        assert table.columns[:5] == ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"]
        first = next(table.rows)
    assert first[0] == 2


def test_it_strips_whitespace_around_column_names_and_keeps_spreadsheet_row_numbers(fixtures: Path):
    with open_table(fixtures / "mixed.csv") as table:
        assert table.columns[:4] == ["留言编号", "留言用户", "留言主题", "留言时间"]
        numbers = [n for n, _cells in table.rows]
    assert numbers == [2, 3, 4, 5, 7]  # row 6 is blank


def test_it_reads_xlsx_cells_with_their_types(fixtures: Path):
    with open_table(fixtures / "messages.xlsx") as table:
        assert table.format == "xlsx"
        assert table.columns[:2] == ["留言编号", "留言用户"]
        rows = dict(table.rows)
    assert sorted(rows) == [2, 3, 4, 6]
    assert rows[2]["留言时间"] == dt.datetime(2020, 1, 6, 12, 9, 38)
    assert isinstance(rows[3]["留言时间"], float)
    assert rows[2]["点赞数"] == 5


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("garbage.csv", "not a readable CSV or XLSX file"),
        ("empty.csv", "the file is empty"),
        ("not_really.xlsx", "named .xlsx but its content is not XLSX"),
    ],
)
def test_it_refuses_files_that_are_not_tables(fixtures: Path, name, fragment):
    with pytest.raises(MalformedFile) as caught, open_table(fixtures / name):
        pass
    assert fragment in caught.value.en
    assert caught.value.zh  # bilingual


def test_it_refuses_legacy_xls_and_broken_xlsx(tmp_path: Path):
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(MalformedFile, match=r"legacy \.xls"), open_table(legacy):
        pass
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(MalformedFile, match="broken XLSX"), open_table(broken):
        pass


def test_it_refuses_bytes_that_no_supported_encoding_decodes(tmp_path: Path):
    path = tmp_path / "latin.csv"
    path.write_bytes("留言编号,留言主题\n1,".encode() + b"\x81\x20\xff\xfe\n")
    with pytest.raises(MalformedFile, match="cannot decode"), open_table(path):
        pass


def test_it_refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(MalformedFile, match="cannot open"), open_table(tmp_path / "nope.csv"):
        pass


def test_it_names_the_missing_columns(fixtures: Path):
    with open_table(fixtures / "missing_columns.csv") as table, pytest.raises(MalformedFile) as caught:
        table.require(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"])
    assert "留言用户" in caught.value.zh and "留言时间" in caught.value.zh
    assert "missing required column(s): 留言用户, 留言时间" in caught.value.en

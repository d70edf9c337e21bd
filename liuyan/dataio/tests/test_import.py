"""`liuyan import messages`: mapping, idempotency, bad rows, malformed files, XLSX, categories, regions."""

import csv
import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from liuyan.dataio.importer import ImportOptions, RegionDetector, guess_type, import_file
from liuyan.dataio.readers import SOURCE_TZ
from liuyan.geo.models import Region
from liuyan.messages.models import Event, Message, MessageType, Reply, ReplyKind, ReplyStatus, Source
from liuyan.messages.states import State
from tests.world import World

HEADER = "留言编号,留言用户,留言主题,留言时间,留言详情,一级标签,答复意见,答复时间,点赞数,反对数\n"


def run(*args: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", "messages", *[str(a) for a in args], "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def by_id(external_id: str) -> Message:
    return Message.objects.select_related("category", "region").get(external_id=external_id)


def write(tmp_path: Path, rows: str, name: str = "batch.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------------
# Mapping


def test_it_imports_noisy_rows_with_normalised_text(world: World, places, fixtures: Path):
    out, _ = run(fixtures / "mixed.csv", "--board", "XD-SW")
    assert "created 5" in out and "bad rows 0" in out
    m = by_id("mixed:1001")
    assert m.title == "A3区 幸福路 路灯不亮"
    assert m.body == "幸福路的路灯\n坏了一个月， 晚上很黑。 请尽快修理。\n\n谢谢！"
    assert m.public_body == m.body
    assert (m.source, m.board, m.nickname) == (Source.IMPORT, world.prov_board, "A0001")
    assert by_id("mixed:1006").nickname == "A0006"


def test_it_reads_mixed_date_formats_as_shanghai_time(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    expected = {
        "mixed:1001": dt.datetime(2020, 1, 6, 12, 9, 38),
        "mixed:1002": dt.datetime(2019, 9, 8, 21, 1, 59),
        "mixed:1003": dt.datetime(2019, 12, 3, 8, 5),
        "mixed:1004": dt.datetime(2018, 4, 24),
        "mixed:1006": dt.datetime(2019, 10, 2, 8, 40),
    }
    for external_id, local in expected.items():
        assert by_id(external_id).submitted_at == local.replace(tzinfo=SOURCE_TZ), external_id
    assert by_id("mixed:1001").number.startswith("20200106")


def test_it_imports_replied_rows_as_replied_with_an_imported_reply(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    m = by_id("mixed:1002")
    assert m.state == State.REPLIED
    reply = m.replies.get()
    assert (reply.kind, reply.status) == (ReplyKind.IMPORTED, ReplyStatus.PUBLISHED)
    assert reply.body == "您好！\n已转交B市交通运输局研究办理。"
    assert reply.published_at == m.replied_at == dt.datetime(2019, 9, 20, 10, 0, tzinfo=SOURCE_TZ)
    assert (m.supports, m.opposes) == (12, 1)
    unreplied = by_id("mixed:1001")
    assert unreplied.state == State.UNDER_REVIEW and not unreplied.replies.exists()
    assert (unreplied.supports, unreplied.opposes) == (3, 0)
    assert by_id("mixed:1003").supports == 0  # blank counts are 0
    assert by_id("mixed:1006").supports == 1  # "1.0"


def test_it_closes_replied_rows_with_closed(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW", "--closed")
    assert by_id("mixed:1002").state == State.CLOSED
    assert by_id("mixed:1002").closed_at == by_id("mixed:1002").replied_at
    assert by_id("mixed:1001").state == State.UNDER_REVIEW


def test_it_takes_the_type_from_title_markers_and_otherwise_from_type_option(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW", "--type", "help")
    assert by_id("mixed:1002").type == MessageType.SUGGESTION  # 建议…
    assert by_id("mixed:1003").type == MessageType.INQUIRY  # 请问…
    assert by_id("mixed:1001").type == MessageType.HELP  # no marker: --type


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("建议A市增设公交站", MessageType.SUGGESTION),
        ("关于垃圾分类的建言", MessageType.SUGGESTION),
        ("咨询社保转移", MessageType.INQUIRY),
        ("请问公积金怎么提取", MessageType.INQUIRY),
        ("求助：孩子上学难", MessageType.HELP),
        ("投诉某物业乱收费", MessageType.COMPLAINT),
        ("咨询一下关于停车的建议", MessageType.INQUIRY),  # the earliest marker wins
        ("小区路灯不亮", MessageType.THANKS),  # no marker: the default
    ],
)
def test_it_guesses_the_type_from_the_title(title, expected):
    assert guess_type(title, MessageType.THANKS) == expected


def test_it_records_an_import_event_for_each_created_message(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    m = by_id("mixed:1002")
    event = m.events.get()
    assert (event.action, event.from_state, event.to_state) == ("import", "", State.REPLIED)
    assert event.data["external_id"] == "mixed:1002"


def test_it_masks_a_phone_number_used_as_the_user_name(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    assert by_id("mixed:1003").nickname == "138****5678"


# ---------------------------------------------------------------------------------------------------------------
# Categories and regions


def test_it_maps_labels_to_categories_and_warns_on_unknown_labels(world: World, places, fixtures: Path, tmp_path: Path):
    report_path = tmp_path / "problems.csv"
    out, _ = run(fixtures / "mixed.csv", "--board", "XD-SW", "--report", report_path)
    assert by_id("mixed:1001").category == world.housing.parent  # 城乡建设
    assert by_id("mixed:1002").category == world.traffic
    assert by_id("mixed:1004").category == world.housing  # a full path works too
    assert by_id("mixed:1006").category == world.noise.parent  # 环境保护
    unknown = by_id("mixed:1003")
    assert unknown.category is None and unknown.state == State.UNDER_REVIEW  # loaded anyway
    assert "warnings 1" in out and "bad rows 0" in out
    with report_path.open(encoding="utf-8-sig") as fh:
        problems = list(csv.DictReader(fh))
    assert problems == [
        {
            "file": "mixed.csv",
            "row": "4",
            "kind": "warning",
            "message": "未知的一级标签“住房公积金”，已导入但未分类",
            "message_en": "unknown label '住房公积金': imported without a category",
        }
    ]


def test_it_detects_the_most_specific_region_in_the_text(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    assert by_id("mixed:1001").region == places["A3区"]  # title
    assert by_id("mixed:1002").region == places["B市"]  # title and body
    assert by_id("mixed:1003").region == places["A市"]
    assert by_id("mixed:1004").region == places["西地省"]
    assert by_id("mixed:1006").region is None  # no place named, no --region


def test_it_falls_back_to_the_region_option(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW", "--region", "X0101")
    assert by_id("mixed:1006").region == places["A市"]
    assert by_id("mixed:1001").region == places["A3区"]  # detection still wins


def test_it_looks_for_regions_only_inside_the_boards_region(world: World, places, tmp_path: Path):
    path = write(tmp_path, "1,u,B2区路面塌陷,2019/5/1 10:00:00,在A市上班，住B市B2区。,,,,,\n")
    run(path, "--board", "A-SZ")  # A市市长: B市 and B2区 are outside its region
    assert by_id("batch:1").region == places["A市"]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("A市A3区某小区", ""), "A3区"),
        (("西地省A市", "B市B2区"), "B2区"),  # the most specific, even in the body
        (("A3区和B2区", ""), "A3区"),  # equally specific: the first mentioned
        (("西地的高速", ""), "西地省"),  # a province alias
        (("BA市的店", "A31区"), None),  # letters and digits must not run into a name
        (("没有地名", "也没有"), None),
    ],
)
def test_it_applies_the_region_detection_rule(world: World, places, texts, expected):
    detector = RegionDetector(Region.objects.get(code="X01"))
    found = detector.detect(*texts)
    assert (found.name if found else None) == expected


# ---------------------------------------------------------------------------------------------------------------
# Idempotency and dry runs


def test_it_skips_rows_already_imported(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    counts = (Message.objects.count(), Event.objects.count(), Reply.objects.count())
    out, _ = run(fixtures / "mixed.csv", "--board", "XD-SW")
    assert "created 0, already present (skipped) 5" in out
    assert (Message.objects.count(), Event.objects.count(), Reply.objects.count()) == counts


def test_it_uses_the_namespace_to_tell_sources_apart(world: World, places, fixtures: Path):
    run(fixtures / "mixed.csv", "--board", "XD-SW")
    out, _ = run(fixtures / "mixed.csv", "--board", "XD-SW", "--namespace", "hotline2019")
    assert "created 5" in out
    assert Message.objects.filter(external_id__startswith="hotline2019:").count() == 5


def test_it_writes_nothing_on_a_dry_run(world: World, places, fixtures: Path):
    out, _ = run(fixtures / "mixed.csv", fixtures / "bad_rows.csv", "--board", "XD-SW", "--dry-run")
    assert Message.objects.count() == 0
    assert "would create 5" in out and "would create 2" in out
    assert "bad rows 12" in out
    assert "dry run: nothing was written" in out


# ---------------------------------------------------------------------------------------------------------------
# Bad rows


BAD_ROW_REASONS = {
    3: "留言编号 (id) is empty",
    4: "the title (留言主题) is empty",
    5: "the body (留言详情) is empty",
    6: "the submission time (留言时间) '昨天下午' is not a date",
    7: "the title is longer than 100 characters (101)",
    8: "点赞数 (supports) '-3' is not a non-negative whole number",
    9: "反对数 (opposes) '很多' is not a non-negative whole number",
    10: "id 2001 repeats row 2",
    11: "the reply time is before the submission time",
    12: "the submission time '2035/1/1 10:00:00' is in the future",
    14: "the submission time (留言时间) is empty",
    15: "the reply time (答复时间) '不详' is not a date",
}


def test_it_reports_bad_rows_by_row_number_and_loads_the_good_ones(world: World, fixtures: Path):
    report = import_file(fixtures / "bad_rows.csv", ImportOptions(board=world.prov_board))
    assert (report.rows, report.created, report.skipped) == (14, 2, 0)
    assert {e.row: e.en for e in report.errors} == BAD_ROW_REASONS
    assert all(e.zh for e in report.errors)
    assert set(Message.objects.values_list("external_id", flat=True)) == {"bad_rows:2001", "bad_rows:2012"}
    assert by_id("bad_rows:2012").state == State.REPLIED


def test_it_prints_the_first_bad_rows_and_writes_all_of_them_to_the_report(world: World, fixtures: Path, tmp_path):
    report_path = tmp_path / "bad.csv"
    out, _ = run(fixtures / "bad_rows.csv", "--board", "XD-SW", "--show", "3", "--report", report_path)
    assert "created 2, already present (skipped) 0, bad rows 12, warnings 0" in out
    assert "第 3 行 / row 3: 留言编号为空 / 留言编号 (id) is empty" in out
    assert "第 5 行 / row 5" in out and "第 6 行 / row 6" not in out
    assert "9 more bad row(s) not shown" in out
    with report_path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["row"]) for r in rows] == sorted(BAD_ROW_REASONS)
    assert {r["kind"] for r in rows} == {"error"}


def test_it_fails_with_strict_when_rows_are_bad(world: World, fixtures: Path):
    with pytest.raises(CommandError, match="some rows are bad"):
        run(fixtures / "bad_rows.csv", "--board", "XD-SW", "--strict")
    assert Message.objects.count() == 2  # the good rows are still loaded


def test_it_reports_an_over_long_body(world: World, tmp_path: Path):
    body = "很长" * 5001
    path = write(tmp_path, f"1,u,正文太长,2019/5/1 10:00:00,{body},,,,,\n2,u,正常,2019/5/1 10:00:00,正文。,,,,,\n")
    report = import_file(path, ImportOptions(board=world.prov_board))
    assert [(e.row, e.en) for e in report.errors] == [(2, "the body is longer than 10000 characters (10002)")]
    assert report.created == 1


def test_it_warns_about_a_reply_without_a_time_and_a_time_without_a_reply(world: World, tmp_path: Path):
    path = write(
        tmp_path,
        "1,u,有答复无时间,2019/5/1 10:00:00,正文。,,已处理。,,,\n2,u,有时间无答复,2019/5/1 10:00:00,正文。,,,2019/5/2 10:00:00,,\n",
    )
    report = import_file(path, ImportOptions(board=world.prov_board))
    assert report.created == 2 and not report.errors
    assert [w.row for w in report.warnings] == [2, 3]
    first = by_id("batch:1")
    assert first.state == State.REPLIED and first.replied_at == first.submitted_at
    assert by_id("batch:2").state == State.UNDER_REVIEW


def test_it_never_leaves_a_half_written_message_when_a_row_fails(world: World, tmp_path: Path, monkeypatch):
    original = Reply.objects.create

    def failing_create(**kwargs: Any) -> Reply:
        if "BOOM" in kwargs["body"]:
            raise DatabaseError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(Reply.objects, "create", failing_create)
    path = write(
        tmp_path,
        "1,u,第一条,2019/5/1 10:00:00,正文。,,已处理。,2019/5/2 10:00:00,,\n"
        "2,u,第二条,2019/5/1 10:00:00,正文。,,BOOM,2019/5/2 10:00:00,,\n"
        "3,u,第三条,2019/5/1 10:00:00,正文。,,已处理。,2019/5/2 10:00:00,,\n",
    )
    report = import_file(path, ImportOptions(board=world.prov_board))
    assert report.created == 2
    assert [(e.row, e.en) for e in report.errors] == [(3, "the database refused the row: disk full")]
    assert not Message.objects.filter(external_id="batch:2").exists()
    assert not Event.objects.filter(data__external_id="batch:2").exists()
    assert Message.objects.filter(external_id__in=["batch:1", "batch:3"]).count() == 2


# ---------------------------------------------------------------------------------------------------------------
# Other encodings and XLSX


def test_it_imports_xlsx_with_date_cells_and_excel_serial_numbers(world: World, places, fixtures: Path):
    out, _ = run(fixtures / "messages.xlsx", "--board", "XD-SW")
    assert "created 3" in out and "bad rows 1" in out
    assert "第 6 行 / row 6" in out and "'下周一' is not a date" in out
    first = by_id("messages:3001")
    assert first.submitted_at == dt.datetime(2020, 1, 6, 12, 9, 38, tzinfo=SOURCE_TZ)
    assert first.body == "早上七点到九点\n菜摊摆到马路中间。"
    assert (first.region, first.category, first.supports) == (places["A1区"], world.housing.parent, 5)
    serial = by_id("messages:3002")  # 3002.0 in the sheet
    assert serial.submitted_at == dt.datetime(2020, 1, 6, 12, 10, tzinfo=SOURCE_TZ)
    assert serial.type == MessageType.INQUIRY and serial.state == State.REPLIED
    assert serial.replied_at == dt.datetime(2020, 1, 8, 9, 0, tzinfo=SOURCE_TZ)
    assert by_id("messages:3003").submitted_at == dt.datetime(2019, 11, 22, 16, 54, tzinfo=SOURCE_TZ)


@pytest.mark.parametrize(
    ("name", "external_id", "title"),
    [("gb18030.csv", "gb18030:4001", "C市自来水发黄"), ("utf16.csv", "utf16:5001", "D市公园厕所太少")],
)
def test_it_imports_gb18030_and_utf16_files(world: World, fixtures: Path, name, external_id, title):
    run(fixtures / name, "--board", "XD-SW")
    assert by_id(external_id).title == title


# ---------------------------------------------------------------------------------------------------------------
# Refused runs


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("garbage.csv", "garbage.csv: not a readable CSV or XLSX file (binary content)"),
        ("empty.csv", "empty.csv: the file is empty"),
        ("header_only.csv", "header_only.csv: the file has no data rows"),
        ("missing_columns.csv", "missing required column(s): 留言用户, 留言时间"),
        ("not_really.xlsx", "named .xlsx but its content is not XLSX"),
    ],
)
def test_it_refuses_malformed_files_and_writes_nothing(world: World, fixtures: Path, name, fragment):
    with pytest.raises(CommandError) as caught:
        run(fixtures / "mixed.csv", fixtures / name, "--board", "XD-SW")  # the good file first
    assert fragment in str(caught.value)
    assert " / " in str(caught.value)  # Chinese / English
    assert Message.objects.count() == 0


def test_it_refuses_an_unknown_board_or_region(world: World, fixtures: Path):
    with pytest.raises(CommandError, match="no board with code 'NOPE'"):
        run(fixtures / "mixed.csv", "--board", "NOPE")
    with pytest.raises(CommandError, match="no region with code or unambiguous name 'X99'"):
        run(fixtures / "mixed.csv", "--board", "XD-SW", "--region", "X99")
    assert Message.objects.count() == 0


def test_it_refuses_a_namespace_with_a_colon(world: World, fixtures: Path):
    with pytest.raises(CommandError, match="invalid namespace"):
        run(fixtures / "mixed.csv", "--board", "XD-SW", "--namespace", "a:b")


@pytest.mark.parametrize(("name", "rows"), [("mixed.csv", 6), ("bad_rows.csv", 14), ("messages.xlsx", 5)])
def test_it_reports_progress_for_every_spreadsheet_row(world: World, fixtures: Path, name, rows):
    steps: list[int] = []
    import_file(fixtures / name, ImportOptions(board=world.prov_board), on_row=steps.append)
    assert sum(steps) == rows  # blank and bad rows included

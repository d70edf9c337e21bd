"""`liuyan export messages`: public messages only, masked text, published replies, filters, atomic files."""

import csv
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from liuyan.dataio import exporter
from liuyan.dataio.exporter import HEADER
from liuyan.dataio.importer import ImportOptions, import_file
from liuyan.messages.models import Message
from liuyan.messages.states import State
from tests.world import World, message_in_state

PHONE = "13812345678"
CONTACT_PHONE = "13900001111"


def export(*args: Any) -> str:
    out = StringIO()
    call_command("export", "messages", *[str(a) for a in args], "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def lifecycle(world: World) -> dict[str, Message]:
    """One message per interesting state, all with personal data in the text and the contact fields."""
    personal = {
        "body": f"我叫张三，电话{PHONE}，邮箱 zhangsan@example.cn，A市A1区幸福小区3栋电梯坏了两个月。",
        "contact_name": "张三",
        "contact_email": "contact@example.cn",
        "contact_phone": CONTACT_PHONE,
    }
    return {
        "replied": message_in_state(world, State.REPLIED, title="电梯坏了（已回复）", **personal),
        "confidential": message_in_state(world, State.REPLIED, title="电梯坏了（保密）", is_public=False, **personal),
        "rejected": message_in_state(world, State.REJECTED, title="电梯坏了（不予受理）", **personal),
        "reviewing": message_in_state(world, State.UNDER_REVIEW, title="电梯坏了（审核中）", **personal),
        "reply_review": message_in_state(world, State.REPLY_REVIEW, title="电梯坏了（答复审核中）", **personal),
    }


def test_it_exports_public_messages_only(lifecycle: dict[str, Message], tmp_path: Path):
    out = tmp_path / "public.csv"
    assert "exported 2 public message(s)" in export("--out", out)
    rows = read_csv(out)
    assert list(rows[0]) == HEADER
    numbers = {r["留言编号"] for r in rows}
    assert numbers == {lifecycle["replied"].number, lifecycle["reply_review"].number}


def test_it_masks_personal_data_and_leaves_out_contact_details(lifecycle: dict[str, Message], tmp_path: Path):
    out = tmp_path / "public.csv"
    export("--out", out)
    text = out.read_text(encoding="utf-8-sig")
    for secret in (PHONE, CONTACT_PHONE, "13800000001", "contact@example.cn", "citizen@example.cn", "zhangsan@"):
        assert secret not in text
    row = next(r for r in read_csv(out) if r["留言编号"] == lifecycle["replied"].number)
    assert "138****5678" in row["留言详情"] and "z***@example.cn" in row["留言详情"]
    assert row["留言用户"] == "热心市民"


def test_it_exports_published_replies_and_never_drafts(lifecycle: dict[str, Message], tmp_path: Path):
    out = tmp_path / "public.csv"
    export("--out", out)
    rows = {r["留言编号"]: r for r in read_csv(out)}
    replied = rows[lifecycle["replied"].number]
    assert replied["答复意见"] == "经核查，已督促物业于本周内完成电梯维修。"
    assert replied["答复时间"]
    assert (replied["状态"], replied["公开状态"]) == ("已回复 Replied", "已回复 Replied")
    assert replied["领域"] == "城乡建设 / 住房保障" and replied["一级标签"] == "城乡建设"
    assert (replied["地区"], replied["地区编码"]) == ("西地省A市A1区", "X010101")
    assert (replied["留言对象"], replied["留言对象编码"]) == ("A市市长", "A-SZ")
    in_review = rows[lifecycle["reply_review"].number]
    assert in_review["答复意见"] == "" and in_review["答复时间"] == ""
    assert in_review["公开状态"] == "办理中 Being handled"


@pytest.fixture
def imported(world: World, fixtures: Path) -> None:
    """Two replied public messages from the fixture: 1002 (2019-09-08, B市) and 1006 (2019-10-02, no region)."""
    import_file(fixtures / "mixed.csv", ImportOptions(board=world.prov_board))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), {"1002", "1006"}),
        (("--since", "2019-10-01"), {"1006"}),
        (("--until", "2019-09-08"), {"1002"}),  # inclusive of the day
        (("--since", "2019-09-08 21:02"), {"1006"}),
        (("--region", "X0102"), {"1002"}),
        (("--region", "X01"), {"1002"}),  # subregions included; no region: left out
        (("--board", "A-SZ"), set()),
    ],
)
def test_it_filters_by_board_region_and_dates(imported: None, tmp_path: Path, options, expected):
    out = tmp_path / "filtered.csv"
    export("--out", out, *options)
    titles = {r["留言主题"]: r for r in read_csv(out)}
    by_title = {"建议在B市增开夜间公交": "1002", "小区噪音扰民": "1006"}
    assert {by_title[t] for t in titles} == expected


def test_it_writes_xlsx_that_imports_again(world: World, imported: None, tmp_path: Path):
    from openpyxl import load_workbook

    out = tmp_path / "public.xlsx"
    export("--out", out)
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) == 3
    report = import_file(out, ImportOptions(board=world.b_board, namespace="roundtrip"))
    assert (report.created, report.bad_rows) == (2, 0)
    copy = Message.objects.get(external_id__startswith="roundtrip:", title="建议在B市增开夜间公交")
    assert copy.state == State.REPLIED and copy.replies.get().body == "您好！\n已转交B市交通运输局研究办理。"
    assert copy.category == world.traffic


def test_it_leaves_no_half_written_file_when_the_export_fails(imported: None, tmp_path: Path, monkeypatch):
    def failing_rows(filters: exporter.ExportFilter) -> Iterator[list[Any]]:
        yield ["x"] * len(HEADER)
        raise RuntimeError("database went away")

    monkeypatch.setattr(exporter, "export_rows", failing_rows)
    out = tmp_path / "public.csv"
    out.write_text("previous export", encoding="utf-8")
    with pytest.raises(RuntimeError):
        export("--out", out)
    assert out.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public.csv"]


def test_it_refuses_bad_options(world: World, tmp_path: Path):
    with pytest.raises(CommandError, match="not a date: 明天"):
        export("--out", tmp_path / "x.csv", "--since", "明天")
    with pytest.raises(CommandError, match="no board with code 'NOPE'"):
        export("--out", tmp_path / "x.csv", "--board", "NOPE")
    with pytest.raises(CommandError, match="no such directory"):
        export("--out", tmp_path / "missing" / "x.csv")
    assert list(tmp_path.iterdir()) == []

"""Importing the real TipDM 2020 C contest files from ../shared/data: every good row loads, bad rows are truly bad."""

import csv
import importlib
import time
from pathlib import Path

import pytest
from django.conf import settings

from liuyan.dataio.importer import ImportOptions, MessageImportReport, import_file
from liuyan.dataio.readers import SOURCE_TZ, parse_datetime
from liuyan.messages.models import Message, ReplyKind, ReplyStatus
from liuyan.messages.states import State
from liuyan.orgs.models import Board
from tests.world import World

DATA = Path(settings.SHARED_DATA_DIR) / "tipdm2020c"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data not available: {DATA}"),
]

# Checked by hand on the published files: ids are unique and numeric, titles 1–37 characters, bodies 1–7,000
# characters, all 留言时间/答复时间 values parse (nine date shapes, one reply time without a clock time), no reply
# predates its message, counts are whole non-negative numbers, and dev_raw's seven labels are all first-level
# classes of taxonomy.csv. So every row is good: any bad row reported here is a parser weakness.
EXPECTED = {
    "dev_raw.csv": {"rows": 494, "bad": 0, "warnings": 0},
    "hot_messages.csv": {"rows": 4307, "bad": 0, "warnings": 0},
    "replies.csv": {"rows": 2795, "bad": 0, "warnings": 0},
}


def source(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def board(world: World) -> Board:
    """西地省's board, with the shipped 西地省 gazetteer and the contest taxonomy loaded when their importers exist."""
    try:
        gazetteer = importlib.import_module("liuyan.geo.gazetteer")
    except ImportError:
        gazetteer = None
    if gazetteer is not None and gazetteer.SAMPLE_GAZETTEER.exists():
        assert gazetteer.import_gazetteer(gazetteer.SAMPLE_GAZETTEER).ok
    try:
        taxonomy = importlib.import_module("liuyan.taxonomy.importer")
    except ImportError:
        taxonomy = None
    if taxonomy is not None and (DATA / "taxonomy.csv").exists():
        assert taxonomy.import_taxonomy(DATA / "taxonomy.csv").ok
    return Board.objects.select_related("region").get(code=world.prov_board.code)


def load(path: Path, board: Board) -> MessageImportReport:
    started = time.monotonic()
    report = import_file(path, ImportOptions(board=board))
    elapsed = time.monotonic() - started
    print(f"\n{report.summary()} — {elapsed:.1f} s")
    for line in report.error_lines()[:20] + [str(w) for w in report.warnings[:20]]:
        print("  ", line)
    return report


def check_counts(path: Path, report: MessageImportReport) -> list[dict[str, str]]:
    rows = raw_rows(path)
    expected = EXPECTED[path.name]
    assert report.rows == len(rows) == expected["rows"]
    assert report.bad_rows == expected["bad"], report.error_lines()
    assert len(report.warnings) == expected["warnings"], [str(w) for w in report.warnings]
    assert report.created == report.rows - report.bad_rows
    namespace = path.stem
    assert Message.objects.filter(external_id__startswith=f"{namespace}:").count() == report.created
    return rows


def check_text(namespace: str) -> None:
    for title, body in Message.objects.filter(external_id__startswith=f"{namespace}:").values_list("title", "body"):
        assert title == title.strip() and "\u200b" not in title and "\t" not in title and "\xa0" not in title
        assert body == body.strip() and "\t" not in body and "\xa0" not in body and "\u3000" not in body


def check_reimport_is_a_no_op(path: Path, board: Board, report: MessageImportReport) -> None:
    again = import_file(path, ImportOptions(board=board))
    assert (again.created, again.skipped, again.bad_rows) == (0, report.created, report.bad_rows)


def test_it_loads_every_row_of_dev_raw_with_its_category(board: Board):
    path = source("dev_raw.csv")
    report = load(path, board)
    rows = check_counts(path, report)
    messages = {
        m.external_id: m for m in Message.objects.filter(external_id__startswith="dev_raw:").select_related("category")
    }
    for row in rows:
        message = messages[f"dev_raw:{row['留言编号']}"]
        assert message.category is not None and message.category.path == row["一级标签"]
        assert message.submitted_at == parse_datetime(row["留言时间"])
        assert message.state == State.UNDER_REVIEW
    check_text("dev_raw")
    check_reimport_is_a_no_op(path, board, report)


def test_it_loads_every_row_of_hot_messages_with_supports_and_opposes(board: Board):
    path = source("hot_messages.csv")
    report = load(path, board)
    rows = check_counts(path, report)
    counts = {
        external_id: (supports, opposes)
        for external_id, supports, opposes in Message.objects.filter(
            external_id__startswith="hot_messages:"
        ).values_list("external_id", "supports", "opposes")
    }
    for row in rows:
        assert counts[f"hot_messages:{row['留言编号']}"] == (int(row["点赞数"]), int(row["反对数"]))
    # Titles naming a county of the shipped gazetteer first are placed in it.
    for county in ("A1区", "A2区", "A3区", "A4区", "A5区", "A6区"):
        titled = Message.objects.filter(external_id__startswith="hot_messages:", title__startswith=county)
        assert titled.exists()
        assert set(titled.values_list("region__name", flat=True)) == {county}
    check_text("hot_messages")
    check_reimport_is_a_no_op(path, board, report)


def test_it_loads_every_row_of_replies_as_replied(board: Board):
    path = source("replies.csv")
    report = load(path, board)
    rows = check_counts(path, report)
    messages = {
        m.external_id: m for m in Message.objects.filter(external_id__startswith="replies:").prefetch_related("replies")
    }
    for row in rows:
        message = messages[f"replies:{row['留言编号']}"]
        assert message.state == State.REPLIED
        (reply,) = message.replies.all()
        assert (reply.kind, reply.status) == (ReplyKind.IMPORTED, ReplyStatus.PUBLISHED)
        assert reply.body and reply.published_at == message.replied_at == parse_datetime(row["答复时间"])
        assert message.replied_at is not None and message.replied_at >= message.submitted_at
    date_only = next(r for r in rows if r["答复时间"] == "2018/4/24")
    replied_at = messages[f"replies:{date_only['留言编号']}"].replied_at
    assert replied_at is not None
    assert replied_at.astimezone(SOURCE_TZ).isoformat() == "2018-04-24T00:00:00+08:00"
    check_text("replies")
    check_reimport_is_a_no_op(path, board, report)

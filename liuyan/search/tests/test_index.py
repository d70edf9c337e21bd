"""The search index on the real database (SQLite FTS5 or PostgreSQL tsvector): matching, privacy, freshness."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from liuyan.common.errors import InvalidInput
from liuyan.demo.build import reset_demo_messages
from liuyan.intake.models import IntakeResult
from liuyan.messages import actions
from liuyan.messages.actions.intake import ImportedMessage, do_import_message
from liuyan.messages.models import Event, Message, Source
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from liuyan.search import index
from liuyan.search.index import index_rows, remove, search_filter
from tests.world import World, message_in_state, submit

PHONE = "13812345678"
ID_CARD = "110101199003074518"


def found(query: str, **kw: Any) -> list[int]:
    return sorted(search_filter(Message.objects.all(), query, **kw).values_list("pk", flat=True))


def write(world: World, title: str, body: str, **kw: Any) -> Message:
    return submit(world, title=title, body=body, **kw).message


# ---------------------------------------------------------------------------------------------------------------
# What matches


def test_it_finds_a_two_character_word_inside_a_longer_run(world):
    m = write(world, "小区电梯长期故障", "我家楼的电梯坏了两个月，物业一直不修。")
    assert found("梯坏") == [m.pk]
    assert found("电梯坏了两个月") == [m.pk]
    assert found("长期故障") == [m.pk]
    assert found("水管") == []


def test_it_matches_a_phrase_as_a_substring_not_a_bag_of_bigrams(world):
    # Every bigram of 电梯坏 (电梯, 梯坏) is in the text, but never next to each other.
    m = write(world, "反映情况", "电梯还好，楼梯坏了。")
    assert found("电梯") == [m.pk] and found("梯坏") == [m.pk]
    assert found("电梯坏") == []
    assert found("坏了楼梯") == []  # order matters too


def test_it_finds_a_single_character_at_the_start_middle_and_end_of_a_run(world):
    start = write(world, "反映情况一", "水管破裂")
    middle = write(world, "反映情况二", "小区停水了")
    end = write(world, "反映情况三", "连续三天停水")
    write(world, "反映情况四", "电梯故障")
    assert found("水") == sorted([start.pk, middle.pk, end.pk])


def test_it_requires_every_space_separated_phrase(world):
    both = write(world, "电梯故障", "物业不管不问。")
    write(world, "电梯故障无人管", "已经很久了。")
    assert found("电梯 物业") == [both.pk]
    assert found("物业 电梯") == [both.pk]


def test_it_finds_full_width_and_upper_case_text_by_its_half_width_lower_case_form(world):
    m = write(world, "ＷＩＦＩ信号差", "Ａ１区３号楼的网络很差。")
    assert found("wifi") == [m.pk]
    assert found("a1区3号楼") == [m.pk]
    assert found("Ａ1区") == [m.pk]


def test_it_matches_a_phrase_across_letters_digits_and_punctuation_but_not_from_title_into_body(world):
    m = write(world, "关于小区电梯", "坏了很久，3号楼、5号楼都是。")
    assert found("3号楼") == [m.pk]
    assert found("号楼5号楼") == [m.pk]  # punctuation separates runs but takes no position
    assert found("小区电梯") == [m.pk]
    assert found("电梯坏了") == []  # 电梯 ends the title, 坏了 starts the body


def test_it_treats_search_syntax_in_the_query_as_plain_text(world):
    m = write(world, "电梯 OR 故障", "电梯故障。")
    cases = [
        ('电梯" OR "故障', [m.pk]),
        ("电梯*", [m.pk]),
        ("-电梯", [m.pk]),
        ("电梯'", [m.pk]),
        ("电梯\\", [m.pk]),
        ("(电梯) & !故障", [m.pk]),
        ("电梯:*", [m.pk]),
        ("电梯 OR", [m.pk]),  # "or" is a word of the title
        ("NEAR(电梯", []),  # "near" is not
        ("电梯 AND NOT", []),
    ]
    for query, expected in cases:
        assert found(query) == expected, query


def test_it_refuses_bad_queries_with_a_bilingual_error(world):
    for query in ["", "！！！", "😡😡", "电" * 101, " ".join(str(i) for i in range(11))]:
        with pytest.raises(InvalidInput) as caught:
            found(query)
        assert caught.value.code == "invalid_search"


def test_it_keeps_the_callers_ordering_and_limit(world):
    older = write(world, "电梯故障一", "电梯坏了。")
    newer = write(world, "电梯故障二", "电梯又坏了。")
    Message.objects.filter(pk=older.pk).update(submitted_at=newer.submitted_at - dt.timedelta(days=1))
    base = Message.objects.filter(state=State.UNDER_REVIEW).order_by("-submitted_at")
    assert list(search_filter(base, "电梯").values_list("pk", flat=True)) == [newer.pk, older.pk]
    assert list(search_filter(base, "电梯")[:1].values_list("pk", flat=True)) == [newer.pk]
    assert search_filter(base.filter(pk=older.pk), "电梯").count() == 1


# ---------------------------------------------------------------------------------------------------------------
# Privacy: only the public (masked) text is indexed


def test_it_never_finds_masked_personal_data_but_finds_the_message_by_its_words(world):
    m = write(world, "电梯故障求助", f"我的电话{PHONE}，身份证{ID_CARD}，幸福小区电梯坏了。")
    assert PHONE not in m.public_body
    assert found(PHONE) == []
    assert found(ID_CARD) == []
    assert found("幸福小区") == [m.pk]
    assert found("5678") == [m.pk]  # the visible tail of 138****5678 is public text


def test_it_reindexes_a_redacted_message(world):
    m = message_in_state(world, State.ACCEPTED, title="物业经理张大山态度恶劣", body="物业经理张大山不让业主进门。")
    assert found("张大山") == [m.pk]
    actions.do_redact(
        world.actor("reviewer"),
        m,
        public_title="物业经理态度恶劣",
        public_body="物业经理某某不让业主进门。",
        reason="含他人姓名",
    )
    assert found("张大山") == []
    assert found("某某") == [m.pk]
    assert found("物业经理") == [m.pk]


def test_it_indexes_imported_messages(world):
    item = ImportedMessage(
        external_id="ext-1",
        board=world.a_board,
        type="complaint",
        title="路灯不亮",
        body=f"人民路路灯坏了，联系电话{PHONE}",
        submitted_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
    )
    m, created = do_import_message(world.actor("system"), item)
    assert created
    assert found("人民路路灯") == [m.pk]
    assert found(PHONE) == []


# ---------------------------------------------------------------------------------------------------------------
# Deleted messages vanish (trigger on SQLite, cascading key on PostgreSQL), also for raw bulk deletes


def test_it_forgets_demo_messages_deleted_by_the_demo_reset(world):
    demo = write(world, "演示留言电梯", "演示内容：电梯坏了。", source=Source.DEMO)
    kept = write(world, "真实留言电梯", "真实内容：电梯坏了。")
    assert found("电梯") == sorted([demo.pk, kept.pk])
    assert reset_demo_messages() == 1
    assert found("电梯") == [kept.pk]
    assert index.status().indexed == 1


def test_it_forgets_a_message_deleted_by_raw_sql(world):
    m = write(world, "电梯故障", "电梯坏了。")
    for rows in (
        Event.objects.filter(message=m),
        Notification.objects.filter(message=m),
        IntakeResult.objects.filter(message=m),
    ):
        rows._raw_delete(rows.db)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Message._meta.db_table} WHERE id = %s", [m.pk])
    assert found("电梯") == []
    assert index.status().indexed == 0


# ---------------------------------------------------------------------------------------------------------------
# Bulk writes and maintenance


def test_it_upserts_rows_in_bulk_and_removes_them_on_request(world):
    a = write(world, "一", "一")
    b = write(world, "二", "二")
    assert index_rows([(a.pk, "路灯不亮", "人民路"), (b.pk, "路灯不亮", "中山路")], batch=1) == 2
    assert found("路灯") == sorted([a.pk, b.pk])
    index_rows([(a.pk, "井盖丢失", "人民路")])
    assert found("路灯") == [b.pk]
    assert found("井盖") == [a.pk]
    assert remove([b.pk]) == 1
    assert found("路灯") == []
    assert index.status().missing == 1


def test_it_rebuilds_the_whole_index_idempotently_and_reports_its_status(world):
    a = write(world, "路灯不亮", "人民路路灯坏了。")
    b = write(world, "井盖丢失", "中山路井盖丢了。")
    index_rows([(a.pk, "错误内容", "错误内容")])
    remove([b.pk])
    status = index.status()
    assert (status.messages, status.indexed, status.missing) == (2, 1, 1)
    assert status.follows_deletes
    assert index.rebuild(batch=1) == 2
    assert index.rebuild(batch=1) == 2
    assert found("路灯") == [a.pk] and found("井盖") == [b.pk] and found("错误") == []
    status = index.status()
    assert (status.messages, status.indexed, status.missing, status.orphans) == (2, 2, 0, 0)


def test_the_search_command_rebuilds_and_reports_status(world):
    m = write(world, "路灯不亮", "人民路路灯坏了。")
    remove([m.pk])
    out = StringIO()
    call_command("search", "status", stdout=out)
    assert "缺失 missing: 1" in out.getvalue() and "rebuild" in out.getvalue()
    out = StringIO()
    call_command("search", "rebuild", "--batch", "10", "--no-progress", stdout=out)
    assert "indexed 1 message(s)" in out.getvalue()
    assert found("路灯") == [m.pk]
    out = StringIO()
    call_command("search", "status", stdout=out)
    assert "已索引 indexed: 1" in out.getvalue() and "incomplete" not in out.getvalue()


@pytest.mark.parametrize("batch", ["0", "-3", "many"])
def test_the_search_command_refuses_a_bad_batch_size_in_both_languages(batch, db):
    with pytest.raises(CommandError) as caught:
        call_command("search", "rebuild", "--batch", batch)
    assert "正整数" in str(caught.value) and "positive" in str(caught.value)


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the delete trigger is SQLite's")
def test_it_puts_the_sqlite_delete_trigger_back_when_a_table_rebuild_dropped_it(world):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {index.SQLITE_TRIGGER}")
    assert not index.status().follows_deletes
    assert index.ensure_schema(connection)
    assert index.status().follows_deletes

"""The intake pipeline on every submission and import: reading, filling in, key messages, bad input."""

import datetime as dt

import pytest

from liuyan.accounts.models import Role
from liuyan.intake.models import Decision, IntakeResult
from liuyan.intake.pipeline import CLASSIFY_CHARS, read_text
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.actions.intake import ImportedMessage
from liuyan.messages.models import Event, MessageType
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from tests.world import World, submit


def test_it_reads_every_submission_and_keeps_the_reading(world: World) -> None:
    m = submit(world, body="A市A1区幸福小区3栋电梯坏了两个月，请联系13812345678，物业公司一直不修。").message
    result = IntakeResult.objects.get(message=m)
    kinds = {e["kind"] for e in result.entities}
    assert {"phone", "place"} <= kinds
    assert result.region_id == world.county_a1.pk
    assert result.decision == Decision.HUMAN and result.reason_zh  # no model yet: people dispatch, and are told why
    event = Event.objects.get(message=m, action="intake")
    assert event.data["decision"] == "human" and event.to_state == State.UNDER_REVIEW


def test_it_fills_in_an_empty_region_from_the_text(world: World) -> None:
    m = submit(world, region=None, body="我是A市A1区居民，小区门口的路灯坏了一个多月，晚上出行很不方便。").message
    m.refresh_from_db()
    assert m.region_id == world.county_a1.pk
    assert Event.objects.get(message=m, action="intake").data["filled"] == {"region": world.county_a1.pk}


def test_the_authors_region_stays_when_the_text_names_none(world: World) -> None:
    m = submit(world, region=world.city_a, body="小区门口的路灯坏了一个多月，晚上出行很不方便，请尽快修理。").message
    m.refresh_from_db()
    assert m.region_id == world.city_a.pk


def test_key_messages_go_on_the_supervisors_screen(world: World) -> None:
    m = submit(
        world,
        title="工地拖欠农民工工资",
        body="A市A1区某工地拖欠我们二十多名农民工工资半年了，老板躲着不见，大家年都过不了。",
    ).message
    m.refresh_from_db()
    assert m.is_key and "拖欠" in m.key_reason
    assert Event.objects.filter(message=m, action="flag_key", actor_role=Role.SYSTEM).exists()
    assert Notification.objects.filter(message=m, kind="key_message", role=Role.SUPERVISOR).exists()


def test_an_ordinary_message_is_not_a_key_message(world: World) -> None:
    m = submit(world).message
    m.refresh_from_db()
    assert not m.is_key
    assert not Event.objects.filter(message=m, action="flag_key").exists()


def test_the_same_complaint_again_and_again_is_a_key_message(world: World) -> None:
    body = "A市A1区幸福小区{}栋楼下的烧烤摊每天营业到凌晨两点，油烟和噪音让人无法休息，反映多次无人管。"
    first = [submit(world, body=body.format(n), title="烧烤摊扰民").message for n in (1, 2)]
    third = submit(world, body=body.format(3), title="烧烤摊又在扰民").message
    other = submit(world, body="想咨询一下A市公积金贷款的额度怎么计算，需要准备哪些材料？", title="公积金咨询").message
    for m in (*first, third, other):
        m.refresh_from_db()
    assert [m.is_key for m in first] == [False, False]
    assert third.is_key and "相似问题" in third.key_reason
    assert not other.is_key


BAD_TEXTS = [
    ("one character", "啊", "啊", "too_short"),
    ("emoji only", "😡😡😡", "😡😡😡😡😡😡", "too_short"),
    (
        "english",
        "Street light broken",
        "The street light outside my building has been broken for weeks.",
        "not_chinese",
    ),
    ("garbage", "asdf;lkj", "qwer!@#$%^&*()zxcv 1234 ####", "not_chinese"),
]


@pytest.mark.parametrize(("case", "title", "body", "problem"), BAD_TEXTS, ids=[c[0] for c in BAD_TEXTS])
def test_bad_text_is_stored_and_goes_to_people_with_a_reason(
    world: World, case: str, title: str, body: str, problem: str
) -> None:
    m = submit(world, title=title, body=body).message
    assert m.state == State.UNDER_REVIEW
    result = IntakeResult.objects.get(message=m)
    assert result.decision == Decision.HUMAN
    assert problem in {p["code"] for p in result.problems}
    assert all(p["zh"] and p["en"] for p in result.problems)


def test_mixed_traditional_text_is_read_as_simplified(world: World) -> None:
    reading = read_text("路燈壞了", "我們A市A1區的路燈壞了很久，晚上很危險，請儘快維修。")
    assert "路灯坏了" in reading.text and "A1区" in reading.text
    assert reading.region_id == world.county_a1.pk


def test_a_very_long_text_is_read_without_failing(world: World) -> None:
    body = "A市A1区幸福小区电梯坏了，" + "楼道里堆满杂物，" * 6000  # ~50,000 characters
    reading = read_text("电梯故障", body)
    assert len(reading.text) > 40_000 and reading.region_id == world.county_a1.pk
    assert len(reading.text) > CLASSIFY_CHARS


def test_a_text_with_no_place_says_so(world: World) -> None:
    reading = read_text("咨询", "请问公积金贷款的额度是怎么计算的？需要准备哪些材料？")
    assert "no_place" in {p.code for p in reading.problems}


def test_imports_are_read_too(world: World) -> None:
    message, created = actions.do_import_message(
        Actor.system(),
        ImportedMessage(
            external_id="ext-1",
            board=world.a_board,
            type=MessageType.COMPLAINT,
            title="拖欠工资",
            body="A市A1区某公司拖欠我们农民工工资三个月，多次讨要无果。",
            submitted_at=dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC),
        ),
    )
    assert created
    message.refresh_from_db()
    assert message.region_id == world.county_a1.pk  # filled in from the text
    assert IntakeResult.objects.filter(message=message).exists()
    assert message.is_key  # still under review: on the supervisors' screen

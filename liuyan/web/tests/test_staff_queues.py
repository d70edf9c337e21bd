"""The review and dispatch queues: what each tab lists, the one-click 受理, and bulk dispatch with every outcome."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from liuyan.accounts.models import Role, User
from liuyan.messages import actions
from liuyan.messages.models import Message, RequestKind
from liuyan.messages.states import State
from liuyan.orgs.catalogue import set_responsible_unit
from liuyan.web.tests.helpers import client_for, rows
from tests.world import message_in_state, pending_request, submit


def count(html: str, tab: str) -> int:
    found = re.search(rf'data-testid="count-{tab}">(\d+)<', html)
    assert found is not None, tab
    return int(found.group(1))


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def catalogue(world):
    """Housing problems anywhere in A市 go to A市住建局 (a message in A1区 finds it by the region fallback)."""
    set_responsible_unit(world.housing, world.city_a, world.a_housing)


# ---------------------------------------------------------------------------------------------------------------
# Review


def test_it_lists_messages_under_review_urgent_and_key_first_then_oldest(world):
    first = message_in_state(world, State.UNDER_REVIEW)
    second = message_in_state(world, State.UNDER_REVIEW)
    key = message_in_state(world, State.UNDER_REVIEW)
    actions.do_flag_key(world.actor("reviewer"), key, reason="安全隐患")
    urgent = message_in_state(world, State.UNDER_REVIEW)
    actions.do_reclassify(world.actor("reviewer"), urgent, is_urgent=True)
    message_in_state(world, State.ACCEPTED)  # not under review any more
    html = client_for(world, "reviewer").get("/work/review/").content.decode()
    assert rows(html) == [urgent.number, key.number, first.number, second.number]
    assert count(html, "new") == 4 and count(html, "second") == 0


def test_it_shows_staff_the_original_title_and_the_row_facts(world):
    m = message_in_state(world, State.UNDER_REVIEW, title="张三家门口电梯坏了")
    from liuyan.messages.models import Message as M

    M.objects.filter(pk=m.pk).update(public_title="某某家门口电梯坏了")
    html = client_for(world, "reviewer").get("/work/review/").content.decode()
    assert "张三家门口电梯坏了" in html and "某某家门口电梯坏了" not in html
    for fact in (world.a_board.name, world.county_a1.name, world.housing.path, "投诉"):
        assert fact in html


def test_it_puts_platform_reply_review_and_follow_ups_in_the_second_tab(world):
    w = world
    # A reply on B市's board, approved by the unit head, waits for the platform.
    m = submit(w, board=w.b_board, region=w.city_b).message
    actions.do_accept(w.actor("reviewer"), m)
    actions.do_dispatch(w.actor("dispatcher"), m, unit=w.b_housing)
    actions.do_sign(w.actor("foreign_handler"), m)
    actions.do_submit_reply(w.actor("foreign_handler"), m, body="已处理完毕。")
    actions.do_approve_reply(w.actor("foreign_head"), m)
    m.refresh_from_db()
    assert m.state == State.REPLY_REVIEW and m.review_stage == "platform"
    # A directly answered message the citizen followed up on comes back to review.
    followed = message_in_state(w, State.ANSWERED_DIRECTLY)
    actions.do_rate(w.actor("citizen"), followed, satisfaction="unsatisfied", reason="没有回答我的问题")
    actions.do_follow_up(w.actor("citizen"), followed, question="还有一个问题没有答复")
    unit_stage = message_in_state(w, State.REPLY_REVIEW)  # waits for the unit head, not the platform
    fresh = message_in_state(w, State.UNDER_REVIEW)
    client = client_for(w, "reviewer")
    html = client.get("/work/review/?tab=second").content.decode()
    assert sorted(rows(html)) == sorted([m.number, followed.number])
    assert unit_stage.number not in html and fresh.number not in html
    assert count(html, "new") == 1 and count(html, "second") == 2
    assert "答复待平台审核" in html and "追问" in html
    assert f"/work/m/{m.number}/#panel-approve_reply" in html
    assert f'data-testid="accept-{followed.number}"' in html  # a follow-up is accepted again
    assert f'data-testid="accept-{m.number}"' not in html


def test_it_shows_a_regional_reviewer_only_their_region(world):
    a = message_in_state(world, State.UNDER_REVIEW)
    b = message_in_state(world, State.UNDER_REVIEW, board=world.b_board, region=world.city_b)
    html = client_for(world, "region_b_reviewer").get("/work/review/").content.decode()
    assert rows(html) == [b.number] and a.number not in html


def test_it_accepts_a_message_with_one_click_and_comes_back_to_the_queue(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    client = client_for(world, "reviewer")
    html = client.get("/work/review/").content.decode()
    form = re.search(rf'<form method="post" action="/act/{m.number}/accept/".*?</form>', html, re.S)
    assert form is not None
    assert f'name="accept-version" value="{m.version}"' in form.group(0)
    page = client.post(f"/act/{m.number}/accept/", {"accept-version": m.version, "next": "/work/review/"})
    assert page.status_code == 302 and page["Location"] == "/work/review/"
    assert "已受理" in flashes(page)
    m.refresh_from_db()
    assert m.state == State.ACCEPTED
    assert m.number not in client.get("/work/review/").content.decode()


def test_it_refuses_a_stale_one_click_accept(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    stale = m.version
    actions.do_flag_key(world.actor("supervisor"), m, reason="重点")
    page = client_for(world, "reviewer").post(f"/act/{m.number}/accept/", {"accept-version": stale, "next": "/"})
    assert page.status_code == 409
    m.refresh_from_db()
    assert m.state == State.UNDER_REVIEW


def test_it_pages_the_review_queue(world):
    for _ in range(32):
        message_in_state(world, State.UNDER_REVIEW)
    client = client_for(world, "reviewer")
    first = client.get("/work/review/").content.decode()
    second = client.get("/work/review/?page=2").content.decode()
    assert len(rows(first)) == 30 and len(rows(second)) == 2
    assert not set(rows(first)) & set(rows(second))
    assert "下一页" in first and "上一页" in second


# ---------------------------------------------------------------------------------------------------------------
# Dispatch


def test_it_lists_accepted_messages_with_their_suggested_unit_and_reason(world, catalogue):
    placed = message_in_state(world, State.ACCEPTED)
    nowhere = message_in_state(world, State.ACCEPTED, category=world.traffic)
    message_in_state(world, State.UNDER_REVIEW)
    html = client_for(world, "dispatcher").get("/work/dispatch/").content.decode()
    assert sorted(rows(html)) == sorted([placed.number, nowhere.number])
    cell = re.search(rf'data-testid="suggestion-{placed.number}">(.*?)</td>', html, re.S)
    assert cell is not None
    assert world.a_housing.name in cell.group(1)
    assert f"派单目录：{world.housing.path} × {world.city_a.name} → {world.a_housing.name}" in cell.group(1)
    empty = re.search(rf'data-testid="suggestion-{nowhere.number}">(.*?)</td>', html, re.S)
    assert empty is not None and "无建议" in empty.group(1)
    assert '<datalist id="unit-options">' in html and f"{world.a_env.name} ({world.a_env.code})" in html


def test_it_suggests_in_the_workspace_what_the_queue_suggests(world, catalogue):
    m = message_in_state(world, State.ACCEPTED)
    html = client_for(world, "dispatcher").get(f"/work/m/{m.number}/").content.decode()
    assert f"派单目录：{world.housing.path} × {world.city_a.name} → {world.a_housing.name}" in html


def test_it_lists_pending_returns_and_transfers_in_their_own_tab(world):
    returned = message_in_state(world, State.RETURN_REQUESTED)
    transfer = message_in_state(world, State.IN_PROGRESS)
    actions.do_request_transfer(world.actor("handler"), transfer, target_unit=world.a_env, reason="属环保部门职责")
    accepted = message_in_state(world, State.ACCEPTED)
    client = client_for(world, "dispatcher")
    html = client.get("/work/dispatch/?tab=returns").content.decode()
    assert sorted(rows(html)) == sorted([returned.number, transfer.number]) and accepted.number not in html
    assert count(html, "accepted") == 1 and count(html, "returns") == 2
    assert "不属于本单位职能" in html and "属环保部门职责" in html and f"→ {world.a_env.name}" in html
    assert f"/work/m/{returned.number}/#panel-approve_return" in html


def bulk(client: Client, messages: list[Message], *, versions: dict[str, int] | None = None, **fields):
    data: dict[str, object] = {"m": [m.number for m in messages], "next": "/work/dispatch/"}
    for m in messages:
        data[f"v-{m.number}"] = (versions or {}).get(m.number, m.version)
    data.update({f"bulk-{k}": v for k, v in fields.items()})
    return client.post("/work/dispatch/bulk/", data)


def test_it_dispatches_each_selected_message_to_its_own_suggestion(world, catalogue):
    set_responsible_unit(world.noise, world.city_a, world.a_env)
    housing = message_in_state(world, State.ACCEPTED)
    noise = message_in_state(world, State.ACCEPTED, category=world.noise, title="夜间施工噪音扰民")
    page = bulk(client_for(world, "dispatcher"), [housing, noise], mode="suggested")
    assert page.status_code == 302 and page["Location"] == "/work/dispatch/"
    assert flashes(page) == ["2 条已交办，0 条未交办"]
    housing.refresh_from_db()
    noise.refresh_from_db()
    assert (housing.state, housing.unit) == (State.DISPATCHED, world.a_housing)
    assert (noise.state, noise.unit) == (State.DISPATCHED, world.a_env)
    assert housing.events.filter(action="dispatch", actor=world.users["dispatcher"]).count() == 1


def test_it_dispatches_every_selected_message_to_one_chosen_unit(world, catalogue):
    messages = [message_in_state(world, State.ACCEPTED) for _ in range(3)]
    unit = world.a_env
    page = bulk(
        client_for(world, "dispatcher"), messages, mode="unit", unit=f"{unit.name} ({unit.code})", note="请核查"
    )
    assert flashes(page) == ["3 条已交办，0 条未交办"]
    for m in messages:
        m.refresh_from_db()
        assert (m.state, m.unit) == (State.DISPATCHED, unit)
        assert m.events.get(action="dispatch").reason == "请核查"


def test_it_reports_a_message_someone_else_dispatched_meanwhile_as_a_conflict(world, catalogue):
    taken, free = message_in_state(world, State.ACCEPTED), message_in_state(world, State.ACCEPTED)
    seen = {taken.number: taken.version, free.number: free.version}
    actions.do_dispatch(world.actor("dispatcher"), taken, unit=world.b_housing)  # another dispatcher, first
    page = bulk(client_for(world, "dispatcher"), [taken, free], versions=seen, mode="suggested")
    notes = flashes(page)
    assert notes[0] == "1 条已交办，1 条未交办"
    assert any(taken.number in n and "该留言已被更新，请刷新后重试" in n for n in notes[1:])
    taken.refresh_from_db()
    free.refresh_from_db()
    assert taken.unit == world.b_housing and taken.events.filter(action="dispatch").count() == 1
    assert free.unit == world.a_housing


def test_it_skips_a_message_without_a_suggestion_and_says_why(world, catalogue):
    placed = message_in_state(world, State.ACCEPTED)
    nowhere = message_in_state(world, State.ACCEPTED, category=world.traffic)
    page = bulk(client_for(world, "dispatcher"), [placed, nowhere], mode="suggested")
    notes = flashes(page)
    assert notes[0] == "1 条已交办，1 条未交办"
    assert any(nowhere.number in n and "没有建议的办理单位" in n for n in notes[1:])
    nowhere.refresh_from_db()
    assert nowhere.state == State.ACCEPTED and not nowhere.events.filter(action="dispatch").exists()


def test_it_reports_the_outcome_in_english_too(world, catalogue):
    placed = message_in_state(world, State.ACCEPTED)
    nowhere = message_in_state(world, State.ACCEPTED, category=world.traffic)
    client = client_for(world, "dispatcher")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    notes = flashes(bulk(client, [placed, nowhere], mode="suggested"))
    assert notes[0] == "1 dispatched, 1 not dispatched" and "no suggested unit" in notes[1]


def test_it_keeps_the_page_and_the_ticks_when_the_bulk_form_is_wrong(world, catalogue):
    m = message_in_state(world, State.ACCEPTED)
    client = client_for(world, "dispatcher")
    page = bulk(client, [m], mode="unit", unit="NO-SUCH-UNIT")
    html = page.content.decode()
    assert page.status_code == 400 and "找不到办理单位“NO-SUCH-UNIT”" in html
    assert f'value="{m.number}" id="pick-{m.number}" checked' in html
    assert bulk(client, [m], mode="unit", unit="").status_code == 400
    nothing = client.post("/work/dispatch/bulk/", {"bulk-mode": "suggested", "next": "/work/dispatch/"})
    assert nothing.status_code == 400 and "请先勾选要交办的留言" in nothing.content.decode()
    m.refresh_from_db()
    assert m.state == State.ACCEPTED


def test_it_never_dispatches_a_message_outside_the_dispatchers_region(world, catalogue):
    regional = User.objects.create_user(
        username="b_dispatcher", password="x", role=Role.DISPATCHER, region=world.city_b
    )
    a_message = message_in_state(world, State.ACCEPTED)
    client = Client()
    client.force_login(regional)
    assert a_message.number not in client.get("/work/dispatch/").content.decode()
    notes = flashes(bulk(client, [a_message], mode="unit", unit=world.b_housing.code))
    assert notes[0] == "0 条已交办，1 条未交办" and "不存在或不在您的权限范围内" in notes[1]
    a_message.refresh_from_db()
    assert a_message.state == State.ACCEPTED


def test_it_shows_a_queue_of_many_rows_in_a_bounded_number_of_queries(world, catalogue, django_assert_max_num_queries):
    for i in range(35):
        message_in_state(world, State.ACCEPTED, category=world.noise if i % 5 == 0 else world.housing)
    for _ in range(3):
        m = message_in_state(world, State.IN_PROGRESS)
        actions.do_request_return(world.actor("handler"), m, reason="不属于本单位", basis="function")
    pending_request(world, message_in_state(world, State.RETURN_REQUESTED), RequestKind.TRANSFER)
    client = client_for(world, "dispatcher")
    client.get("/work/dispatch/")  # warm the session
    with django_assert_max_num_queries(14):
        assert len(rows(client.get("/work/dispatch/").content.decode())) == 30
    with django_assert_max_num_queries(12):
        assert len(rows(client.get("/work/dispatch/?tab=returns").content.decode())) == 4
    reviewer = client_for(world, "reviewer")
    for _ in range(3):
        message_in_state(world, State.UNDER_REVIEW)
    with django_assert_max_num_queries(9):
        assert len(rows(reviewer.get("/work/review/").content.decode())) == 3

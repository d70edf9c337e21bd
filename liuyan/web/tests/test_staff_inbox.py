"""The unit inbox: which message is in which tab, sub-units for heads, co-handling, never another unit's messages,
sorting, the one-click 签收, and a bounded number of queries however many rows."""

import pytest

from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import Message, MessageType
from liuyan.messages.states import State
from liuyan.web.tests.helpers import client_for, counts, rows
from tests.world import message_in_state, submit

TABS = ("sign", "handling", "due_soon", "overdue", "reply_review")


def inbox(world, key: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page = client_for(world, key).get(f"/work/inbox/?{query}")
    assert page.status_code == 200
    return page.content.decode()


def dispatched_to(world, unit, *, co_units=(), **kw) -> Message:
    m = submit(world, **kw).message
    actions.do_accept(world.actor("reviewer"), m)
    return actions.do_dispatch(world.actor("dispatcher"), m, unit=unit, co_units=co_units)


def light(message: Message, *, overdue: bool) -> None:
    warning = "red" if overdue else "yellow"
    actions.do_set_sla_light(Actor.system(), message, warning=warning, overdue=overdue, sla_stage=2 if overdue else 1)


@pytest.fixture
def spread(world):
    """One message of the handler's unit in each tab, and messages the handler must not see."""
    m = {
        "sign": message_in_state(world, State.DISPATCHED),
        "in_progress": message_in_state(world, State.IN_PROGRESS),
        "waiting": message_in_state(world, State.WAITING_CITIZEN),
        "returning": message_in_state(world, State.RETURN_REQUESTED),
        "review": message_in_state(world, State.REPLY_REVIEW),
        "yellow": message_in_state(world, State.IN_PROGRESS),
        "red": message_in_state(world, State.IN_PROGRESS),
        "replied": message_in_state(world, State.REPLIED),
        "foreign": dispatched_to(world, world.b_housing, board=world.b_board, region=world.city_b),
        "sub_unit": dispatched_to(world, world.a1_housing),
    }
    light(m["yellow"], overdue=False)
    light(m["red"], overdue=True)
    return m


def test_it_puts_each_message_in_its_tab(world, spread):
    m = spread
    expected = {
        "sign": {m["sign"]},
        "handling": {m["in_progress"], m["waiting"], m["returning"], m["yellow"], m["red"]},
        "due_soon": {m["yellow"]},
        "overdue": {m["red"]},
        "reply_review": {m["review"]},
    }
    for tab, messages in expected.items():
        html = inbox(world, "handler", tab=tab)
        assert set(rows(html)) == {x.number for x in messages}, tab
    assert counts(html) == {tab: len(messages) for tab, messages in expected.items()}


def test_it_never_shows_another_units_messages(world, spread):
    for tab in TABS:
        html = inbox(world, "handler", tab=tab)
        assert spread["foreign"].number not in html and spread["sub_unit"].number not in html
        assert spread["replied"].number not in html
    html = inbox(world, "foreign_handler")
    assert rows(html) == [spread["foreign"].number]
    assert set(rows(inbox(world, "sub_handler"))) == {spread["sub_unit"].number}


def test_it_shows_heads_their_sub_units_with_the_unit_of_each_row(world, spread):
    html = inbox(world, "unit_head")
    assert set(rows(html)) == {spread["sign"].number, spread["sub_unit"].number}
    assert world.a1_housing.name in html and '<select id="unit-filter" name="unit">' in html
    only_sub = inbox(world, "unit_head", unit=world.a1_housing.code)
    assert rows(only_sub) == [spread["sub_unit"].number] and counts(only_sub)["handling"] == 0
    # The province's head sees the whole tree below, B市 included, and nothing of other trees.
    top = inbox(world, "parent_head")
    assert spread["foreign"].number in top and spread["sub_unit"].number in top
    assert spread["foreign"].number not in inbox(world, "unit_head")


def test_it_marks_co_handled_messages_and_offers_no_sign_to_the_co_unit(world):
    m = dispatched_to(world, world.a_housing, co_units=[world.a_env])
    html = inbox(world, "env_handler")
    assert rows(html) == [m.number]
    assert f'data-testid="co-{m.number}"' in html and "协办" in html
    assert f'data-testid="sign-{m.number}"' not in html
    main = inbox(world, "handler")
    assert f'data-testid="co-{m.number}"' not in main and f'data-testid="sign-{m.number}"' in main


def test_it_signs_for_a_message_with_one_click(world):
    m = message_in_state(world, State.DISPATCHED)
    client = client_for(world, "handler")
    html = client.get("/work/inbox/").content.decode()
    assert f'name="sign-version" value="{m.version}"' in html
    page = client.post(f"/act/{m.number}/sign/", {"sign-version": m.version, "next": "/work/inbox/?tab=sign"})
    assert page.status_code == 302 and page["Location"] == "/work/inbox/?tab=sign"
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS
    html = client.get("/work/inbox/?tab=handling").content.decode()
    assert m.number in html


def test_it_lets_the_head_review_replies_and_shows_handlers_them_read_only(world, spread):
    number = spread["review"].number
    head = inbox(world, "unit_head", tab="reply_review")
    assert f"/work/m/{number}/#panel-approve_reply" in head
    handler = inbox(world, "handler", tab="reply_review")
    assert number in handler and "#panel-approve_reply" not in handler
    assert "答复由单位负责人审核，这里只能查看" in handler


def test_it_sorts_by_deadline_soonest_first_or_by_submission(world):
    slow = message_in_state(world, State.IN_PROGRESS, type=MessageType.COMPLAINT)  # 15 working days
    quick = message_in_state(world, State.IN_PROGRESS, type=MessageType.INQUIRY)  # 3 working days
    undated = message_in_state(world, State.IN_PROGRESS, type=MessageType.HELP)
    Message.objects.filter(pk=undated.pk).update(due_at=None)
    assert rows(inbox(world, "handler", tab="handling")) == [quick.number, slow.number, undated.number]
    assert rows(inbox(world, "handler", tab="handling", sort="-due")) == [slow.number, quick.number, undated.number]
    assert rows(inbox(world, "handler", tab="handling", sort="submitted")) == [
        slow.number,
        quick.number,
        undated.number,
    ]
    assert rows(inbox(world, "handler", tab="handling", sort="-submitted")) == [
        undated.number,
        quick.number,
        slow.number,
    ]
    html = inbox(world, "handler", tab="handling", sort="nonsense")
    assert rows(html)[0] == quick.number and 'aria-sort="ascending"' in html


def test_its_sort_links_keep_the_tab_and_flip_the_direction(world):
    message_in_state(world, State.IN_PROGRESS)
    html = inbox(world, "handler", tab="handling", sort="due")
    assert 'href="?tab=handling&amp;sort=-due"' in html and 'href="?tab=handling&amp;sort=submitted"' in html


def test_it_shows_the_light_in_words_and_the_deadline(world, spread):
    html = inbox(world, "handler", tab="handling")
    assert "红灯·已超期" in html and "黄灯·即将到期" in html and "正常" in html
    sign = inbox(world, "handler", tab="sign")
    assert "签收期限" in sign


def test_it_shows_the_inbox_in_english(world, spread):
    client = client_for(world, "handler")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/work/inbox/").content.decode()
    assert "To sign for" in html and "Sign for" in html and "待签收" not in html


@pytest.mark.parametrize("tab", TABS)
def test_it_shows_a_busy_inbox_in_a_bounded_number_of_queries(world, tab, django_assert_max_num_queries):
    many = [message_in_state(world, State.IN_PROGRESS) for _ in range(34)]
    for m in many[:3]:
        light(m, overdue=True)
    for m in many[3:6]:
        light(m, overdue=False)
    for _ in range(3):
        message_in_state(world, State.DISPATCHED)
    dispatched_to(world, world.a_env, co_units=[world.a_housing])
    message_in_state(world, State.REPLY_REVIEW)
    for key in ("handler", "unit_head"):
        client = client_for(world, key)
        client.get("/work/inbox/")  # the session is read once, like any page
        with django_assert_max_num_queries(10 if key == "handler" else 12):
            page = client.get(f"/work/inbox/?tab={tab}")
        assert page.status_code == 200


def test_it_opens_on_the_first_tab_with_work_in_it(world):
    m = message_in_state(world, State.IN_PROGRESS)
    html = inbox(world, "handler")
    assert rows(html) == [m.number] and 'aria-current="page" data-testid="tab-handling"' in html
    assert rows(inbox(world, "handler", tab="sign")) == []
    empty = inbox(world, "sub_handler")
    assert 'aria-current="page" data-testid="tab-sign"' in empty and "这里没有留言" in empty

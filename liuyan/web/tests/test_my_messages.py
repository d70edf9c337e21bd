"""My messages: all of a citizen's own messages, by citizen-visible status, with what needs their attention."""

import re

from django.test import Client

from liuyan.messages.models import Message
from liuyan.messages.states import State
from liuyan.web.tests.helpers import client_for
from tests.world import message_in_state, submit


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="title" href="/messages/\d+/">([^<]+)</a>', html)


def test_it_sends_visitors_to_log_in_and_staff_to_their_work(world):
    page = Client().get("/me/messages/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=/me/messages/")
    page = client_for(world, "handler").get("/me/messages/")
    assert page.status_code == 302 and page["Location"] == "/work/"


def test_it_lists_all_my_messages_newest_first_including_confidential_and_unaccepted(world):
    rejected = message_in_state(world, State.REJECTED, title="被驳回的留言")
    secret = message_in_state(world, State.IN_PROGRESS, title="保密的留言", is_public=False)
    fresh = submit(world, title="刚写的留言").message
    submit(world, title="别人的留言", author="other_citizen")
    page = client_for(world, "citizen").get("/me/messages/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert titles(html) == [fresh.title, secret.title, rejected.title]
    assert "badge-confidential" in html and "不予受理" in html and "审核中" in html


def test_it_shows_the_original_title_not_the_masked_one(world):
    submit(world, title="电话13812345678的业主反映电梯故障")
    html = client_for(world, "citizen").get("/me/messages/").content.decode()
    assert "电话13812345678的业主反映电梯故障" in html


def test_it_filters_by_citizen_visible_status_with_counts(world):
    reviewing = submit(world, title="审核中的留言").message
    handling = message_in_state(world, State.DISPATCHED, title="办理中的留言")
    replied = message_in_state(world, State.REPLIED, title="已回复的留言")
    closed = message_in_state(world, State.CLOSED, title="已办结的留言")
    client = client_for(world, "citizen")
    expected = {
        "reviewing": [reviewing.title],
        "handling": [handling.title],
        "replied": [replied.title],
        "closed": [closed.title],
        "rejected": [],
        "todo": [replied.title],
    }
    for tab, wanted in expected.items():
        html = client.get("/me/messages/", {"tab": tab}).content.decode()
        assert titles(html) == wanted, tab
        assert re.search(rf'data-testid="tab-{tab}">[^<]+<span class="count">\({len(wanted)}\)', html), tab
    html = client.get("/me/messages/", {"tab": "all"}).content.decode()
    assert (
        'data-testid="tab-all">全部 <span class="count">(4)' in html
        and 'aria-current="page" data-testid="tab-all"' in html
    )
    assert len(titles(client.get("/me/messages/", {"tab": "nonsense"}).content.decode())) == 4


def test_it_marks_what_needs_the_citizen(world):
    replied = message_in_state(world, State.REPLIED, title="等我评价")
    waiting = message_in_state(world, State.WAITING_CITIZEN, title="等我补充")
    message_in_state(world, State.IN_PROGRESS, title="正在办理")
    html = client_for(world, "citizen").get("/me/messages/").content.decode()
    rows = {t: row for row in html.split('data-testid="my-row"')[1:] for t in titles(row)}
    assert "待评价" in rows["等我评价"] and f'href="/messages/{replied.number}/#my-actions"' in rows["等我评价"]
    assert "待补充" in rows["等我补充"] and f"/messages/{waiting.number}/" in rows["等我补充"]
    assert 'data-testid="needs"' not in rows["正在办理"]


def test_it_pages_the_list(world):
    for i in range(23):
        submit(world, title=f"第{i:02d}条留言")
    client = client_for(world, "citizen")
    first = titles(client.get("/me/messages/").content.decode())
    second = titles(client.get("/me/messages/", {"page": 2}).content.decode())
    assert len(first) == 20 and len(second) == 3 and not set(first) & set(second)
    assert first[0] == "第22条留言" and second[-1] == "第00条留言"


def test_it_keeps_the_number_of_queries_flat(world, django_assert_max_num_queries):
    client = client_for(world, "citizen")
    for state in (State.UNDER_REVIEW, State.REPLIED, State.WAITING_CITIZEN):
        message_in_state(world, state)
    client.get("/me/messages/")  # warm the session and caches
    with django_assert_max_num_queries(7) as few:
        client.get("/me/messages/")
    for i in range(17):
        message_in_state(world, State.REPLIED if i % 2 else State.IN_PROGRESS)
    assert Message.objects.filter(author=world.users["citizen"]).count() == 20
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/me/messages/")
    assert len(titles(page.content.decode())) == 20


def test_it_has_a_friendly_empty_state(world):
    html = client_for(world, "citizen").get("/me/messages/").content.decode()
    assert "您还没有写过留言" in html and 'href="/write/"' in html


def test_it_speaks_english(world):
    message_in_state(world, State.REPLIED)
    client = client_for(world, "citizen")
    client.cookies["django_language"] = "en"
    html = client.get("/me/messages/").content.decode()
    assert "My messages" in html and "Needs you" in html and "Please rate" in html and "Replied" in html
    assert "待评价" not in html and "我的留言" not in html

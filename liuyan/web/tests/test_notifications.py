"""Notices: a signed-in user's own, their unit's and their role's, newest first; opening one marks it read."""

import datetime as dt
import re

from django.test import Client

from liuyan.common.clock import now
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from liuyan.web.tests.helpers import client_for
from tests.world import message_in_state, submit


def notice_titles(html: str) -> list[str]:
    return [t.strip() for t in re.findall(r'class="(?:link-button )?notice-title"[^>]*>([^<]+)<', html)]


def test_it_needs_a_login(world):
    page = Client().get("/me/notifications/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_it_lists_my_notices_newest_first_with_the_unread_highlighted(world):
    older = submit(world).message
    newer = submit(world, title="另一条留言").message
    Notification.objects.filter(message=older).update(created_at=now() - dt.timedelta(days=1), read_at=now())
    submit(world, author="other_citizen")  # someone else's notice
    page = client_for(world, "citizen").get("/me/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert notice_titles(html) == [f"您的留言 {newer.number} 已提交", f"您的留言 {older.number} 已提交"]
    unread, read = html.split('data-testid="notice"')[1:]
    assert "notice-unread" in html.split('data-testid="notice"')[0][-80:] and "未读" in unread
    assert "未读" not in read and f'href="/messages/{older.number}/"' in read
    assert "1条未读" in html


def test_it_marks_a_notice_read_and_opens_its_message(world):
    m = submit(world).message
    notice = Notification.objects.get(message=m, recipient=world.users["citizen"])
    client = client_for(world, "citizen")
    page = client.post(f"/me/notifications/{notice.pk}/read/")
    assert page.status_code == 302 and page["Location"] == f"/messages/{m.number}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert client.get(page["Location"]).status_code == 200


def test_it_opens_a_units_notice_in_the_staff_workspace(world):
    m = message_in_state(world, State.DISPATCHED)
    notice = Notification.objects.get(message=m, kind="dispatched", unit=world.a_housing)
    client = client_for(world, "handler")
    assert f"新交办留言 {m.number}" in client.get("/me/notifications/").content.decode()
    page = client.post(f"/me/notifications/{notice.pk}/read/")
    assert page.status_code == 302 and page["Location"] == f"/work/m/{m.number}/"


def test_it_refuses_to_mark_someone_elses_notice(world):
    submit(world, author="other_citizen")
    theirs = Notification.objects.get(recipient=world.users["other_citizen"])
    page = client_for(world, "citizen").post(f"/me/notifications/{theirs.pk}/read/")
    assert page.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_only_by_post(world):
    submit(world)
    notice = Notification.objects.get(recipient=world.users["citizen"])
    assert client_for(world, "citizen").get(f"/me/notifications/{notice.pk}/read/").status_code == 405


def test_it_marks_all_my_notices_read(world):
    for i in range(3):
        submit(world, title=f"留言{i}")
    submit(world, author="other_citizen")
    client = client_for(world, "citizen")
    assert 'data-testid="read-all"' in client.get("/me/notifications/").content.decode()
    page = client.post("/me/notifications/", {"action": "read_all"})
    assert page.status_code == 302 and page["Location"] == "/me/notifications/"
    assert not Notification.objects.filter(recipient=world.users["citizen"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.users["other_citizen"], read_at__isnull=True).exists()
    html = client.get("/me/notifications/").content.decode()
    assert "已将3条通知标为已读" in html and 'data-testid="read-all"' not in html


def test_it_pages_the_notices(world):
    for i in range(23):
        submit(world, title=f"留言{i}")
    client = client_for(world, "citizen")
    assert len(notice_titles(client.get("/me/notifications/").content.decode())) == 20
    assert len(notice_titles(client.get("/me/notifications/", {"page": 2}).content.decode())) == 3


def test_it_speaks_english(world):
    m = submit(world).message
    client = client_for(world, "citizen")
    client.cookies["django_language"] = "en"
    html = client.get("/me/notifications/").content.decode()
    assert f"Your message {m.number} was submitted" in html and "Mark all as read" in html and "Unread" in html
    assert "已提交" not in html

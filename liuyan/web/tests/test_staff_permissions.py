"""Who may open each staff page: every role of the test province → 200, a redirect, 403, or the login page."""

import pytest
from django.test import Client

from liuyan.web.tests.helpers import client_for

# Which roles may open each page; every other signed-in role gets 403, anonymous visitors the login page.
PAGES = {
    "/work/review/": {"reviewer"},
    "/work/dispatch/": {"dispatcher"},
    "/work/inbox/": {"handler", "unit_head"},
    "/work/requests/": {"dispatcher", "supervisor"},
    "/work/supervision/": {"supervisor"},
    "/work/supervision/units/": {"supervisor", "analyst", "dispatcher"},
}
STAFF = ["reviewer", "dispatcher", "handler", "unit_head", "supervisor", "analyst", "admin"]
HOMES = {
    "reviewer": "/work/review/",
    "dispatcher": "/work/dispatch/",
    "handler": "/work/inbox/",
    "unit_head": "/work/inbox/",
    "supervisor": "/work/supervision/",
    "analyst": "/work/supervision/units/",
    "admin": "/admin/",
}


@pytest.mark.parametrize("url", PAGES)
def test_it_lets_only_the_right_roles_open_each_staff_page(world, url):
    """Every account of the test province: the citizens, each staff role, heads of parent and sub-units, other
    units' staff and a regional reviewer."""
    for key, user in world.users.items():
        status = 200 if user.role in PAGES[url] else 403
        page = client_for(world, key).get(url)
        assert page.status_code == status, (url, key)
        if status == 403:
            assert "当前角色不能使用该页面" in page.content.decode()


@pytest.mark.parametrize("url", [*PAGES, "/work/"])
def test_it_sends_anonymous_visitors_to_the_login_page(world, url):
    page = Client().get(url)
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=/work/")


@pytest.mark.parametrize("role", STAFF)
def test_it_sends_each_role_from_work_to_its_own_queue(world, role):
    page = client_for(world, role).get("/work/")
    assert page.status_code == 302 and page["Location"] == HOMES[role]


def test_it_refuses_citizens_the_work_home(world):
    assert client_for(world, "citizen").get("/work/").status_code == 403


@pytest.mark.parametrize("role", [*STAFF, "citizen"])
def test_it_lets_only_dispatchers_post_a_bulk_dispatch(world, role):
    page = client_for(world, role).post("/work/dispatch/bulk/", {"bulk-mode": "suggested"})
    assert page.status_code == (400 if role == "dispatcher" else 403)


def test_it_takes_bulk_dispatch_by_post_only(world):
    assert client_for(world, "dispatcher").get("/work/dispatch/bulk/").status_code == 405
    page = Client().post("/work/dispatch/bulk/", {})
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_it_puts_the_staff_pages_in_each_roles_navigation(world):
    html = client_for(world, "analyst").get("/work/supervision/units/").content.decode()
    assert 'href="/work/supervision/units/" aria-current="page"' in html
    html = client_for(world, "supervisor").get("/work/supervision/").content.decode()
    assert "/work/requests/" in html and "/work/supervision/units/" in html

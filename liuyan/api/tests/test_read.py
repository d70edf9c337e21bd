"""GET /messages and /messages/{number}: visibility, privacy, filters, pagination, timeline and attachments."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liuyan.api.tests.conftest import Api, err
from liuyan.messages import actions
from liuyan.messages.models import Message
from liuyan.messages.states import State
from tests.world import World, message_in_state, submit

SECRET_PHONE = "13812345678"
CONTACT_PHONE = "13900000009"
BODY_WITH_PHONE = f"我的电话{SECRET_PHONE}，身份证110101199003074518，幸福小区3栋电梯坏了两个月。"


def public_message(world: World, state: str = State.IN_PROGRESS, **kw: Any) -> Message:
    """A message in `state` whose body carries a phone number and an ID number (masked publicly)."""
    kw.setdefault("body", BODY_WITH_PHONE)
    kw.setdefault("contact_name", "李四光")
    kw.setdefault("contact_phone", CONTACT_PHONE)
    return message_in_state(world, state, **kw)


# ---------------------------------------------------------------------------------------------------------------
# Privacy


def test_it_never_shows_personal_data_in_the_public_list_or_detail(world, anon, as_user):
    message = public_message(world, State.REPLIED)
    for api in (anon, as_user("other_citizen")):
        listing = api.get("messages")
        assert listing.status_code == 200
        assert [m["number"] for m in listing.json()["items"]] == [message.number]
        detail = api.get(f"messages/{message.number}")
        assert detail.status_code == 200
        for r in (listing, detail):
            text = r.content.decode()
            assert SECRET_PHONE not in text
            assert CONTACT_PHONE not in text
            assert "110101199003074518" not in text
            assert "李四光" not in text
            assert "citizen@example.cn" not in text
        body = detail.json()
        assert body["viewer"] == "public"
        assert body["personal"] is None and body["staff"] is None
        assert body["attachments"] == []
        assert "138****5678" in body["body"]
        assert all(e["actor"] is None and e["reason"] is None and e["data"] is None for e in body["timeline"])
        assert body["replies"] and all(r["status"] == "published" for r in body["replies"])
        assert body["allowed_actions"] == []


def test_it_does_not_find_phone_numbers_through_search_for_the_public(world, anon):
    public_message(world)
    assert anon.get("messages", {"q": SECRET_PHONE}).json()["count"] == 0
    assert anon.get("messages", {"q": "电梯"}).json()["count"] == 1


def test_it_shows_the_author_their_own_text_and_contact_data(world, as_user):
    message = public_message(world, contact_phone="")
    body = as_user("citizen").get(f"messages/{message.number}").json()
    assert body["viewer"] == "author"
    assert body["personal"]["body"] == BODY_WITH_PHONE
    assert body["personal"]["contact_phone"] == "13800000001"
    assert body["staff"] is None
    listing = as_user("citizen").get("messages", {"mine": "true"}).json()
    assert listing["items"][0]["title"] == message.title


def test_it_shows_handling_staff_the_original_text_contacts_and_actor_names(world, as_user):
    message = public_message(world)
    body = as_user("handler").get(f"messages/{message.number}").json()
    assert body["viewer"] == "staff"
    assert body["personal"]["body"] == BODY_WITH_PHONE
    assert body["personal"]["contact_phone"] == CONTACT_PHONE
    assert body["personal"]["contact_name"] == "李四光"
    sign = next(e for e in body["timeline"] if e["action"] == "sign")
    assert sign["actor"] == "handler (handler)"
    assert body["staff"]["assignments"][0]["unit"]["code"] == "A-ZJJ"


def test_it_shows_analysts_only_masked_text(world, as_user):
    message = public_message(world)
    body = as_user("analyst").get(f"messages/{message.number}").json()
    assert body["personal"] is None and body["staff"] is None
    assert SECRET_PHONE not in str(body)


# ---------------------------------------------------------------------------------------------------------------
# Who may open what


def test_it_hides_unaccepted_and_confidential_messages_from_others(world, anon, as_user):
    reviewing = public_message(world, State.UNDER_REVIEW)
    confidential = public_message(world, State.IN_PROGRESS, title="保密留言", is_public=False)
    for api in (anon, as_user("other_citizen")):
        assert api.get("messages").json()["count"] == 0
        for m in (reviewing, confidential):
            r = api.get(f"messages/{m.number}")
            assert r.status_code == 404
            assert err(r)["code"] == "message_not_found"
    # The author sees both.
    mine = as_user("citizen").get("messages").json()
    assert {m["number"] for m in mine["items"]} == {reviewing.number, confidential.number}


def test_it_refuses_a_foreign_unit_handler_with_403(world, as_user):
    message = public_message(world)
    r = as_user("foreign_handler").get(f"messages/{message.number}")
    assert r.status_code == 403
    assert err(r)["code"] == "message_forbidden"
    assert as_user("foreign_handler").get("messages").json()["count"] == 0


def test_it_answers_404_for_unknown_numbers_and_bare_ids(world, anon, as_user):
    message = public_message(world)
    assert err(anon.get("messages/2099010199999999"))["code"] == "message_not_found"
    assert err(as_user("reviewer").get(f"messages/{message.pk}"))["code"] == "message_not_found"


# ---------------------------------------------------------------------------------------------------------------
# Lists: filters, paging, ordering


@pytest.fixture
def several(world: World) -> list[Message]:
    a = message_in_state(world, State.IN_PROGRESS, title="A1区电梯", category=world.property_mgmt)
    b = message_in_state(
        world,
        State.ACCEPTED,
        title="B市噪音",
        board=world.b_board,
        region=world.city_b,
        category=world.noise,
        type="suggestion",
    )
    c = message_in_state(
        world, State.CLOSED, title="省里交通", board=world.prov_board, region=world.province, category=world.traffic
    )
    Message.objects.filter(pk=a.pk).update(is_overdue=True, warning="red", is_key=True)
    Message.objects.filter(pk=b.pk).update(submitted_at=a.submitted_at - dt.timedelta(days=3))
    Message.objects.filter(pk=c.pk).update(submitted_at=a.submitted_at - dt.timedelta(days=10))
    return [a, b, c]


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [m["number"] for m in response.json()["items"]]


@pytest.mark.parametrize("count_cap", [10_000, 0], ids=["narrow", "broad"])
def test_it_filters_the_list(world, anon, several, monkeypatch, count_cap):
    # With a cap of 0 every filter counts as broad: region, category and status walk the newest-first order
    # (liuyan.common.paging.WalkIn) and must give the same rows.
    from liuyan.common import paging

    monkeypatch.setattr(paging, "COUNT_CAP", count_cap)
    a, b, c = several
    day = a.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    cases: list[tuple[dict[str, Any], list[Message]]] = [
        ({"board": "B-SZ"}, [b]),
        ({"region": "X0101"}, [a]),  # A市 includes its A1区
        ({"region": "X01"}, [a, b, c]),
        ({"category": world.housing.parent_id}, [a]),  # 城乡建设 includes 物业管理
        ({"category": world.noise.pk}, [b]),
        ({"type": "suggestion"}, [b]),
        ({"state": "closed"}, [c]),
        ({"public_status": "handling"}, [a]),
        ({"unit": "A-ZJJ"}, [a, c]),
        ({"submitted_from": day.isoformat()}, [a]),
        ({"submitted_to": (day - dt.timedelta(days=2)).isoformat()}, [b, c]),
        ({"q": "噪音"}, [b]),
        ({"overdue": "true"}, [a]),
        ({"warning": "red"}, [a]),
        ({"key": "true"}, [a]),
        ({"key": "false"}, [b, c]),
    ]
    for params, expected in cases:
        assert numbers(anon.get("messages", params)) == [m.number for m in expected], params


def test_it_orders_and_pages_the_list(world, anon, several):
    a, b, c = several
    assert numbers(anon.get("messages")) == [a.number, b.number, c.number]
    assert numbers(anon.get("messages", {"ordering": "submitted_at"})) == [c.number, b.number, a.number]
    assert numbers(anon.get("messages", {"ordering": "due_at"}))[0] == a.number  # the only one with a due date
    page = anon.get("messages", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and page["limit"] == 1 and page["offset"] == 1
    assert [m["number"] for m in page["items"]] == [b.number]
    assert anon.get("messages", {"limit": 1000}).json()["limit"] == 100


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"board": "NOPE"}, 400, "invalid_board"),
        ({"region": "X99"}, 400, "invalid_region"),
        ({"category": 999999}, 400, "invalid_category"),
        ({"unit": "NOPE"}, 400, "invalid_unit"),
        ({"state": "limbo"}, 400, "invalid_filter"),
        ({"ordering": "title"}, 422, "invalid_input"),
        ({"limit": 0}, 422, "invalid_input"),
        ({"submitted_from": "yesterday"}, 422, "invalid_input"),
    ],
)
def test_it_refuses_bad_filters(world, anon, params, status, code):
    r = anon.get("messages", params)
    assert r.status_code == status
    assert err(r)["code"] == code


def test_it_lists_without_a_query_per_row(world, as_user):
    for i in range(6):
        message_in_state(world, State.IN_PROGRESS, title=f"留言{i}")
    api = as_user("dispatcher")
    with CaptureQueriesContext(connection) as few:
        assert api.get("messages", {"limit": 2}).json()["count"] == 6
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("messages", {"limit": 6}).json()["items"]) == 6
    assert len(many) <= len(few)  # the first request also stamps the token's last use


def test_it_shows_a_detail_in_a_bounded_number_of_queries(world, as_user):
    message = public_message(world, State.REPLIED)
    api = as_user("handler")
    with CaptureQueriesContext(connection) as first:
        api.get(f"messages/{message.number}")
    actions.do_rate(world.actor("citizen"), message, satisfaction="unsatisfied", reason="没修好")
    actions.do_reopen(world.actor("supervisor"), message, reason="重办")
    actions.do_add_note(world.actor("handler"), message, body="备注")
    with CaptureQueriesContext(connection) as later:
        api.get(f"messages/{message.number}")
    assert len(later) <= len(first) + 3  # more events/ratings/notes, not more queries per item


# ---------------------------------------------------------------------------------------------------------------
# Detail content


def test_it_shows_the_timeline_replies_ratings_and_deadlines(world, as_user):
    message = public_message(world, State.RATED)
    body = as_user("citizen").get(f"messages/{message.number}").json()
    actions_seen = [e["action"] for e in body["timeline"]]
    assert actions_seen == ["submit", "intake", "accept", "dispatch", "sign", "approve_reply", "rate"]
    assert "submit_reply" not in actions_seen  # internal steps are not shown to citizens
    rate = body["timeline"][-1]
    assert rate["zh"] == "评价" and rate["en"] == "rate the reply" and rate["actor_role"] == "citizen"
    assert rate["reason"] == "电梯仍未修好"  # the author's own words
    assert body["ratings"][0]["satisfaction"] == {"value": "unsatisfied", "zh": "不满意", "en": "Unsatisfied"}
    assert body["replies"][0]["unit"]["code"] == "A-ZJJ"
    assert body["deadlines"]["due_at"] is not None
    assert body["state"]["value"] == "rated" and body["public_status"]["value"] == "rated"
    staff_view = as_user("handler").get(f"messages/{message.number}").json()
    assert "submit_reply" in [e["action"] for e in staff_view["timeline"]]


@pytest.mark.parametrize(
    ("user", "state", "expected"),
    [
        ("handler", State.DISPATCHED, {"sign", "request_return", "request_transfer", "request_cohandling", "add_note"}),
        ("foreign_handler", State.DISPATCHED, None),
        ("reviewer", State.REPLY_REVIEW, {"add_note", "redact", "flag_key"}),  # unit stage: not the reviewer's turn
        ("unit_head", State.REPLY_REVIEW, {"approve_reply", "send_back_reply", "record_contact", "add_note"}),
        ("citizen", State.REPLIED, {"rate", "follow_up"}),
        ("other_citizen", State.REPLIED, set()),
        ("dispatcher", State.ACCEPTED, {"dispatch", "merge_duplicate", "reclassify", "add_note", "flag_key"}),
        ("admin", State.CLOSED, {"archive"}),
    ],
)
def test_it_lists_the_actions_the_viewer_can_take_now(world, as_user, user, state, expected):
    message = message_in_state(world, state)
    r = as_user(user).get(f"messages/{message.number}")
    if expected is None:
        assert r.status_code == 403
        return
    allowed = r.json()["allowed_actions"]
    assert {a["action"] for a in allowed} == expected
    for a in allowed:
        assert a["path"].startswith(f"/api/v1/messages/{message.number}/")


# ---------------------------------------------------------------------------------------------------------------
# Attachments


def test_it_lets_the_author_and_handling_staff_download_attachments_only(world, as_user, anon):
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16
    sub = submit(world, attachments=[SimpleUploadedFile("photo.png", png, content_type="image/png")])
    message = sub.message
    actions.do_accept(world.actor("reviewer"), message)
    actions.do_dispatch(world.actor("dispatcher"), message, unit=world.a_housing)
    attachment = message.attachments.get()
    detail = as_user("handler").get(f"messages/{message.number}").json()
    url = detail["attachments"][0]["url"]
    assert url == f"/api/v1/messages/{message.number}/attachments/{attachment.pk}"
    for user in ("citizen", "handler", "reviewer"):
        r = as_user(user).get(url.removeprefix("/api/v1/"))
        assert r.status_code == 200, user
        assert b"".join(r.streaming_content) == png
        assert 'filename="photo.png"' in r["Content-Disposition"]
    # The public may see the message but not its unmasked attachments.
    assert anon.get(f"messages/{message.number}").json()["attachments"] == []
    assert err(anon.get(url.removeprefix("/api/v1/")))["code"] == "attachment_not_found"
    assert err(as_user("other_citizen").get(url.removeprefix("/api/v1/")))["code"] == "attachment_not_found"
    assert as_user("foreign_handler").get(url.removeprefix("/api/v1/")).status_code == 403
    assert err(as_user("handler").get(f"messages/{message.number}/attachments/999999"))["code"] == (
        "attachment_not_found"
    )


def test_it_serves_json_404_for_unknown_endpoints(db, anon):
    r = anon.get("no/such/thing")
    assert r.status_code == 404
    assert err(r)["code"] == "no_such_endpoint"
    assert r["Content-Type"].startswith("application/json")


def test_it_answers_500_as_json_without_a_traceback(world, anon, monkeypatch):
    from liuyan.api.routes import reference

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reference, "_page", boom)
    r = Api(raise_request_exception=False).get("regions")
    assert r.status_code == 500
    e = err(r)
    assert e["code"] == "server_error"
    assert "secret internals" not in r.content.decode() and "Traceback" not in r.content.decode()


def test_it_counts_a_long_list_only_up_to_the_cap(world, anon, monkeypatch):
    from liuyan.common import paging

    for i in range(3):
        message_in_state(world, State.IN_PROGRESS, title=f"长列表第{i}条")
    assert anon.get("messages").json()["count_exact"] is True
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    page = anon.get("messages", {"limit": 1}).json()
    assert page["count"] == 2 and page["count_exact"] is False and len(page["items"]) == 1

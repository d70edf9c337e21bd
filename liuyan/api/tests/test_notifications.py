"""GET /notifications and POST /notifications/{id}/read."""

from typing import Any

from liuyan.api.tests.conftest import err
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from tests.world import message_in_state


def kinds(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [n["kind"] for n in response.json()["items"]]


def test_it_shows_citizens_their_own_notifications(world, as_user):
    message = message_in_state(world, State.ACCEPTED)
    body = as_user("citizen").get("notifications").json()
    assert [n["kind"] for n in body["items"]] == ["accepted", "submitted"]
    assert body["unread"] == 2
    assert body["items"][0]["message"] == message.number
    assert body["items"][0]["title"] == f"您的留言 {message.number} 已受理"
    assert kinds(as_user("other_citizen").get("notifications")) == []


def test_it_shows_unit_staff_their_units_notifications(world, as_user):
    message_in_state(world, State.DISPATCHED)
    assert kinds(as_user("handler").get("notifications")) == ["dispatched"]
    assert kinds(as_user("foreign_handler").get("notifications")) == []


def test_it_shows_platform_staff_their_roles_notifications_within_their_region(world, as_user):
    message_in_state(world, State.RETURN_REQUESTED)
    assert kinds(as_user("dispatcher").get("notifications")) == ["request_pending"]
    assert kinds(as_user("reviewer").get("notifications")) == []
    Notification.objects.create(
        kind="key_message", role="reviewer", title="x", message=message_in_state(world, State.ACCEPTED)
    )
    assert "key_message" in kinds(as_user("reviewer").get("notifications"))
    assert "key_message" not in kinds(as_user("region_b_reviewer").get("notifications"))


def test_it_marks_a_notification_read(world, as_user):
    message_in_state(world, State.ACCEPTED)
    api = as_user("citizen")
    first = api.get("notifications").json()["items"][0]
    r = api.post(f"notifications/{first['id']}/read")
    assert r.status_code == 200
    assert r.json()["read_at"] is not None
    body = api.get("notifications", {"unread": "true"}).json()
    assert body["unread"] == 1 and [n["id"] for n in body["items"]] != [first["id"]]
    assert [n["id"] for n in api.get("notifications", {"unread": "false"}).json()["items"]] == [first["id"]]


def test_it_refuses_marking_someone_elses_notification(world, as_user, anon):
    message_in_state(world, State.ACCEPTED)
    mine = Notification.objects.filter(recipient=world.users["citizen"]).latest("id")
    r = as_user("other_citizen").post(f"notifications/{mine.pk}/read")
    assert r.status_code == 404
    assert err(r)["code"] == "notification_not_found"
    mine.refresh_from_db()
    assert mine.read_at is None
    assert err(anon.get("notifications"))["code"] == "not_authenticated"
    assert anon.post(f"notifications/{mine.pk}/read").status_code == 401

"""One message through its whole lifecycle, by the API alone, with a token for each role."""

import datetime as dt
from typing import Any

from liuyan.accounts.models import ApiToken
from liuyan.api.tests.conftest import Api
from liuyan.messages.models import Message
from tests.world import World


class Script:
    """Drives the message step by step and checks state and timeline after each one."""

    def __init__(self, world: World, citizen: Api) -> None:
        self.apis: dict[str, Api] = {"citizen": citizen}
        for role in ("reviewer", "dispatcher", "handler", "unit_head", "supervisor", "admin"):
            _token, raw = ApiToken.issue(world.users[role], "lifecycle script")
            self.apis[role] = Api(raw)
        self.number = ""
        self.version = 0
        self.timeline: list[str] = []

    def step(self, who: str, path: str, body: dict[str, Any], state: str, *events: str) -> dict[str, Any]:
        r = self.apis[who].post(f"messages/{self.number}/{path}", {**body, "version": self.version})
        assert r.status_code == 200, (path, r.json())
        detail: dict[str, Any] = r.json()
        assert detail["state"]["value"] == state, path
        assert detail["version"] > self.version
        self.version = detail["version"]
        self.timeline.extend(events)
        self.check_timeline(detail, who)
        return detail

    def check_timeline(self, detail: dict[str, Any], who: str) -> None:
        seen = [e["action"] for e in detail["timeline"]]
        if who == "citizen":
            assert seen == [a for a in self.timeline if a in CITIZEN_VISIBLE], seen
        else:
            assert seen == self.timeline, seen
        stored = list(Message.objects.get(number=self.number).events.values_list("action", flat=True))
        assert stored == self.timeline

    def look(self, who: str) -> dict[str, Any]:
        r = self.apis[who].get(f"messages/{self.number}")
        assert r.status_code == 200
        detail: dict[str, Any] = r.json()
        return detail


CITIZEN_VISIBLE = {
    "submit",
    "intake",
    "accept",
    "dispatch",
    "sign",
    "wait_for_citizen",
    "resume",
    "decide_extension",
    "approve_reply",
    "rate",
    "reopen",
    "close",
    "archive",
}


def test_one_message_goes_through_the_whole_lifecycle_by_api(world, anon):
    # The citizen registers and logs in.
    r = anon.post("auth/register", {"phone": "13600000001", "password": "Lifecycle-pass-2026", "nickname": "老街坊"})
    assert r.status_code == 201, r.json()
    r = anon.post("auth/token", {"login": "13600000001", "password": "Lifecycle-pass-2026", "name": "phone"})
    assert r.status_code == 200
    citizen = Api(r.json()["token"])
    assert citizen.get("me").json()["nickname"] == "老街坊"
    s = Script(world, citizen)

    # Submission: intake puts it under review at once.
    r = citizen.post(
        "messages",
        {
            "board": "A-SZ",
            "type": "complaint",
            "title": "幸福小区电梯两个月没修",
            "body": "幸福小区3栋电梯坏了两个月，物业一直不修，老人上下楼很困难，我的电话13600000001。",
            "category": "城乡建设 / 物业管理",
            "region": "X010101",
        },
    )
    assert r.status_code == 201, r.json()
    s.number, s.version = r.json()["number"], r.json()["version"]
    s.timeline = ["submit", "intake"]
    mine = s.look("citizen")
    assert mine["state"]["value"] == "under_review" and mine["viewer"] == "author"
    s.check_timeline(mine, "citizen")
    assert {a["action"] for a in mine["allowed_actions"]} == set()

    # Review, dispatch, signing.
    s.step("reviewer", "accept", {"note": "属于受理范围"}, "accepted", "accept")
    s.step("dispatcher", "dispatch", {"unit": "A-ZJJ"}, "dispatched", "dispatch")
    signed = s.step("handler", "sign", {}, "in_progress", "sign")
    assert signed["deadlines"]["due_at"] is not None and signed["deadlines"]["contact_due_at"] is not None

    # Contact, a question for the citizen, the citizen's answer.
    contacted = s.step("handler", "contact", {"summary": "电话联系，了解情况"}, "in_progress", "record_contact")
    assert contacted["staff"]["contacts"][0]["summary"] == "电话联系，了解情况"
    s.step("handler", "wait-for-citizen", {"question": "请提供物业公司名称"}, "waiting_citizen", "wait_for_citizen")
    waiting = s.look("citizen")
    assert waiting["public_status"]["value"] == "handling"
    assert waiting["timeline"][-1]["reason"] == "请提供物业公司名称"
    assert {a["action"] for a in waiting["allowed_actions"]} == {"resume"}
    s.step("citizen", "resume", {"supplement": "物业是安居物业公司"}, "in_progress", "resume")

    # An extension, requested by the unit and approved by the platform.
    due = dt.datetime.fromisoformat(s.look("handler")["deadlines"]["due_at"])
    new_due = (due + dt.timedelta(days=10)).isoformat()
    requested = s.step(
        "handler",
        "request-extension",
        {"due_at": new_due, "reason": "需协调维保单位"},
        "in_progress",
        "request_extension",
    )
    assert requested["staff"]["requests"][0]["status"] == "pending"
    approved = s.step(
        "dispatcher", "decide-extension", {"approve": True, "note": "同意"}, "in_progress", "decide_extension"
    )
    assert dt.datetime.fromisoformat(approved["deadlines"]["due_at"]) == dt.datetime.fromisoformat(new_due)
    assert approved["deadlines"]["extension_count"] == 1

    # First reply, approved by the unit head and published.
    s.step("handler", "reply", {"body": "已督促物业维修电梯。"}, "reply_review", "submit_reply")
    assert s.look("citizen")["replies"] == []  # a draft is not shown to the citizen
    replied = s.step("unit_head", "approve-reply", {}, "replied", "approve_reply")
    assert [r["status"] for r in replied["replies"]] == ["published"]

    # 不满意 → reopened by the supervisor.
    rated = s.step(
        "citizen", "rate", {"satisfaction": "unsatisfied", "resolved": False, "reason": "电梯还是坏的"}, "rated", "rate"
    )
    assert rated["ratings"][0]["satisfaction"]["value"] == "unsatisfied"
    reopened = s.step("supervisor", "reopen", {"reason": "群众反映未解决"}, "in_progress", "reopen")
    assert reopened["staff"]["reopen_count"] == 1

    # Second round: reply, approval, 满意 closes it.
    s.step("handler", "reply", {"body": "电梯已更换主板，经群众确认恢复运行。"}, "reply_review", "submit_reply")
    s.step("unit_head", "approve-reply", {}, "replied", "approve_reply")
    closed = s.step("citizen", "rate", {"satisfaction": "satisfied", "resolved": True}, "closed", "rate", "close")
    assert [r["satisfaction"]["value"] for r in closed["ratings"]] == ["unsatisfied", "satisfied"]
    assert len(closed["replies"]) == 2
    assert closed["public_status"]["value"] == "closed"

    # The admin archives it.
    archived = s.step("admin", "archive", {}, "archived", "archive")
    assert archived["allowed_actions"] == []

    # The public sees the whole story, masked.
    public = anon.get(f"messages/{s.number}").json()
    assert public["public_status"]["value"] == "closed"
    assert "13600000001" not in str(public)
    assert "136****0001" in public["body"]
    assert [e["action"] for e in public["timeline"]] == [a for a in s.timeline if a in CITIZEN_VISIBLE]

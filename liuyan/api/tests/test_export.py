"""GET /export/messages.csv: public messages only, masked text, published replies."""

import csv
import io
from typing import Any

from liuyan.messages.states import State
from tests.world import message_in_state


def rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_public_messages_with_masked_text_and_published_replies(world, anon):
    body = "我的电话13812345678，幸福小区电梯坏了。"
    replied = message_in_state(world, State.REPLIED, body=body, contact_phone="13900000009")
    message_in_state(world, State.UNDER_REVIEW, title="还在审核")
    message_in_state(world, State.IN_PROGRESS, title="保密的", is_public=False)
    in_review = message_in_state(world, State.REPLY_REVIEW, title="答复待审核")
    data = rows(anon.get("export/messages.csv"))
    assert [r["留言编号"] for r in data] == [in_review.number, replied.number]
    row = data[1]
    assert "138****5678" in row["留言详情"]
    assert row["答复意见"] == "经核查，已督促物业于本周内完成电梯维修。"
    assert row["办理单位"] == "A市住房和城乡建设局"
    assert row["公开状态"].startswith("已回复")
    assert data[0]["答复意见"] == ""  # the draft under review is not published
    raw = anon.get("export/messages.csv")
    content = b"".join(raw.streaming_content).decode("utf-8-sig")
    assert "13812345678" not in content and "13900000009" not in content


def test_it_filters_the_export_like_the_list(world, anon):
    message_in_state(world, State.ACCEPTED, title="A市的")
    b = message_in_state(world, State.ACCEPTED, title="B市的", board=world.b_board, region=world.city_b)
    assert [r["留言编号"] for r in rows(anon.get("export/messages.csv", {"board": "B-SZ"}))] == [b.number]
    bad = anon.get("export/messages.csv", {"region": "NOPE"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_region"

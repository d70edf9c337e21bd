"""The API's `q` filter: full-text search of the public text for everyone, plus exact number and phone for staff."""

from collections.abc import Callable
from typing import Any

import pytest

from liuyan.accounts.models import ApiToken
from liuyan.api.tests.conftest import Api, err
from liuyan.messages.models import Message
from liuyan.messages.states import State
from tests.world import World, message_in_state

PHONE_IN_BODY = "13812345678"
CONTACT_PHONE = "13900000009"


@pytest.fixture
def anon() -> Api:
    return Api()


@pytest.fixture
def as_user(world: World) -> Callable[[str], Api]:
    def make(key: str) -> Api:
        _token, raw = ApiToken.issue(world.users[key], "test")
        return Api(raw)

    return make


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [m["number"] for m in response.json()["items"]]


@pytest.fixture
def published(world: World) -> Message:
    return message_in_state(
        world,
        State.IN_PROGRESS,
        title="幸福小区电梯长期故障",
        body=f"我的电话{PHONE_IN_BODY}，3号楼电梯坏了两个月，物业一直不修。",
        contact_phone=CONTACT_PHONE,
    )


def test_it_finds_public_messages_by_their_words_for_anyone(world, anon, as_user, published):
    message_in_state(world, State.IN_PROGRESS, title="人民路路灯不亮", body="人民路的路灯坏了一个月。")
    for api in (anon, as_user("other_citizen"), as_user("analyst"), as_user("reviewer")):
        assert numbers(api.get("messages", {"q": "电梯坏了"})) == [published.number]
        assert numbers(api.get("messages", {"q": "物业 3号楼"})) == [published.number]
        assert numbers(api.get("messages", {"q": "电梯 路灯"})) == []


def test_it_never_lets_the_public_search_masked_or_contact_data(anon, as_user, published):
    for api in (anon, as_user("other_citizen"), as_user("analyst")):
        for q in (PHONE_IN_BODY, CONTACT_PHONE, published.number):
            assert numbers(api.get("messages", {"q": q})) == [], (q, api)


def test_it_lets_staff_find_a_message_by_its_exact_number_or_contact_phone(as_user, published):
    reviewer, handler = as_user("reviewer"), as_user("handler")
    for api in (reviewer, handler):
        assert numbers(api.get("messages", {"q": published.number})) == [published.number]
        assert numbers(api.get("messages", {"q": f" {CONTACT_PHONE} "})) == [published.number]
        assert numbers(api.get("messages", {"q": CONTACT_PHONE[:7]})) == []  # exact, not a substring
    # The phone written in the body is masked in the public text: staff find it by the contact phone only.
    assert numbers(reviewer.get("messages", {"q": PHONE_IN_BODY})) == []
    # Exact lookups stay inside what the caller may see.
    assert numbers(as_user("foreign_handler").get("messages", {"q": CONTACT_PHONE})) == []


def test_it_lets_authors_search_their_own_confidential_messages(world, as_user):
    secret = message_in_state(world, State.UNDER_REVIEW, title="保密反映噪音扰民", is_public=False)
    assert numbers(as_user("citizen").get("messages", {"q": "噪音扰民"})) == [secret.number]
    assert numbers(as_user("other_citizen").get("messages", {"q": "噪音扰民"})) == []


@pytest.mark.parametrize("q", ["！！！", "😡😡", " ".join(f"词{i}" for i in range(11))])
def test_it_answers_a_bad_query_with_a_bilingual_400(anon, as_user, q, published):
    for api in (anon, as_user("reviewer")):
        response = api.get("messages", {"q": q})
        assert response.status_code == 400
        error = err(response)
        assert error["code"] == "invalid_search"
        assert error["message"] and error["message_en"]


def test_it_searches_the_csv_export_by_the_public_text_only(world, anon, published):
    message_in_state(world, State.IN_PROGRESS, title="人民路路灯不亮", body="人民路的路灯坏了一个月。")
    csv = anon.get("export/messages.csv", {"q": "电梯"})
    assert csv.status_code == 200
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert published.number in text and "路灯" not in text
    nothing = b"".join(anon.get("export/messages.csv", {"q": CONTACT_PHONE}).streaming_content).decode("utf-8-sig")
    assert published.number not in nothing

"""POST /messages and /messages/with-attachments: who may submit, validation, attachments and rate limits."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liuyan.api.tests.conftest import Api, db_counts, err
from liuyan.common import ratelimit
from liuyan.messages.models import Attachment, Message, Source
from liuyan.messages.querycode import hash_query_code

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def payload(**overrides: Any) -> dict[str, Any]:
    data = {
        "board": "A-SZ",
        "type": "complaint",
        "title": "小区电梯长期故障无人维修",
        "body": "幸福小区3栋电梯坏了两个月，物业一直不修，老人上下楼很困难。",
        "category": "城乡建设 / 住房保障",
        "region": "X010101",
        "contact_phone": "13911112222",
        "nickname": "老住户",
    }
    data.update(overrides)
    return data


def test_it_takes_an_anonymous_message_and_shows_the_query_code_once(world, anon):
    r = anon.post("messages", payload())
    assert r.status_code == 201, r.json()
    body = r.json()
    message = Message.objects.get(number=body["number"])
    assert body["state"] == "under_review"
    assert body["public_status"]["value"] == "reviewing"
    assert body["version"] == message.version
    assert message.author is None and message.source == Source.WEB
    assert message.category == world.housing and message.region == world.county_a1 and message.board == world.a_board
    assert message.query_code_hash == hash_query_code(message.number, body["query_code"])
    # The code is not stored nor shown again.
    assert body["query_code"] not in str(Message.objects.filter(pk=message.pk).values().get())
    assert "query_code" not in anon.get(f"track?number={message.number}&code={body['query_code']}").json()


def test_it_records_a_signed_in_citizen_as_author(world, as_user):
    r = as_user("citizen").post("messages", payload(contact_phone=""))
    assert r.status_code == 201, r.json()
    message = Message.objects.get(number=r.json()["number"])
    assert message.author == world.users["citizen"]
    assert message.contact_phone == "13800000001"  # from the account
    assert message.source == Source.API


def test_it_lets_staff_file_on_a_callers_behalf(world, as_user):
    r = as_user("reviewer").post("messages", payload(board=world.a_board.pk, category=world.housing.pk))
    assert r.status_code == 201, r.json()
    message = Message.objects.get(number=r.json()["number"])
    assert message.author is None and message.source == Source.PHONE


def test_it_refuses_submission_by_a_role_that_may_not_submit(world, as_user):
    before = db_counts()
    r = as_user("handler").post("messages", payload())
    assert r.status_code == 403
    assert err(r)["code"] == "role_forbidden"
    assert db_counts() == before


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"title": ""}, 400, "invalid_input", "title"),
        ({"title": "   "}, 400, "invalid_input", "title"),
        ({"title": "长" * 101}, 400, "invalid_input", "title"),
        ({"body": ""}, 400, "invalid_input", "body"),
        ({"body": "字" * 10_001}, 400, "invalid_input", "body"),
        ({"type": "rant"}, 400, "invalid_choice", None),
        ({"category": "不存在的领域"}, 400, "invalid_category", None),
        ({"category": 999999}, 400, "invalid_category", None),
        ({"region": "X9999"}, 400, "invalid_region", None),
        ({"board": "NO-SUCH"}, 400, "invalid_board", None),
        ({"contact_phone": ""}, 400, "missing_contact", None),
        ({"contact_phone": "call me maybe"}, 400, "invalid_phone", None),
        ({"title": None}, 422, "invalid_input", None),
        ({"is_public": "perhaps"}, 422, "invalid_input", None),
        ({"favourite_colour": "red"}, 422, "invalid_input", None),
    ],
)
def test_it_refuses_bad_submissions_and_writes_nothing(world, anon, overrides, status, code, field):
    before = db_counts()
    r = anon.post("messages", payload(**overrides))
    assert r.status_code == status, r.json()
    e = err(r)
    assert e["code"] == code
    assert e["message"] and e["message_en"]
    if field:
        assert field in e["details"]
    assert db_counts() == before


def test_it_accepts_exactly_100_and_10000_characters(world, anon):
    r = anon.post("messages", payload(title="长" * 100, body="字" * 10_000))
    assert r.status_code == 201, r.json()


def test_it_explains_a_missing_field_in_the_details(world, anon):
    data = payload()
    del data["title"]
    r = anon.post("messages", data)
    assert r.status_code == 422
    details = err(r)["details"]
    assert [d["field"] for d in details] == ["title"]
    assert details[0]["loc"] == ["body", "data", "title"]


def test_it_refuses_malformed_json_with_a_clear_400(world, anon):
    before = db_counts()
    r = anon.post_raw("messages", '{"board": "A-SZ", "title": ')
    assert r.status_code == 400
    e = err(r)
    assert e["code"] == "malformed_json"
    assert e["message"] == "请求内容不是有效的JSON"
    assert db_counts() == before


def test_it_refuses_an_oversized_request_body_with_413(world, anon, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    before = db_counts()
    r = anon.post("messages", payload(body="字" * 1_000))
    assert r.status_code == 413
    assert err(r)["code"] == "too_large"
    assert db_counts() == before


def test_it_refuses_a_repeated_identical_message(world, anon):
    assert anon.post("messages", payload()).status_code == 201
    before = db_counts()
    r = anon.post("messages", payload())
    assert r.status_code == 400
    assert err(r)["code"] == "duplicate_submission"
    assert db_counts() == before


def test_it_says_503_while_submissions_are_paused(world, anon, settings):
    settings.SUBMISSIONS_PAUSED = True
    before = db_counts()
    r = anon.post("messages", payload())
    assert r.status_code == 503
    assert err(r)["code"] == "submissions_paused"
    assert db_counts() == before


def test_it_rate_limits_submissions_per_ip(world, anon, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_IP_PER_HOUR", 2)
    for i in range(2):
        assert anon.post("messages", payload(title=f"标题{i}", contact_phone=f"1391111000{i}")).status_code == 201
    before = db_counts()
    r = anon.post("messages", payload(title="第三条", contact_phone="13911110009"))
    assert r.status_code == 429
    e = err(r)
    assert e["code"] == "rate_limited"
    assert e["message"] and e["message_en"]
    assert db_counts() == before
    # Another client address is not affected.
    other = Api(REMOTE_ADDR="10.0.0.9")
    assert other.post("messages", payload(title="另一个人", contact_phone="13911110008")).status_code == 201


def test_it_rate_limits_submissions_per_account_and_per_phone(world, as_user, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_ACCOUNT_PER_HOUR", 1)
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_PHONE_PER_HOUR", 1)
    citizen = as_user("citizen")
    assert citizen.post("messages", payload(title="一")).status_code == 201
    citizen.client.defaults["REMOTE_ADDR"] = "10.0.0.2"
    assert err(citizen.post("messages", payload(title="二")))["code"] == "rate_limited"
    # Per phone, whoever files it: staff filing for the same caller are limited too.
    reviewer = as_user("reviewer")
    assert reviewer.post("messages", payload(title="三", contact_phone="139-0000-0001")).status_code == 201
    assert err(reviewer.post("messages", payload(title="四", contact_phone="13900000001")))["code"] == "rate_limited"


def test_it_does_not_count_refused_submissions_against_the_limit(world, anon, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_IP_PER_HOUR", 1)
    assert anon.post("messages", payload(title="")).status_code == 400
    assert anon.post("messages", payload()).status_code == 201


# ---------------------------------------------------------------------------------------------------------------
# Multipart with attachments


def form(**overrides: Any) -> dict[str, Any]:
    data = payload(**overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_stores_attachments_sent_as_multipart(world, anon, settings):
    files = [
        SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
        SimpleUploadedFile("说明.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    ]
    r = anon.post_multipart("messages/with-attachments", {**form(), "files": files})
    assert r.status_code == 201, r.json()
    message = Message.objects.get(number=r.json()["number"])
    stored = list(message.attachments.order_by("id"))
    assert [a.name for a in stored] == ["现场.png", "说明.pdf"]
    assert all(Path(a.file.path).is_file() for a in stored)
    assert Path(stored[0].file.path).is_relative_to(settings.MEDIA_ROOT)


def test_it_takes_multipart_without_files(world, anon):
    r = anon.post_multipart("messages/with-attachments", form(title="没有附件"))
    assert r.status_code == 201, r.json()


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream"), "attachment_type"),
        (SimpleUploadedFile("fake.png", b"GIF89a not a png", content_type="image/png"), "attachment_type"),
        (SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png"), "attachment_too_large"),
        (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "attachment_empty"),
    ],
)
def test_it_refuses_bad_attachments_and_keeps_no_files(world, anon, settings, upload, code):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = db_counts()
    r = anon.post_multipart("messages/with-attachments", {**form(), "files": [upload]})
    assert r.status_code == 400, r.json()
    assert err(r)["code"] == code
    assert db_counts() == before
    assert Attachment.objects.count() == 0
    uploads = Path(settings.MEDIA_ROOT)
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_it_refuses_too_many_attachments(world, anon, settings):
    settings.ATTACHMENT_MAX_COUNT = 1
    files = [SimpleUploadedFile(f"{i}.png", PNG, content_type="image/png") for i in range(2)]
    before = db_counts()
    r = anon.post_multipart("messages/with-attachments", {**form(), "files": files})
    assert err(r)["code"] == "too_many_attachments"
    assert db_counts() == before


def test_it_refuses_a_multipart_submission_with_an_unknown_board(world, anon):
    before = db_counts()
    files = [SimpleUploadedFile("a.png", PNG, content_type="image/png")]
    r = anon.post_multipart("messages/with-attachments", {**form(board="NOPE"), "files": files})
    assert r.status_code == 400
    assert err(r)["code"] == "invalid_board"
    assert db_counts() == before

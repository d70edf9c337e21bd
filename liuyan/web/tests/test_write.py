"""Writing a message from the portal: the board directory, the form, every refusal on its field, the 查询码 once."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liuyan.api.tests.conftest import db_counts
from liuyan.common import ratelimit
from liuyan.messages.models import Attachment, Message, Source
from liuyan.messages.querycode import hash_query_code
from liuyan.messages.states import State
from liuyan.web.tests.helpers import client_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def fields(world, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "complaint",
        "category": str(world.housing.pk),
        "region": world.county_a1.code,
        "title": "小区电梯长期故障无人维修",
        "body": "幸福小区3栋电梯坏了两个月，物业一直不修，老人上下楼很困难。",
        "nickname": "老住户",
        "contact_name": "张先生",
        "contact_phone": "13911112222",
        "contact_email": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def write(client: Client, world, board: str = "A-SZ", **overrides: Any):
    return client.post(f"/write/{board}/", fields(world, **overrides))


def error_on(html: str, field: str) -> bool:
    """The field is marked invalid and points at its error text (aria-describedby)."""
    return f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html


# ---------------------------------------------------------------------------------------------------------------
# The directory and the empty form


def test_it_lists_every_board_linking_to_its_form(world):
    page = Client().get("/write/")
    html = page.content.decode()
    assert page.status_code == 200
    for board in (world.prov_board, world.a_board, world.b_board):
        assert f'href="/write/{board.code}/"' in html and board.name in html


def test_it_shows_the_form_with_types_explained_and_the_boards_region_chosen(world, settings):
    settings.ATTACHMENT_MAX_COUNT = 9
    page = Client().get("/write/A-SZ/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    for word in ("投诉", "求助", "咨询", "建言", "感谢"):
        assert word in html
    assert "请有关部门纠正" in html  # the one-line explanation of 投诉
    assert f'<option value="{world.city_a.code}" selected>' in html
    assert world.county_a1.code in html and world.city_b.code not in html  # the board's own region and below
    assert "<optgroup" in html and world.housing.path in html
    assert "最多9个文件" in html  # the attachment limits
    phone_label = html.split('<label for="id_contact_phone">')[1].split("</label>")[0]
    assert "（必填）" in phone_label  # anonymous authors must leave a phone


def test_it_prefills_a_signed_in_citizens_contact_details(world):
    html = client_for(world, "citizen").get("/write/A-SZ/").content.decode()
    assert 'value="13800000001"' in html and 'value="citizen@example.cn"' in html and 'value="热心市民"' in html


def test_it_answers_an_unknown_or_closed_board_with_404(world):
    assert Client().get("/write/NO-SUCH/").status_code == 404
    world.b_board.is_active = False
    world.b_board.save()
    assert Client().get("/write/B-SZ/").status_code == 404


def test_it_refuses_the_form_to_staff_who_may_not_file_messages(world):
    page = client_for(world, "handler").get("/write/A-SZ/")
    assert page.status_code == 403 and "不能提交留言" in page.content.decode()
    assert client_for(world, "handler").post("/write/A-SZ/", fields(world)).status_code == 403
    assert Message.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------------
# Submitting


def test_it_takes_an_anonymous_message_and_shows_the_number_and_query_code_once(world):
    client = Client()
    page = write(client, world)
    message = Message.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/write-done/{message.number}/"
    assert message.author is None and message.source == Source.WEB and message.state == State.UNDER_REVIEW
    assert message.contact_phone == "13911112222" and message.contact_name == "张先生"
    assert message.category == world.housing and message.region == world.county_a1 and message.is_public

    done = client.get(page["Location"])
    html = done.content.decode()
    assert done.status_code == 200 and message.number in html
    code = html.split('data-testid="query-code">')[1].split("<")[0]
    assert message.query_code_hash == hash_query_code(message.number, code)
    assert "no-store" in done["Cache-Control"]

    again = client.get(page["Location"]).content.decode()
    assert message.number in again and code not in again and 'data-testid="code-shown"' in again
    assert code not in str(dict(client.session))  # forgotten once shown

    # The anonymous author may follow the message at once, without typing the code.
    assert client.get(f"/track/{message.number}/").status_code == 200


def test_it_records_a_signed_in_citizen_as_the_author_with_the_accounts_phone(world):
    client = client_for(world, "citizen")
    page = write(client, world, contact_phone="", nickname="")
    message = Message.objects.get()
    assert page.status_code == 302
    assert message.author == world.users["citizen"] and message.contact_phone == "13800000001"
    assert message.nickname == "热心市民"
    done = client.get(page["Location"]).content.decode()
    assert 'data-testid="query-code"' in done and f'href="/messages/{message.number}/"' in done
    assert message.number in client.get("/me/messages/").content.decode()


def test_it_lets_a_reviewer_file_a_callers_message_as_a_phone_message(world):
    client = client_for(world, "reviewer")
    assert 'data-testid="on-behalf-note"' in client.get("/write/A-SZ/").content.decode()
    page = write(client, world, contact_phone="")
    assert page.status_code == 400 and error_on(page.content.decode(), "contact_phone")
    page = write(client, world)
    message = Message.objects.get()
    assert page.status_code == 302
    assert message.author is None and message.source == Source.PHONE
    done = client.get(page["Location"]).content.decode()
    assert 'data-testid="query-code"' in done and f"/work/m/{message.number}/" in done


def test_it_keeps_a_confidential_message_off_the_public_list_and_page(world):
    client = client_for(world, "citizen")
    write(client, world, confidential="on", title="举报某单位违规收费")
    message = Message.objects.get()
    assert not message.is_public
    from liuyan.messages import actions
    from liuyan.messages.access import Actor

    actions.do_accept(Actor.of(world.users["reviewer"]), message)
    assert "举报某单位违规收费" not in Client().get("/messages/").content.decode()
    assert Client().get(f"/messages/{message.number}/").status_code == 404
    assert client_for(world, "other_citizen").get(f"/messages/{message.number}/").status_code == 404
    own = client.get(f"/messages/{message.number}/")
    assert own.status_code == 200 and "举报某单位违规收费" in own.content.decode()


def test_it_stores_several_attachments(world, settings):
    files = [
        SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
        SimpleUploadedFile("说明.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    ]
    page = Client().post("/write/A-SZ/", {**fields(world), "attachments": files})
    assert page.status_code == 302
    stored = list(Message.objects.get().attachments.order_by("id"))
    assert [a.name for a in stored] == ["现场.png", "说明.pdf"]
    assert all(Path(a.file.path).is_file() for a in stored)


# ---------------------------------------------------------------------------------------------------------------
# Refusals: each on its field, nothing written, what was typed kept


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"title": ""}, "title", "请填写标题"),
        ({"title": "   "}, "title", "请填写标题"),
        ({"title": "长" * 101}, "title", "标题不能超过100字"),
        ({"body": ""}, "body", "请填写留言内容"),
        ({"body": "字" * 10_001}, "body", "留言内容不能超过10,000字"),
        ({"type": ""}, "type", "请选择留言类型"),
        ({"type": "rant"}, "type", "请从列表中选择"),
        ({"category": "999999"}, "category", "请从列表中选择"),
        ({"region": "X9999"}, "region", "请从列表中选择"),
        ({"region": "X0102"}, "region", "请从列表中选择"),  # another city than the board's
        ({"contact_phone": ""}, "contact_phone", "请填写联系电话"),
        ({"contact_phone": "call me maybe"}, "contact_phone", "联系电话格式不正确"),
        ({"contact_phone": "123"}, "contact_phone", "联系电话格式不正确"),
        ({"contact_email": "not-an-address"}, "contact_email", "电子邮箱格式不正确"),
        ({"nickname": "名" * 41}, "nickname", "昵称不能超过40字"),
    ],
)
def test_it_shows_each_invalid_field_on_that_field_and_writes_nothing(world, overrides, field, text):
    before = db_counts()
    page = write(Client(), world, **overrides)
    html = page.content.decode()
    assert page.status_code == 400
    assert error_on(html, field) and text in html
    assert f'href="#id_{field}' in html  # the error summary links to the field
    assert db_counts() == before


def test_it_shows_the_domains_own_text_checks_on_their_fields(world, monkeypatch):
    from liuyan.messages import models

    monkeypatch.setattr(models, "TITLE_MAX", 5)  # stricter than the form: only do_submit refuses
    page = write(Client(), world, title="小区电梯长期故障")
    html = page.content.decode()
    assert page.status_code == 400 and error_on(html, "title") and "标题不能超过5字" in html
    assert Message.objects.count() == 0


def test_it_keeps_what_was_typed_when_refused(world):
    page = write(Client(), world, contact_phone="", title="楼道灯坏了", body="三单元楼道灯坏了一周。")
    html = page.content.decode()
    assert page.status_code == 400
    assert 'value="楼道灯坏了"' in html and "三单元楼道灯坏了一周。</textarea>" in html
    assert f'<option value="{world.county_a1.code}" selected>' in html
    assert re.search(r'value="complaint"[^>]* checked', html)


def test_it_counts_a_line_break_as_one_character(world):
    body = "字\r\n" * 4_999 + "末"  # 14,998 characters as sent, 9,999 as typed
    assert len(body) > 10_000
    assert write(Client(), world, body=body).status_code == 302
    assert len(Message.objects.get().body) == 9_999


@pytest.mark.parametrize(
    ("upload", "text"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream"), "不支持的附件类型"),
        (SimpleUploadedFile("fake.png", b"GIF89a not a png", content_type="image/png"), "附件内容与类型不符"),
        (SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png"), "附件过大"),
        (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "附件为空"),
    ],
)
def test_it_refuses_a_bad_attachment_on_its_field_and_keeps_no_file(world, settings, upload, text):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = db_counts()
    page = Client().post("/write/A-SZ/", {**fields(world), "attachments": [upload]})
    html = page.content.decode()
    assert page.status_code == 400
    assert error_on(html, "attachments") and text in html and upload.name in html
    assert 'data-testid="files-dropped"' in html  # the citizen is told to choose the files again
    assert db_counts() == before and Attachment.objects.count() == 0
    uploads = Path(settings.MEDIA_ROOT)
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_it_refuses_too_many_attachments_on_the_field(world, settings):
    settings.ATTACHMENT_MAX_COUNT = 1
    files = [SimpleUploadedFile(f"{i}.png", PNG, content_type="image/png") for i in range(2)]
    page = Client().post("/write/A-SZ/", {**fields(world), "attachments": files})
    assert page.status_code == 400 and error_on(page.content.decode(), "attachments")
    assert "附件不能超过1个" in page.content.decode()
    assert Message.objects.count() == 0


def test_it_refuses_the_same_text_twice_in_a_day(world):
    client = Client()
    assert write(client, world).status_code == 302
    before = db_counts()
    page = write(client, world)
    assert page.status_code == 400 and "请勿重复提交相同内容的留言" in page.content.decode()
    assert db_counts() == before


def test_it_says_503_while_submissions_are_paused(world, settings):
    settings.SUBMISSIONS_PAUSED = True
    page = write(Client(), world)
    assert page.status_code == 503 and "留言提交暂停中" in page.content.decode()
    assert Message.objects.count() == 0
    assert Client().get("/write/A-SZ/").status_code == 503  # before anyone types a long message
    assert "留言提交暂停中" in Client().get("/write/").content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Rate limits: the API's rule


def test_it_rate_limits_per_ip_on_the_form_and_keeps_the_text(world, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_IP_PER_HOUR", 2)
    client = Client()
    for i in range(2):
        assert write(client, world, title=f"标题{i}", contact_phone=f"1391111000{i}").status_code == 302
    before = db_counts()
    page = write(client, world, title="第三条", contact_phone="13911110009")
    html = page.content.decode()
    assert page.status_code == 429 and "操作过于频繁" in html and 'value="第三条"' in html
    assert db_counts() == before
    assert (
        write(Client(REMOTE_ADDR="10.0.0.9"), world, title="另一个人", contact_phone="13911110008").status_code == 302
    )


def test_it_rate_limits_per_account_and_per_phone_whoever_files(world, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_ACCOUNT_PER_HOUR", 1)
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_PHONE_PER_HOUR", 1)
    citizen = client_for(world, "citizen")
    assert write(citizen, world, title="一", contact_phone="").status_code == 302
    citizen.defaults["REMOTE_ADDR"] = "10.0.0.2"
    assert write(citizen, world, title="二", contact_phone="").status_code == 429
    reviewer = client_for(world, "reviewer")
    assert write(reviewer, world, title="三", contact_phone="139-0000-0001").status_code == 302
    assert write(reviewer, world, title="四", contact_phone="13900000001").status_code == 429


def test_it_shares_the_limits_with_the_api(world, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_IP_PER_HOUR", 1)
    client = Client()
    api = client.post(
        "/api/v1/messages",
        {
            "board": "A-SZ",
            "type": "complaint",
            "title": "接口提交",
            "body": "通过接口提交的留言内容。",
            "contact_phone": "13911112223",
        },
        content_type="application/json",
    )
    assert api.status_code == 201
    assert write(client, world).status_code == 429


def test_it_does_not_count_refused_submissions(world, monkeypatch):
    monkeypatch.setattr(ratelimit, "SUBMISSIONS_PER_IP_PER_HOUR", 1)
    client = Client()
    assert write(client, world, contact_phone="12").status_code == 400
    assert write(client, world).status_code == 302


# ---------------------------------------------------------------------------------------------------------------
# Both languages


def test_it_renders_the_form_and_its_errors_in_english(world):
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/write/A-SZ/").content.decode()
    assert "Write to A市市长" in html and "Complaint" in html and "Send the message" in html
    assert "投诉" not in html and "提交留言" not in html
    page = write(client, world, title="", contact_phone="abc")
    html = page.content.decode()
    assert page.status_code == 400 and "enter a title" in html
    page = write(client, world, contact_phone="abc")
    assert "the contact phone number is not valid" in page.content.decode()
    done = client.get(write(client, world)["Location"]).content.decode()
    assert "Write down or take a picture" in done

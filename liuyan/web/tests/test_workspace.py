"""The staff workspace and the one action endpoint: who may open what, and every kind of outcome of a posted form."""

import pytest
from django.test import Client

from liuyan.messages.states import State
from liuyan.web.tests.helpers import act, client_for
from tests.world import message_in_state


def test_it_shows_the_handler_the_original_text_contacts_and_the_sign_button(world):
    m = message_in_state(world, State.DISPATCHED, body="联系电话13812345678，A1区幸福小区电梯坏了。")
    page = client_for(world, "handler").get(f"/work/m/{m.number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "13812345678" in html and 'data-testid="act-sign"' in html


@pytest.mark.parametrize("key", ["foreign_handler", "foreign_head", "env_handler"])
def test_it_refuses_a_handler_of_another_unit_by_url(world, key):
    m = message_in_state(world, State.IN_PROGRESS)
    page = client_for(world, key).get(f"/work/m/{m.number}/")
    assert page.status_code == 403 and "无权查看该留言" in page.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(world):
    m = message_in_state(world, State.IN_PROGRESS)
    page = Client().get(f"/work/m/{m.number}/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_it_refuses_citizens_the_workspace(world):
    m = message_in_state(world, State.IN_PROGRESS)
    assert client_for(world, "citizen").get(f"/work/m/{m.number}/").status_code == 403


def test_it_offers_only_the_actions_the_table_and_scope_allow(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    reviewer = client_for(world, "reviewer").get(f"/work/m/{m.number}/").content.decode()
    assert 'data-testid="open-accept"' in reviewer and 'data-testid="open-reject"' in reviewer
    assert "act-dispatch" not in reviewer
    dispatcher = client_for(world, "dispatcher").get(f"/work/m/{m.number}/").content.decode()
    assert "open-accept" not in dispatcher


def test_it_takes_the_main_path_from_accept_to_a_published_reply(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    assert act(client_for(world, "reviewer"), m, "accept", note="").status_code == 302
    assert (
        act(client_for(world, "dispatcher"), m, "dispatch", unit=world.a_housing.code, note="请办理").status_code == 302
    )
    assert act(client_for(world, "handler"), m, "sign").status_code == 302
    page = act(client_for(world, "handler"), m, "submit_reply", body="经核查，电梯已于本周修复。", regulations="")
    assert page.status_code == 302
    assert act(client_for(world, "unit_head"), m, "approve_reply", note="").status_code == 302
    m.refresh_from_db()
    assert m.state == State.REPLIED and m.unit == world.a_housing


def test_it_accepts_a_unit_as_name_and_code_from_the_suggestion_list(world):
    m = message_in_state(world, State.ACCEPTED)
    unit = world.a_housing
    assert act(client_for(world, "dispatcher"), m, "dispatch", unit=f"{unit.name} ({unit.code})").status_code == 302
    m.refresh_from_db()
    assert m.unit == unit


def test_it_shows_the_catalogue_suggestion_to_the_dispatcher(world):
    from liuyan.orgs.catalogue import set_responsible_unit

    set_responsible_unit(world.housing, world.city_a, world.a_housing)
    m = message_in_state(world, State.ACCEPTED)
    html = client_for(world, "dispatcher").get(f"/work/m/{m.number}/").content.decode()
    assert 'data-testid="suggestions"' in html and world.a_housing.name in html and "派单目录" in html


def test_it_shows_form_errors_and_writes_nothing_when_a_field_is_missing(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    page = act(client_for(world, "reviewer"), m, "reject", reason_code="out_of_scope", reason="")
    assert page.status_code == 400 and "error-summary" in page.content.decode()
    m.refresh_from_db()
    assert m.state == State.UNDER_REVIEW


def test_it_names_an_unknown_unit_on_its_field(world):
    m = message_in_state(world, State.ACCEPTED)
    page = act(client_for(world, "dispatcher"), m, "dispatch", unit="NO-SUCH-UNIT")
    assert page.status_code == 400 and "NO-SUCH-UNIT" in page.content.decode()


def test_it_refuses_a_stale_form_after_someone_else_acted(world):
    m = message_in_state(world, State.DISPATCHED)
    stale = m.version
    assert act(client_for(world, "handler"), m, "sign").status_code == 302
    page = client_for(world, "unit_head").post(f"/act/{m.number}/sign/", {"sign-version": stale})
    assert page.status_code == 409 and "请刷新后重试" in page.content.decode()


def test_it_refuses_an_action_the_role_may_not_take(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    page = act(client_for(world, "handler"), m, "accept", note="")
    assert page.status_code == 403


def test_it_refuses_an_unknown_action(world):
    m = message_in_state(world, State.UNDER_REVIEW)
    assert client_for(world, "reviewer").post(f"/act/{m.number}/nonsense/", {}).status_code == 404


def test_it_asks_an_anonymous_visitor_to_log_in_or_track_before_acting(world):
    m = message_in_state(world, State.REPLIED)
    page = Client().post(f"/act/{m.number}/rate/", {"rate-satisfaction": "satisfied"})
    assert page.status_code == 401 and "查询码" in page.content.decode()


def test_it_lets_the_author_rate_and_closes_on_satisfied(world):
    m = message_in_state(world, State.REPLIED)
    page = act(client_for(world, "citizen"), m, "rate", satisfaction="satisfied", resolved="yes", reason="")
    assert page.status_code == 302 and page["Location"] == f"/messages/{m.number}/"
    m.refresh_from_db()
    assert m.state == State.CLOSED


def test_it_needs_a_reason_for_an_unsatisfied_rating(world):
    m = message_in_state(world, State.REPLIED)
    page = act(client_for(world, "citizen"), m, "rate", satisfaction="unsatisfied", resolved="no", reason="")
    assert page.status_code == 400 and "不满意的原因" in page.content.decode()


def test_it_inserts_a_reply_template_without_javascript(world):
    from liuyan.orgs.models import ReplyTemplate

    template = ReplyTemplate.objects.create(
        unit=world.a_housing, title="物业类答复", body="您好，关于物业问题，答复如下："
    )
    ReplyTemplate.objects.create(unit=world.b_housing, title="别的单位的模板", body="不应出现")
    m = message_in_state(world, State.IN_PROGRESS)
    html = client_for(world, "handler").get(f"/work/m/{m.number}/?template={template.pk}").content.decode()
    assert "物业类答复" in html and "别的单位的模板" not in html
    assert "您好，关于物业问题，答复如下：</textarea>" in html

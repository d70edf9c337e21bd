"""Tokens, registration, /me, and how the API tells who is calling."""

import pytest
from django.test import Client

from liuyan.accounts.models import ApiToken, Role, User
from liuyan.api.tests.conftest import Api, err
from liuyan.common import ratelimit
from tests.world import PASSWORD


@pytest.mark.parametrize("login", ["citizen", "13800000001", "Citizen@Example.cn"])
def test_it_issues_a_token_for_username_phone_or_email(world, anon, login):
    r = anon.post("auth/token", {"login": login, "password": PASSWORD, "name": "mobile app"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["username"] == "citizen"
    assert ApiToken.objects.get(user=world.users["citizen"]).name == "mobile app"
    me = Api(body["token"]).get("me")
    assert me.status_code == 200
    assert me.json()["role"]["value"] == Role.CITIZEN


def test_it_refuses_a_wrong_password_with_a_bilingual_401(world, anon):
    r = anon.post("auth/token", {"login": "citizen", "password": "wrong-password"})
    assert r.status_code == 401
    e = err(r)
    assert e["code"] == "invalid_credentials"
    assert e["message"] == "账号或密码不正确"
    assert e["message_en"] == "wrong login or password"
    assert ApiToken.objects.count() == 0


def test_it_refuses_an_unknown_login_like_a_wrong_password(world, anon):
    r = anon.post("auth/token", {"login": "nobody", "password": PASSWORD})
    assert r.status_code == 401
    assert err(r)["code"] == "invalid_credentials"


def test_it_limits_failed_logins_per_login(world, anon, monkeypatch):
    monkeypatch.setattr(ratelimit, "LOGIN_FAILURES_PER_LOGIN_PER_HOUR", 3)
    for _ in range(3):
        assert anon.post("auth/token", {"login": "citizen", "password": "nope-nope"}).status_code == 401
    r = anon.post("auth/token", {"login": "citizen", "password": PASSWORD})
    assert r.status_code == 429
    assert err(r)["code"] == "rate_limited"


def test_it_refuses_a_token_request_missing_the_password(world, anon):
    r = anon.post("auth/token", {"login": "citizen"})
    assert r.status_code == 422
    e = err(r)
    assert e["code"] == "invalid_input"
    assert any(d["field"] == "password" for d in e["details"])


def test_it_registers_a_citizen_who_can_then_log_in(db, anon):
    r = anon.post("auth/register", {"phone": "13700000001", "password": "Sturdy-pass-2026", "nickname": "小王"})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["role"]["value"] == Role.CITIZEN
    assert body["nickname"] == "小王"
    user = User.objects.get(phone="13700000001")
    assert user.role == Role.CITIZEN and user.check_password("Sturdy-pass-2026")
    login = anon.post("auth/token", {"login": "13700000001", "password": "Sturdy-pass-2026"})
    assert login.status_code == 200


def test_it_registers_with_an_email_only(db, anon):
    r = anon.post("auth/register", {"email": "Wang@Example.cn", "password": "Sturdy-pass-2026"})
    assert r.status_code == 201
    assert User.objects.get(email="wang@example.cn").phone is None


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"phone": "13800000001", "password": "Sturdy-pass-2026"}, 409, "phone_taken"),
        ({"email": "CITIZEN@example.cn", "password": "Sturdy-pass-2026"}, 409, "email_taken"),
        ({"phone": "13700000002", "password": "12345678"}, 400, "weak_password"),
        ({"phone": "13700000002", "password": "short"}, 400, "weak_password"),
        ({"phone": "12345", "password": "Sturdy-pass-2026"}, 400, "invalid_phone"),
        ({"email": "not-an-email", "password": "Sturdy-pass-2026"}, 400, "invalid_email"),
        ({"password": "Sturdy-pass-2026"}, 400, "missing_field"),
        ({"phone": "13700000002", "password": "Sturdy-pass-2026", "role": "admin"}, 422, "invalid_input"),
    ],
)
def test_it_refuses_bad_registrations_without_creating_accounts(world, anon, payload, status, code):
    before = User.objects.count()
    r = anon.post("auth/register", payload)
    assert r.status_code == status, r.json()
    assert err(r)["code"] == code
    assert User.objects.count() == before


def test_it_explains_which_password_rules_failed(db, anon):
    r = anon.post("auth/register", {"phone": "13700000003", "password": "12345678"})
    e = err(r)
    assert e["details"]["password"]
    assert "密码不符合要求" in e["message"]


def test_it_refuses_me_without_credentials(db, anon):
    r = anon.get("me")
    assert r.status_code == 401
    assert err(r)["code"] == "not_authenticated"


def test_it_refuses_an_invalid_or_revoked_token_even_on_open_endpoints(world, anon):
    token, raw = ApiToken.issue(world.users["handler"], "t")
    assert Api(raw).get("me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    for path in ("me", "messages", "regions"):
        r = Api(raw).get(path)
        assert r.status_code == 401
        assert err(r)["code"] == "invalid_token"
    assert err(Api("ly_made-up").get("regions"))["code"] == "invalid_token"


def test_it_accepts_a_django_session(world):
    client = Client()
    client.force_login(world.users["handler"])
    r = Api(client=client).get("me")
    assert r.status_code == 200
    body = r.json()
    assert body["unit"] == {"code": "A-ZJJ", "name": "A市住房和城乡建设局"}
    assert body["is_staff"] is True


def test_it_requires_the_csrf_token_for_unsafe_session_requests(world):
    from tests.world import message_in_state

    message = message_in_state(world, "under_review")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["reviewer"])
    api = Api(client=client)
    r = api.post(f"messages/{message.number}/accept", {})
    assert r.status_code == 403
    assert err(r)["code"] == "csrf_failed"
    message.refresh_from_db()
    assert message.state == "under_review"
    # With the token from the cookie in the header, the same request works.
    csrf = "k" * 32  # what the portal's page would have set as the csrftoken cookie
    client.cookies["csrftoken"] = csrf
    r = client.post(
        Api.url(f"messages/{message.number}/accept"),
        "{}",
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert r.status_code == 200, r.json()


def test_it_lets_bearer_clients_post_without_csrf(world, as_user):
    from tests.world import message_in_state

    message = message_in_state(world, "under_review")
    client = Client(enforce_csrf_checks=True)
    _t, raw = ApiToken.issue(world.users["reviewer"], "t")
    r = Api(raw, client=client).post(f"messages/{message.number}/accept", {})
    assert r.status_code == 200


def test_it_ignores_a_stale_token_sent_to_the_login_endpoint(world):
    r = Api("ly_stale-token").post("auth/token", {"login": "citizen", "password": PASSWORD})
    assert r.status_code == 200

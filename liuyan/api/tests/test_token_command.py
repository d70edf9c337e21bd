"""`liuyan token create | list | revoke`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liuyan.accounts.models import ApiToken, new_token_key
from liuyan.api.tests.conftest import Api


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_creates_a_token_printed_once_that_works_until_revoked(world):
    out, note = run("create", "handler", "--name", "12345 hotline")
    raw = out.strip()
    assert raw.startswith("ly_")
    assert "shown only once" in note
    token = ApiToken.objects.get(user=world.users["handler"])
    assert token.name == "12345 hotline" and raw not in token.key_hash
    assert Api(raw).get("me").json()["username"] == "handler"

    listing, _ = run("list")
    assert f"{token.prefix}…" in listing and "12345 hotline" in listing and raw not in listing

    run("revoke", token.prefix)
    assert Api(raw).get("me").status_code == 401
    assert "no tokens" in run("list")[0]
    assert "12345 hotline" in run("list", "--all")[0]


def test_it_finds_users_by_phone_and_revokes_by_id(world):
    raw = run("create", "13800000001", "--name", "app")[0].strip()
    token = ApiToken.objects.get(user=world.users["citizen"])
    assert "citizen" in run("list", "citizen")[0]
    run("revoke", str(token.pk))
    assert Api(raw).get("me").status_code == 401


def test_it_refuses_unknown_users_and_tokens(world):
    with pytest.raises(CommandError):
        run("create", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        run("revoke", "zzzzzzzz")


def test_it_issues_keys_whose_prefix_never_reads_as_an_option():
    keys = [new_token_key() for _ in range(2000)]
    assert all(key.startswith("ly_") and key[3:].isalnum() and key.isascii() and len(key) == 43 for key in keys)
    assert len(set(keys)) == len(keys)

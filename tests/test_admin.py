"""Every admin screen renders for an administrator; messages can be read there but never edited."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from liuyan.messages.states import State
from tests.world import PASSWORD, World, message_in_state


@pytest.fixture
def admin_client_for(world: World) -> Client:
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    return client


def test_it_renders_every_admin_list_and_add_page(world: World, admin_client_for: Client) -> None:
    message_in_state(world, State.REPLIED)
    for model in admin.site._registry:
        opts = model._meta
        page = admin_client_for.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert page.status_code == 200, opts.label
        add = admin_client_for.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code in (200, 403), opts.label


def test_a_message_can_be_read_but_not_changed_in_the_admin(world: World, admin_client_for: Client) -> None:
    m = message_in_state(world, State.REPLIED)
    url = reverse("admin:msgs_message_change", args=[m.pk])
    page = admin_client_for.get(url)
    assert page.status_code == 200 and m.title in page.content.decode()
    admin_client_for.post(url, {"state": "closed"})
    m.refresh_from_db()
    assert m.state == State.REPLIED

"""What the portal's tests share: a logged-in client per test-world account, posting an action's form, and reading
queue pages."""

import re

from django.test import Client

from liuyan.messages.models import Message


def client_for(world, key: str | None) -> Client:
    """A test client logged in as `world.users[key]` (anonymous for None)."""
    client = Client()
    if key is not None:
        client.force_login(world.users[key])
    return client


def act(client: Client, message: Message, action: str, **fields):
    """Post an action's form as the page would: prefixed fields and the version the page was drawn with."""
    message.refresh_from_db()
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-version"] = message.version
    return client.post(f"/act/{message.number}/{action}/", data)


def rows(html: str) -> list[str]:
    """Message numbers of a queue's rows, in order."""
    return re.findall(r'data-testid="row-(\d+)"', html)


def counts(html: str) -> dict[str, int]:
    """The tab counts of a queue page."""
    return {tab: int(n) for tab, n in re.findall(r'data-testid="count-(\w+)">(\d+)<', html)}

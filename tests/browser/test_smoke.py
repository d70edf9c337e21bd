"""The browser tests' footing: chromium opens the landing page from the live server, and the tooling works."""

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

from tests.world import World


def test_it_opens_the_landing_page_in_chromium(page: Page, screenshot: Callable[[Page, str], Path]) -> None:
    response = page.goto("/")

    assert response is not None and response.status == 200
    assert "留言" in page.title()
    lang = page.locator("html").get_attribute("lang") or ""
    assert lang.lower().startswith("zh"), lang
    shot = screenshot(page, "smoke-home")
    assert shot.name == "smoke-home.png" and shot.stat().st_size > 1000
    assert shot.parent.parts[-2:] == ("test-artifacts", "screenshots")


def test_it_keeps_each_roles_login_in_its_own_context(
    world: World, browser_context_for: Callable[..., BrowserContext]
) -> None:
    handler = browser_context_for(world.users["handler"])
    citizen = browser_context_for(world.users["citizen"])
    anonymous = browser_context_for()

    def me(context: BrowserContext) -> str:
        response = context.request.get("/api/v1/me")  # shares the context's cookies
        return str(response.json()["username"]) if response.ok else str(response.status)

    assert (me(handler), me(citizen), me(anonymous)) == ("handler", "citizen", "401")

"""Browser tests: Debian's chromium driven by Playwright against Django's live server, one browser per session."""

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client

from liuyan.accounts.models import User

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an asyncio event loop in the test thread (in a greenlet; it stays registered as the
# thread's running loop while the browser is open), and Django then refuses every ORM call in that thread with
# SynchronousOnlyOperation: the tests' own queries, the world fixture, the database flush after each test. The
# loop never runs Django code, so the check is a false alarm here. (Browser tests run last, see below.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"  # Debian's package (`make browser`); Playwright never downloads a browser here
CHROMIUM_FLAGS = [
    "--no-sandbox",  # the machines run as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of this folder `browser` and run them last: once the session's browser is open, its event
    loop stays registered in the main thread, which no other test should have to live with."""
    skip = os.environ.get("LIUYAN_SKIP_BROWSER") == "1"
    here: list[pytest.Item] = []
    others: list[pytest.Item] = []
    for item in items:
        (here if HERE in item.path.parents else others).append(item)
    for item in here:
        item.add_marker(pytest.mark.browser)
        if skip:
            item.add_marker(pytest.mark.skip(reason="LIUYAN_SKIP_BROWSER=1"))
    items[:] = others + here


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed  # read by browser_context_for, to screenshot the pages of a failure
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator["Browser"]:
    """The session's one headless chromium. Playwright's launch() gives it a fresh temporary user data dir,
    removed when it closes (launch() refuses --user-data-dir, and a persistent profile would allow only one
    context)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Debian's chromium is not installed ({CHROMIUM}): run `make browser` "
            "(or set LIUYAN_SKIP_BROWSER=1 to skip the browser tests)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `make install` (it is in the test extras)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _session_key(user: User) -> str:
    """Log `user` in without the login page: a real database session, as the login form would create."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _file_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-") or "page"


def save_screenshot(page: "Page", name: str) -> Path:
    """A full-page PNG at test-artifacts/screenshots/<name>.png (git ignores test-artifacts/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_file_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[["Page", str], Path]:
    """`screenshot(page, "home")` saves test-artifacts/screenshots/home.png and returns its path."""
    return save_screenshot


@pytest.fixture
def browser_context_for(
    request: pytest.FixtureRequest, chromium: "Browser", live_server: "LiveServer"
) -> Iterator[Callable[..., "BrowserContext"]]:
    """`browser_context_for(user=None, **options)`: a new browser context (its own cookies, so one per role in a
    single test) on the live server — relative URLs work (`page.goto("/")`) — in Chinese, logged in as `user`
    when one is given. `options` go to Playwright's Browser.new_context (viewport, locale, …). Every context
    closes after the test; the pages of a failed test are saved as screenshots first."""
    contexts: list[BrowserContext] = []

    def open_context(user: User | None = None, **options: Any) -> "BrowserContext":
        options.setdefault("locale", "zh-CN")
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = chromium.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        if user is not None:
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": _session_key(user), "url": live_server.url}]
            )
        contexts.append(context)
        return context

    yield open_context
    failed = request.node.stash.get(_FAILED, False)
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                save_screenshot(page, f"FAILED-{request.node.name}-{i}-{j}")
        context.close()


@pytest.fixture
def page(browser_context_for: Callable[..., "BrowserContext"]) -> "Page":
    """A page in a fresh anonymous context on the live server."""
    return browser_context_for().new_page()

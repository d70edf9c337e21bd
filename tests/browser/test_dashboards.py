"""The data dashboard in a real browser: an analyst opens it from the navigation, drills from the country to a
province with the keyboard and sees the charts drawn; screenshots on a desktop and a phone."""

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from liuyan.dashboards.tests.figures import build_figures
from tests.world import World

Shot = Callable[[Page, str], Path]
Contexts = Callable[..., BrowserContext]


def test_it_lets_an_analyst_open_the_dashboard_and_drill_down(
    world: World, browser_context_for: Contexts, screenshot: Shot
) -> None:
    build_figures(world)
    page = browser_context_for(world.users["analyst"]).new_page()
    page.goto("/")
    page.get_by_role("link", name="数据分析").click()
    page.get_by_label("统计期间").fill("2025")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("value-valid")).to_have_text("60")
    expect(page.get_by_test_id("period")).to_contain_text("2025年")
    chart = page.get_by_test_id("chart-trend")
    expect(chart).to_have_attribute("alt", re.compile("有效留言60件"))
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    screenshot(page, "dashboard-country")

    drill = page.get_by_test_id("drill-regions-X01")
    drill.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("西地省")
    expect(page.get_by_test_id("value-valid")).to_have_text("50")
    expect(page.get_by_test_id("table-regions")).to_contain_text("A市")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    screenshot(page, "dashboard-province")


def test_it_fits_the_dashboard_on_a_phone(world: World, browser_context_for: Contexts, screenshot: Shot) -> None:
    build_figures(world)
    page = browser_context_for(world.users["supervisor"], viewport={"width": 390, "height": 844}).new_page()
    page.goto("/data/?period=2025")
    expect(page.get_by_test_id("units")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # nothing wider than the screen
    screenshot(page, "dashboard-phone")

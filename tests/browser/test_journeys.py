"""The portal's journeys in a real browser: the whole closed loop from the pages alone, anonymous tracking, a foreign
unit refused, the elderly-friendly mode and the English switch. Screenshots of the main pages land in
test-artifacts/screenshots/."""

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from liuyan.messages.models import Message
from liuyan.messages.states import State
from liuyan.orgs.catalogue import set_responsible_unit
from tests.world import PASSWORD, World, message_in_state

Shot = Callable[[Page, str], Path]
Contexts = Callable[..., BrowserContext]

TITLE = "幸福小区3栋电梯停运两个月无人维修"
BODY = (
    "我家住A1区幸福小区3栋12楼，电梯自9月起停运，物业说等维修资金，至今两个月没有人来修。"
    "楼里有多位七十岁以上的老人，上下楼非常困难。请有关部门督促物业尽快修复电梯。联系电话13812345678。"
)


def _flash(page: Page) -> str:
    return page.locator(".flash-area").inner_text()


def _act(page: Page, action: str, **fields: str) -> None:
    """Open an action's panel in the workspace (or on the message page), fill its fields, press its button."""
    opener = page.get_by_test_id(f"open-{action}")
    if opener.count():
        panel = page.locator(f"#panel-{action}")
        if panel.get_attribute("open") is None:
            opener.click()
    for name, value in fields.items():
        field = page.locator(f"[name='{action}-{name}']")
        kind = field.first.get_attribute("type")
        if kind == "radio":
            page.locator(f"[name='{action}-{name}'][value='{value}']").check()
        elif field.first.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"act-{action}").click()
    page.wait_for_load_state()


def _log_in(page: Page, login: str) -> None:
    page.goto("/accounts/login/")
    page.locator("[name=login]").fill(login)
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()


def _open_from_queue(page: Page, queue: str, number: str, tab: str = "") -> None:
    page.goto(f"{queue}?tab={tab}" if tab else queue)
    page.get_by_test_id(f"row-{number}").get_by_role("link").first.click()
    expect(page.get_by_test_id("message-number")).to_have_text(number)


def _reply_and_approve(handler: Page, head: Page, number: str, text: str, shot: Shot, round_: int) -> None:
    _act(handler, "submit_reply", body=text)
    assert "答复已提交审核" in _flash(handler)
    _open_from_queue(head, "/work/inbox/", number, tab="reply_review")
    shot(head, f"journey-{round_}-unit-head-review")
    _act(head, "approve_reply")
    assert "答复已审核通过" in _flash(head)


def test_a_message_goes_round_the_whole_loop_from_the_pages_alone(
    world: World, browser_context_for: Contexts, screenshot: Shot
) -> None:
    set_responsible_unit(world.housing, world.city_a, world.a_housing)  # the dispatcher gets a suggestion

    # A signed-in citizen writes to the mayor of A市.
    citizen = browser_context_for().new_page()
    _log_in(citizen, "13800000001")
    citizen.get_by_role("navigation").get_by_role("link", name="我要留言").click()
    screenshot(citizen, "write-choose-board")
    citizen.get_by_role("link", name="A市市长").first.click()
    citizen.locator("[name=type][value=complaint]").check()
    citizen.locator("[name=category]").select_option(str(world.housing.pk))
    citizen.locator("[name=region]").select_option(world.county_a1.code)
    citizen.locator("[name=title]").fill(TITLE)
    citizen.locator("[name=body]").fill(BODY)
    screenshot(citizen, "write-form")
    citizen.get_by_test_id("write-submit").click()
    number = citizen.get_by_test_id("done-number").inner_text().strip()
    assert re.fullmatch(r"\d{16}", number), number
    expect(citizen.get_by_test_id("query-code")).to_have_text(re.compile(r"^\s*[0-9A-Z]{8}\s*$"))
    screenshot(citizen, "write-done")

    # The reviewer accepts it from the review queue.
    reviewer = browser_context_for(world.users["reviewer"]).new_page()
    reviewer.goto("/work/")
    expect(reviewer).to_have_url(re.compile(r"/work/review/"))
    screenshot(reviewer, "review-queue")
    reviewer.once("dialog", lambda dialog: dialog.accept())
    reviewer.get_by_test_id(f"accept-{number}").click()
    assert "已受理" in _flash(reviewer)

    # The dispatcher sees the catalogue's suggestion and dispatches to it.
    dispatcher = browser_context_for(world.users["dispatcher"]).new_page()
    dispatcher.goto("/work/")
    expect(dispatcher.get_by_test_id(f"suggestion-{number}")).to_contain_text(world.a_housing.name)
    screenshot(dispatcher, "dispatch-queue")
    _open_from_queue(dispatcher, "/work/dispatch/", number)
    _act(dispatcher, "dispatch", unit=f"{world.a_housing.name} ({world.a_housing.code})", note="请尽快核实处理")
    assert "已交办" in _flash(dispatcher)

    # The handler signs for it, calls the citizen and replies; the unit head approves.
    handler = browser_context_for(world.users["handler"]).new_page()
    handler.goto("/work/")
    screenshot(handler, "unit-inbox")
    _open_from_queue(handler, "/work/inbox/", number, tab="sign")
    expect(handler.get_by_test_id("message-body")).to_contain_text("13812345678")  # staff see the original
    _act(handler, "sign")
    _act(handler, "record_contact", channel="phone", summary="已电话联系留言人，约定明日上门查看电梯。")
    screenshot(handler, "workspace-handler")
    head = browser_context_for(world.users["unit_head"]).new_page()
    _reply_and_approve(handler, head, number, "经核查，物业已联系电梯维保单位，预计下周修复。", screenshot, 1)

    # The citizen reads the published reply (phone masked for the public) and is not satisfied.
    public = browser_context_for().new_page()
    public.goto(f"/messages/{number}/")
    expect(public.get_by_test_id("message-body")).to_contain_text("138****5678")
    expect(public.get_by_test_id("reply")).to_contain_text("预计下周修复")
    screenshot(public, "message-public")
    citizen.goto("/me/messages/")
    screenshot(citizen, "my-messages")
    citizen.get_by_role("link", name=TITLE).click()
    expect(citizen.get_by_test_id("author-todo")).to_be_visible()
    _act(citizen, "rate", satisfaction="unsatisfied", resolved="no", reason="一周过去了电梯仍未修好。")
    assert "感谢您的评价" in _flash(citizen)

    # The supervisor reopens it (重办); the unit handles it again.
    supervisor = browser_context_for(world.users["supervisor"]).new_page()
    supervisor.goto("/work/")
    screenshot(supervisor, "supervision")
    _open_from_queue(supervisor, "/work/supervision/", number, tab="unsatisfied")
    _act(supervisor, "reopen", reason="群众反映电梯仍未修复，请重新办理。")
    assert "已重办" in _flash(supervisor)
    _open_from_queue(handler, "/work/inbox/", number, tab="handling")
    _reply_and_approve(handler, head, number, "电梯已于本周三更换主板并恢复运行，已通过验收。", screenshot, 2)

    # Satisfied this time: the message closes itself.
    citizen.goto(f"/messages/{number}/")
    _act(citizen, "rate", satisfaction="satisfied", resolved="yes")
    citizen.goto(f"/messages/{number}/")
    expect(citizen.locator(".message-head .badge-closed")).to_have_text("已办结")
    screenshot(citizen, "message-closed")
    message = Message.objects.get(number=number)
    assert message.state == State.CLOSED and message.reopen_count == 1
    assert [r.satisfaction for r in message.ratings.order_by("created_at")] == ["unsatisfied", "satisfied"]


def test_an_anonymous_citizen_tracks_a_message_by_its_query_code(
    world: World, browser_context_for: Contexts, screenshot: Shot
) -> None:
    writer = browser_context_for().new_page()
    writer.goto(f"/write/{world.a_board.code}/")
    writer.locator("[name=type][value=inquiry]").check()
    writer.locator("[name=title]").fill("老旧小区加装电梯补贴怎么申请")
    writer.locator("[name=body]").fill("请问A市老旧小区加装电梯有没有补贴？需要哪些材料，到哪里申请？")
    writer.locator("[name=contact_phone]").fill("13900001111")
    writer.get_by_test_id("write-submit").click()
    number = writer.get_by_test_id("done-number").inner_text().strip()
    code = writer.get_by_test_id("query-code").inner_text().strip()

    # Another day, another browser: only the number and the code.
    reader = browser_context_for().new_page()
    reader.goto("/track/")
    reader.locator("[name=number]").fill(number)
    reader.locator("[name=code]").fill("WRONG123")
    reader.get_by_role("button", name="查询").click()
    expect(reader.locator(".error-summary")).to_contain_text("查询码不正确")
    reader.locator("[name=code]").fill(code.lower())  # not case-sensitive
    reader.get_by_role("button", name="查询").click()
    expect(reader.get_by_test_id("message-number")).to_have_text(number)
    expect(reader.locator(".message-head")).to_contain_text("审核中")
    expect(reader.get_by_test_id("message-body")).to_contain_text("补贴")
    screenshot(reader, "track-anonymous")


def test_a_handler_of_another_unit_is_refused_the_message_by_url(
    world: World, browser_context_for: Contexts, screenshot: Shot
) -> None:
    message = message_in_state(world, State.IN_PROGRESS)
    foreign = browser_context_for(world.users["foreign_handler"]).new_page()
    response = foreign.goto(f"/work/m/{message.number}/")
    assert response is not None and response.status == 403
    expect(foreign.locator("main")).to_contain_text("无权查看该留言")
    assert message.body not in foreign.content()
    screenshot(foreign, "refused-foreign-unit")


def test_the_elderly_friendly_mode_and_the_english_switch(
    world: World, browser_context_for: Contexts, screenshot: Shot
) -> None:
    message_in_state(world, State.REPLIED)
    page = browser_context_for().new_page()
    page.goto("/")
    screenshot(page, "home")
    normal = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()  # keyboard users can skip the header

    page.get_by_test_id("care-toggle").click()
    expect(page.locator("html")).to_have_class("care")
    larger = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert float(larger.removesuffix("px")) >= 1.25 * float(normal.removesuffix("px"))
    screenshot(page, "home-care-mode")
    page.goto("/messages/")
    expect(page.locator("html")).to_have_class("care")  # it stays on for the visit
    page.get_by_test_id("care-toggle").click()
    expect(page.locator("html")).not_to_have_class("care")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation").get_by_role("link", name="Write a message")).to_be_visible()
    screenshot(page, "messages-english")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_the_main_pages_fit_a_phone(world: World, browser_context_for: Contexts, screenshot: Shot) -> None:
    message = message_in_state(world, State.REPLIED)
    phone = browser_context_for(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    for path, name in [
        ("/", "phone-home"),
        (f"/messages/{message.number}/", "phone-message"),
        (f"/write/{world.a_board.code}/", "phone-write"),
    ]:
        phone.goto(path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
        screenshot(phone, name)
    handler = browser_context_for(
        world.users["handler"], viewport={"width": 390, "height": 844}, is_mobile=True
    ).new_page()
    handler.goto("/work/inbox/?tab=handling")
    assert handler.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    screenshot(handler, "phone-unit-inbox")

"""Public pages: home, board directory, the public list with its filters, and a message's page as each viewer."""

from django.test import Client

from liuyan.messages.states import State
from liuyan.web.tests.helpers import client_for
from tests.world import PASSWORD, message_in_state, submit


def test_it_shows_the_home_page_with_boards_and_headline_figures(world):
    replied = message_in_state(world, State.REPLIED)
    page = Client().get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "A市市长" in html and "有效留言" in html and "回复率" in html
    assert replied.public_title in html  # latest replies


def test_it_lists_boards_grouped_by_region(world):
    html = Client().get("/boards/").content.decode()
    assert "西地省省委书记" in html and "A市" in html and "B市市长" in html


def test_it_lists_public_accepted_messages_only(world):
    public = message_in_state(world, State.IN_PROGRESS, title="路灯不亮影响夜间出行")
    confidential = message_in_state(world, State.IN_PROGRESS, title="举报某单位违规收费", is_public=False)
    unreviewed = submit(world, title="刚提交尚未审核的留言").message
    html = Client().get("/messages/").content.decode()
    assert public.public_title in html
    assert confidential.title not in html and unreviewed.title not in html


def test_it_filters_the_list_by_region_type_and_status(world):
    in_a1 = message_in_state(world, State.REPLIED, title="A1区小区停车难", region=world.county_a1)
    in_b = message_in_state(world, State.IN_PROGRESS, title="B市道路积水", region=world.city_b, board=world.b_board)
    by_region = Client().get("/messages/", {"region": world.city_a.code}).content.decode()
    assert in_a1.public_title in by_region and in_b.public_title not in by_region
    by_status = Client().get("/messages/", {"status": "handling"}).content.decode()
    assert in_b.public_title in by_status and in_a1.public_title not in by_status
    by_board = Client().get("/messages/", {"board": world.b_board.code}).content.decode()
    assert in_b.public_title in by_board and in_a1.public_title not in by_board


def test_it_refuses_bad_filters_with_a_clear_message(world):
    page = Client().get("/messages/", {"board": "NO-SUCH-BOARD", "submitted_from": "not-a-date"})
    assert page.status_code == 400
    assert "error-text" in page.content.decode()


def test_it_masks_personal_data_on_the_public_message_page(world):
    m = message_in_state(world, State.REPLIED, body="我的电话13812345678，住A1区幸福小区3栋，电梯坏了两个月。")
    html = Client().get(f"/messages/{m.number}/").content.decode()
    assert "13812345678" not in html and "138****5678" in html
    assert "经核查" in html  # the published reply


def test_it_hides_a_confidential_message_from_the_public_and_other_citizens(world):
    m = message_in_state(world, State.IN_PROGRESS, is_public=False)
    assert Client().get(f"/messages/{m.number}/").status_code == 404
    assert client_for(world, "other_citizen").get(f"/messages/{m.number}/").status_code == 404
    own = client_for(world, "citizen").get(f"/messages/{m.number}/")
    assert own.status_code == 200 and m.title in own.content.decode()


def test_it_says_a_missing_message_does_not_exist(world):
    page = Client().get("/messages/2026010199999999/")
    assert page.status_code == 404 and "留言不存在" in page.content.decode()


def test_it_offers_the_author_the_rating_form_on_a_replied_message(world):
    m = message_in_state(world, State.REPLIED)
    html = client_for(world, "citizen").get(f"/messages/{m.number}/").content.decode()
    assert f"/act/{m.number}/rate/" in html and f"/act/{m.number}/follow_up/" in html
    public = Client().get(f"/messages/{m.number}/").content.decode()
    assert "/rate/" not in public


def test_it_points_staff_from_the_public_page_to_their_workspace(world):
    m = message_in_state(world, State.IN_PROGRESS)
    html = client_for(world, "handler").get(f"/messages/{m.number}/").content.decode()
    assert f"/work/m/{m.number}/" in html


def test_it_logs_in_with_a_password_through_the_login_page(world):
    client = Client()
    page = client.post("/accounts/login/", {"login": "13800000001", "password": PASSWORD})
    assert page.status_code == 302 and page["Location"] == "/me/messages/"


def test_it_lists_ministries_first_then_the_province_by_city(world):
    from liuyan.geo.models import Region, RegionLevel
    from liuyan.orgs.models import Board, BoardKind, BoardLevel
    from liuyan.web.views.public import board_groups, platform_region

    country = Region.objects.create(code="000000", name="中国", level=RegionLevel.COUNTRY)
    Board.objects.create(
        name="住房和城乡建设部", code="CN-ZJB", kind=BoardKind.INSTITUTION, level=BoardLevel.NATIONAL, region=country
    )
    groups = board_groups(platform_region())
    assert [g["name"] for g in groups] == ["国家部委", "西地省", "A市", "B市"]
    assert [b.code for b in groups[0]["boards"]] == ["CN-ZJB"]


def test_it_says_plus_instead_of_counting_a_long_list(world, monkeypatch):
    from liuyan.common import paging

    for i in range(3):
        message_in_state(world, State.IN_PROGRESS, title=f"长列表第{i}条")
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    html = Client().get("/messages/").content.decode()
    assert "2+" in html

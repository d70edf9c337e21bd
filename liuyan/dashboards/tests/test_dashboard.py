"""The dashboard from hand-made rollups: who may open it and where, its figures, bad input, charts and downloads."""

import datetime as dt
import io
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from liuyan.accounts.models import Role, User
from liuyan.dashboards.tests.figures import build_figures
from liuyan.messages.models import Message, MessageType
from liuyan.reports import charts as report_charts
from liuyan.rollups import metrics
from liuyan.rollups.query import Scope, sums
from tests.world import World

URL = "/data/"
ALLOWED = {Role.ANALYST, Role.SUPERVISOR, Role.ADMIN}
SUGGESTION = MessageType.SUGGESTION.value
COMPLAINT = MessageType.COMPLAINT.value


@pytest.fixture
def figures(world: World) -> World:
    return build_figures(world)


def client_for(user: User | None, *, english: bool = False) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def get(world: World, key: str = "analyst", **params: str):
    return client_for(world.users[key]).get(URL, {"period": "2025", **params})


def card(html: str, key: str) -> str:
    found = re.search(rf'data-testid="value-{key}">([^<]*)<', html)
    assert found, key
    return found.group(1)


def table_rows(html: str, key: str) -> list[list[str]]:
    """The rows of a table on the page as text cells (the name first)."""
    body = html.split(f'data-testid="table-{key}"', 1)[1].split("</table>", 1)[0]
    body = re.sub(r'<span class="visually-hidden">.*?</span>', "", body)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
        for r in rows
    ]


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# ---------------------------------------------------------------------------------------------------------------
# Who may open it, and where


def test_it_lets_only_analysts_supervisors_and_admins_open_the_dashboard(figures):
    for key, user in figures.users.items():
        page = client_for(user).get(URL)
        assert page.status_code == (200 if user.role in ALLOWED else 403), key
        if user.role not in ALLOWED:
            assert "当前角色不能使用该页面" in page.content.decode()


@pytest.mark.parametrize("url", [URL, "/data/chart/trend.svg", "/data/report.json"])
def test_it_sends_anonymous_visitors_to_the_login_page(figures, url):
    page = Client().get(url)
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=/data/")


@pytest.mark.parametrize("url", ["/data/chart/trend.svg", "/data/report.json"])
def test_it_refuses_other_roles_the_charts_and_downloads(figures, url):
    assert client_for(figures.users["handler"]).get(url, {"period": "2025"}).status_code == 403


def test_it_shows_the_dashboard_link_to_the_roles_that_may_use_it(figures):
    for key in ("analyst", "supervisor", "admin", "dispatcher", "citizen"):
        html = client_for(figures.users[key]).get("/").content.decode()
        assert (f'href="{URL}"' in html) == (key in ("analyst", "supervisor", "admin")), key


def test_it_keeps_a_regional_analyst_inside_their_region(figures):
    analyst = User.objects.create_user("a_analyst", password="x", role=Role.ANALYST, region=figures.city_a)
    client = client_for(analyst)
    opened = client.get(URL, {"period": "2025"})
    assert opened.status_code == 200
    html = opened.content.decode()
    assert card(html, "valid") == "30"  # A市 only
    assert "A市" in html and "西地省" not in html.split('data-testid="breadcrumb"')[1].split("</nav>")[0]
    assert client.get(URL, {"period": "2025", "region": "X010101"}).status_code == 200  # drilling down: fine
    for outside in ("X0102", "X01", "X02"):  # a sibling, the province above, another province
        page = client.get(URL, {"period": "2025", "region": outside})
        assert page.status_code == 403, outside
        assert "该地区不在您的数据权限范围内" in page.content.decode()
    english = client_for(analyst, english=True).get(URL, {"region": "X0102"})
    assert english.status_code == 403 and "outside the data you may see" in english.content.decode()
    for url in ("/data/chart/trend.svg", "/data/report.json"):
        assert client.get(url, {"period": "2025", "region": "X0102"}).status_code == 403, url
    assert client.get(URL, {"board": figures.b_board.code}).status_code == 403  # B市's board
    assert client.get(URL, {"board": figures.prov_board.code}).status_code == 200  # the province's, above A市


def test_it_answers_an_unknown_region_with_a_404(figures):
    assert get(figures, region="NOPE").status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Figures


def test_it_shows_the_rollup_sums_of_the_scope(figures):
    html = get(figures, units="all").content.decode()
    now = sums(Scope(dt.date(2025, 1, 1), dt.date(2026, 1, 1)))[()]
    before = sums(Scope(dt.date(2024, 1, 1), dt.date(2025, 1, 1)))[()]
    assert (now["valid"], now["replied"], before["valid"]) == (60, 44, 20)
    assert card(html, "valid") == "60" and card(html, "replied") == "44"
    assert card(html, "reply_rate") == pct(metrics.reply_rate(now))
    assert card(html, "closure_rate") == pct(metrics.closure_rate(now))
    assert card(html, "on_time_rate") == pct(metrics.on_time_rate(now))
    assert card(html, "response_rate") == pct(metrics.response_rate(now))
    assert card(html, "resolution_rate") == pct(metrics.resolution_rate(now))
    assert card(html, "satisfaction_strict") == pct(metrics.satisfaction_rate(now, strict=True)) == "60.0%"
    assert card(html, "satisfaction_rate") == pct(metrics.satisfaction_rate(now)) == "80.0%"
    assert card(html, "mean_reply_days") == f"{metrics.mean_reply_days(now):.1f}天"
    # The comparison: 2024 (the year before), +200% valid, reply rate 73.3% against 50.0%.
    assert "+200.0%" in html.split('data-testid="change-valid"')[1].split("</span>\n")[0]
    assert "+23.3个百分点" in html.split('data-testid="change-reply_rate"')[1].split("</span>\n")[0]
    assert table_rows(html, "regions") == [
        ["西地省", "50", "83.3%", "68.0%", "80.0%"],
        ["东海省", "10", "16.7%", "100.0%", "—"],
    ]
    assert table_rows(html, "categories")[0] == ["城乡建设", "30", "50.0%", "80.0%", "80.0%", "0.0%"]
    assert ["交通运输", "10", "16.7%", "100.0%", "—", "100.0%"] in table_rows(html, "categories")
    assert table_rows(html, "types") == [
        ["投诉", "50", "83.3%", "68.0%", "80.0%"],
        ["建言", "10", "16.7%", "100.0%", "—"],
    ]
    assert [r[1] for r in table_rows(html, "units-top")] == ["A市住房和城乡建设局", "B市住房和城乡建设局"]
    assert table_rows(html, "units-low")[0][:4] == ["1", "B市住房和城乡建设局", "20", "50.0%"]
    assert [r[1] for r in table_rows(html, "boards")] == ["A市市长", "B市市长", "西地省省委书记"]
    trend = table_rows(html, "trend")
    assert len(trend) == 12 and trend[2] == ["2025-03", "30", "24", "80.0%"] and trend[0][1] == "0"


def test_it_ranks_the_units_of_the_whole_country_only_when_asked(figures):
    html = get(figures).content.decode()
    assert 'data-testid="units-national"' in html and 'data-testid="table-units-top"' not in html
    assert "units=all" in html
    assert 'data-testid="table-units-top"' in get(figures, region="X01").content.decode()


def test_it_drills_down_from_the_country_to_a_province_and_a_domain(figures):
    html = get(figures).content.decode()
    assert 'data-testid="drill-regions-X01"' in html
    html = get(figures, region="X01").content.decode()
    assert table_rows(html, "regions") == [
        ["A市", "30", "60.0%", "80.0%", "80.0%"],
        ["B市", "20", "40.0%", "50.0%", "—"],
    ]
    assert "西地省" in html.split('data-testid="breadcrumb"')[1].split("</nav>")[0]
    construction = figures.housing.parent
    html = get(figures, region="X01", category=str(construction.pk)).content.decode()
    assert card(html, "valid") == "30"
    assert table_rows(html, "categories") == [["住房保障", "30", "100.0%", "80.0%", "80.0%", "0.0%"]]
    leaf = get(figures, category=str(figures.housing.pk)).content.decode()
    assert "该分类没有下级子类" in leaf


def test_it_filters_by_board_and_compares_with_a_chosen_period_or_none(figures):
    html = get(figures, board=figures.b_board.code).content.decode()
    assert card(html, "valid") == "20" and "B市市长" in html
    html = get(figures, compare="none").content.decode()
    assert 'data-testid="change-valid"' not in html
    html = get(figures, baseline="2023").content.decode()
    assert "对比 2023年" in html and "对比期 0 ·" in html


def test_it_shows_the_supervisors_the_unit_ranking_first_with_their_pages(figures):
    html = get(figures, "supervisor").content.decode()
    assert html.index('data-testid="units"') < html.index('data-testid="table-trend"')
    assert "/work/supervision/units/" in html and "/work/supervision/" in html
    analyst = get(figures).content.decode()
    assert analyst.index('data-testid="units"') > analyst.index('data-testid="table-trend"')


def test_it_shows_a_bilingual_error_for_a_bad_period(figures):
    page = get(figures, period="2025-13")
    assert page.status_code == 400
    html = page.content.decode()
    assert "无法识别的期间" in html and 'class="error-summary"' in html and 'data-testid="cards"' not in html
    english = client_for(figures.users["analyst"], english=True).get(URL, {"period": "someday"})
    assert english.status_code == 400 and "unrecognised period" in english.content.decode()
    overlapping = get(figures, baseline="2025-06")
    assert overlapping.status_code == 400 and "重叠" in overlapping.content.decode()
    assert client_for(figures.users["analyst"]).get("/data/chart/trend.svg", {"period": "x"}).status_code == 400


def test_it_shows_an_empty_state_without_data(figures):
    page = get(figures, period="2019")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="empty"' in html and "没有留言" in html and "<img" not in html


def test_it_offers_the_presets_and_defaults_to_the_last_12_months(figures):
    html = client_for(figures.users["analyst"]).get(URL).content.decode()
    for text in ("本年", "上年", "近12个月", "十四五", "十三五"):
        assert text in html
    assert re.search(r'name="period" value="\d{4}-\d{2}\.\.\d{4}-\d{2}"', html)


# ---------------------------------------------------------------------------------------------------------------
# Charts and downloads


def test_it_serves_each_chart_as_a_cached_svg_with_chinese_text(figures, monkeypatch):
    html = get(figures).content.decode()
    src = re.search(r'<img src="([^"]+)" alt="([^"]+)"[^>]*data-testid="chart-trend"', html)
    assert src and "有效留言60件" in src.group(2)
    rendered = []
    real = report_charts.to_svg

    def counted(spec):
        rendered.append(spec)
        return real(spec)

    monkeypatch.setattr(report_charts, "to_svg", counted)
    client = client_for(figures.users["analyst"])
    page = client.get(src.group(1).replace("&amp;", "&"))
    assert page.status_code == 200 and page["Content-Type"].startswith("image/svg+xml")
    svg = page.content.decode()
    assert svg.lstrip().startswith("<svg") and "月度有效留言与回复" in svg
    again = client.get("/data/chart/trend.svg", {"period": "2025-01..2025-12", "compare": "previous"})
    assert again.content.decode() == svg and len(rendered) == 1  # the same scope written otherwise: cached
    for name in ("regions", "categories"):
        chart = client.get(f"/data/chart/{name}.svg", {"period": "2025"})
        assert chart.status_code == 200 and "占比" in chart.content.decode()
    assert client.get("/data/chart/nope.svg").status_code == 404


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("html", "text/html"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("json", "application/json"),
    ],
)
def test_it_downloads_the_period_report_of_the_scope(figures, fmt, content_type):
    page = get(figures, region="X01")
    assert f"/data/report.{fmt}?" in page.content.decode()
    response = client_for(figures.users["analyst"]).get(f"/data/report.{fmt}", {"period": "2025", "region": "X01"})
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert "%E8%A5%BF%E5%9C%B0%E7%9C%81" in disposition  # 西地省, in the Chinese file name
    body = response.content
    if fmt == "json":
        report = json.loads(body)
        assert report["valid_messages"] == {"period": 50, "baseline": 20}
        assert report["scope"]["region"] == "西地省"
    elif fmt == "html":
        assert "西地省" in body.decode() and "数据分析报告" in body.decode()
    else:
        book = load_workbook(io.BytesIO(body))
        assert "西地省" in str(book.worksheets[0]["A1"].value)
        assert any(cell.value == 50 for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)


# ---------------------------------------------------------------------------------------------------------------
# Speed


@pytest.mark.parametrize("params", [{}, {"region": "X01"}, {"region": "X0101"}, {"board": "A-SZ", "region": "X01"}])
def test_it_answers_a_page_in_a_bounded_number_of_queries(figures, django_assert_max_num_queries, params):
    """Seven grouped rollup reads (month trend, comparison, regions, domains, types, units, boards), a name look-up
    per table, the scope's own rows; never the messages table. The cached page needs only the filter's rows."""
    client = client_for(figures.users["analyst"])
    client.get("/")  # the session and the user, as on any page
    with django_assert_max_num_queries(26) as captured:
        assert client.get(URL, {"period": "2025", **params}).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    rollup_reads = [q for q in sql if '"rollups_summary"' in q or '"rollups_rollup"' in q]
    assert len(rollup_reads) <= 7, rollup_reads
    # The navigation's unread-notice badge (every portal page) is the only query that may name the messages.
    assert not [q for q in sql if f'"{Message._meta.db_table}"' in q and '"notify_notification"' not in q]
    with django_assert_max_num_queries(8):  # the same scope again: the figures are cached
        assert client.get(URL, {"period": "2025", **params}).status_code == 200

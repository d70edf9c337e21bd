"""Requests to decide, the supervision page (late messages by unit, 催办/督办, key messages, 不满意, problem cases, the
one-click 催办) and the unit scorecards (figures, period errors, sorting, caching)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from liuyan.accounts.models import Role, User
from liuyan.common.clock import now
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import Message, RequestKind, Satisfaction
from liuyan.messages.states import State
from liuyan.web import scorecards as sc
from liuyan.web.tests.helpers import client_for, counts, rows
from tests.world import message_in_state, pending_request, submit


def light(message: Message, *, overdue: bool) -> None:
    warning = "red" if overdue else "yellow"
    actions.do_set_sla_light(Actor.system(), message, warning=warning, overdue=overdue, sla_stage=2 if overdue else 1)


def dispatched_to(world, unit, **kw) -> Message:
    m = submit(world, **kw).message
    actions.do_accept(world.actor("reviewer"), m)
    return actions.do_dispatch(world.actor("dispatcher"), m, unit=unit)


# ---------------------------------------------------------------------------------------------------------------
# Requests


@pytest.fixture
def requested(world):
    w = world
    ret = message_in_state(w, State.RETURN_REQUESTED)
    transfer = message_in_state(w, State.IN_PROGRESS)
    actions.do_request_transfer(w.actor("handler"), transfer, target_unit=w.a_env, reason="属生态环境部门职责")
    co = message_in_state(w, State.IN_PROGRESS)
    actions.do_request_cohandling(w.actor("handler"), co, units=[w.a_env], reason="需环保部门配合")
    ext = message_in_state(w, State.IN_PROGRESS)
    due = timezone.localtime(ext.due_at) + dt.timedelta(days=10)
    actions.do_request_extension(w.actor("handler"), ext, due_at=due, reason="需要现场勘查")
    decided = message_in_state(w, State.IN_PROGRESS)
    actions.do_request_cohandling(w.actor("handler"), decided, units=[w.a_env], reason="已审批的申请")
    actions.do_decide_cohandling(w.actor("dispatcher"), decided, approve=False, note="无需协办")
    foreign = dispatched_to(w, w.b_housing, board=w.b_board, region=w.city_b)
    actions.do_sign(w.actor("foreign_handler"), foreign)
    actions.do_request_extension(
        w.actor("foreign_handler"),
        foreign,
        due_at=timezone.localtime(foreign.due_at) + dt.timedelta(days=5),
        reason="B市",
    )
    return {"return": ret, "transfer": transfer, "cohandling": co, "extension": ext, "foreign": foreign}


def test_it_lists_every_pending_request_for_the_dispatcher_oldest_first(world, requested):
    html = client_for(world, "dispatcher").get("/work/requests/").content.decode()
    numbers = re.findall(r'<div class="muted small nowrap">(\d+)</div>', html)
    r = requested
    assert numbers == [r[k].number for k in ("return", "transfer", "cohandling", "extension", "foreign")]
    assert counts(html) == {"all": 5, "return": 1, "transfer": 1, "cohandling": 1, "extension": 2}
    assert "已审批的申请" not in html
    for words in ("不属于本单位职能", "职能不符", f"→ {world.a_env.name}", "需要现场勘查", "延期至"):
        assert words in html
    assert f"/work/m/{r['return'].number}/#panel-approve_return" in html
    assert f"/work/m/{r['cohandling'].number}/#panel-decide_cohandling" in html
    assert f"/work/m/{r['extension'].number}/#panel-decide_extension" in html


def test_it_shows_one_kind_per_tab(world, requested):
    html = client_for(world, "dispatcher").get("/work/requests/?tab=transfer").content.decode()
    assert requested["transfer"].number in html and requested["return"].number not in html


def test_it_shows_the_supervisor_only_extensions(world, requested):
    html = client_for(world, "supervisor").get("/work/requests/").content.decode()
    assert requested["extension"].number in html and requested["foreign"].number in html
    for kind in ("return", "transfer", "cohandling"):
        assert requested[kind].number not in html


def test_it_shows_a_regional_dispatcher_only_requests_in_reach(world, requested):
    regional = User.objects.create_user(
        username="b_dispatcher", password="x", role=Role.DISPATCHER, region=world.city_b
    )
    client = Client()
    client.force_login(regional)
    html = client.get("/work/requests/").content.decode()
    assert requested["foreign"].number in html and requested["return"].number not in html


def test_it_says_how_long_a_request_has_waited(world):
    m = message_in_state(world, State.IN_PROGRESS)
    request = pending_request(world, m, RequestKind.COHANDLING)
    type(request).objects.filter(pk=request.pk).update(requested_at=now() - dt.timedelta(days=3, hours=2))
    html = client_for(world, "dispatcher").get("/work/requests/").content.decode()
    assert "3天2小时" in html and "已超2天" in html


def test_it_lists_many_requests_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(12):
        m = message_in_state(world, State.IN_PROGRESS)
        pending_request(world, m, RequestKind.COHANDLING)
        pending_request(world, m, RequestKind.EXTENSION)
    client = client_for(world, "dispatcher")
    client.get("/work/requests/")
    with django_assert_max_num_queries(9):
        assert client.get("/work/requests/").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Supervision


@pytest.fixture
def watched(world):
    w = world
    late = [message_in_state(w, State.IN_PROGRESS) for _ in range(2)]
    for m in late:
        light(m, overdue=True)
    soon = message_in_state(w, State.DISPATCHED)
    light(soon, overdue=False)
    env_late = dispatched_to(w, w.a_env, category=w.noise)
    light(env_late, overdue=True)
    urged = message_in_state(w, State.IN_PROGRESS)
    actions.do_urge(w.actor("supervisor"), urged, note="请加快办理")
    supervised = message_in_state(w, State.ACCEPTED)
    actions.do_supervise(w.actor("supervisor"), supervised, level="key")
    key = message_in_state(w, State.UNDER_REVIEW)
    actions.do_flag_key(w.actor("reviewer"), key, reason="涉及群众生命安全")
    closed_key = message_in_state(w, State.CLOSED)
    Message.objects.filter(pk=closed_key.pk).update(is_key=True, urge_count=2)
    unsatisfied = message_in_state(w, State.RATED)
    problem = message_in_state(w, State.IN_PROGRESS)
    Message.objects.filter(pk=problem.pk).update(is_problem_case=True, reopen_count=3)
    return {
        "late": late,
        "soon": soon,
        "env_late": env_late,
        "urged": urged,
        "supervised": supervised,
        "key": key,
        "closed_key": closed_key,
        "unsatisfied": unsatisfied,
        "problem": problem,
    }


def test_it_counts_overdue_and_near_due_by_unit_worst_first(world, watched):
    html = client_for(world, "supervisor").get("/work/supervision/").content.decode()
    units = re.findall(r'data-testid="unit-([\w-]+)"', html)
    assert units == [world.a_housing.code, world.a_env.code]
    assert f'href="?tab=overdue&amp;unit={world.a_housing.code}"' in html
    assert f'href="?tab=due_soon&amp;unit={world.a_housing.code}"' in html
    assert counts(html)["overdue"] == 3 and counts(html)["due_soon"] == 1


def test_it_lists_a_units_overdue_messages_from_the_overview_link(world, watched):
    client = client_for(world, "supervisor")
    html = client.get(f"/work/supervision/?tab=overdue&unit={world.a_housing.code}").content.decode()
    assert set(rows(html)) == {m.number for m in watched["late"]}
    assert world.a_housing.name in html and "查看全部单位" in html
    everyone = client.get("/work/supervision/?tab=overdue").content.decode()
    assert set(rows(everyone)) == {m.number for m in watched["late"]} | {watched["env_late"].number}


@pytest.mark.parametrize(
    ("tab", "keys"),
    [
        ("due_soon", ["soon"]),
        ("urged", ["urged", "supervised"]),
        ("key", ["key"]),
        ("unsatisfied", ["unsatisfied"]),
        ("problem", ["problem"]),
    ],
)
def test_it_lists_each_kind_of_watched_message_in_its_tab(world, watched, tab, keys):
    html = client_for(world, "supervisor").get(f"/work/supervision/?tab={tab}").content.decode()
    assert set(rows(html)) == {watched[k].number for k in keys}
    assert watched["closed_key"].number not in html  # closed messages need no watching


def test_it_leaves_out_a_rated_message_whose_latest_rating_is_not_unsatisfied(world, watched):
    m = watched["unsatisfied"]
    from liuyan.messages.models import Rating

    Rating.objects.create(message=m, satisfaction=Satisfaction.BASIC, round=0, created_at=now())
    html = client_for(world, "supervisor").get("/work/supervision/?tab=unsatisfied").content.decode()
    assert m.number not in html and counts(html)["unsatisfied"] == 0


def test_it_urges_with_one_click_from_the_list(world, watched):
    m = watched["late"][0]
    client = client_for(world, "supervisor")
    html = client.get("/work/supervision/?tab=overdue").content.decode()
    assert f'data-testid="urge-{m.number}"' in html
    assert f'data-testid="urge-{watched["supervised"].number}"' not in html  # accepted: nobody to urge yet
    page = client.post(
        f"/act/{m.number}/urge/", {"urge-version": m.version, "urge-note": "", "next": "/work/supervision/?tab=overdue"}
    )
    assert page.status_code == 302 and page["Location"] == "/work/supervision/?tab=overdue"
    m.refresh_from_db()
    assert m.urge_count == 1 and m.events.filter(action="urge", actor=world.users["supervisor"]).exists()


def test_it_shows_supervision_pages_in_a_bounded_number_of_queries(world, watched, django_assert_max_num_queries):
    for _ in range(30):
        m = message_in_state(world, State.IN_PROGRESS)
        light(m, overdue=True)
    client = client_for(world, "supervisor")
    client.get("/work/supervision/")
    with django_assert_max_num_queries(8):
        assert client.get("/work/supervision/").status_code == 200
    with django_assert_max_num_queries(8):
        assert len(rows(client.get("/work/supervision/?tab=overdue").content.decode())) == 30


# ---------------------------------------------------------------------------------------------------------------
# Scorecards


@pytest.fixture
def scored(world):
    """A市住建局: 3 dispatched, 2 replied (one rated 满意, one 不满意 and reopened), 1 return approved from it."""
    w = world
    satisfied = message_in_state(w, State.CLOSED)  # rated 满意
    reopened = message_in_state(w, State.RATED)  # rated 不满意
    actions.do_reopen(w.actor("supervisor"), reopened, reason="理由成立")
    message_in_state(w, State.IN_PROGRESS)
    returned = message_in_state(w, State.RETURN_REQUESTED)
    actions.do_approve_return(w.actor("dispatcher"), returned)  # back to the queue: counted for the unit as a return
    dispatched_to(w, w.a_env, category=w.noise)
    return {"satisfied": satisfied, "reopened": reopened}


def score_row(html: str, code: str) -> str:
    found = re.search(rf'data-testid="score-{code}">(.*?)</tr>', html, re.S)
    assert found is not None, code
    return re.sub(r"\s+", " ", found.group(1))


def test_it_computes_each_units_figures_by_the_metric_definitions(world, scored):
    scores = {
        s.unit_code: s
        for s in sc._compute(Message.objects.all(), sc.Period(timezone.localdate(now()), timezone.localdate(now())))
    }
    a = scores[world.a_housing.code]
    assert (a.dispatched, a.replied, a.signed_on_time, a.ratings, a.satisfied) == (3, 1, 3, 2, 1)
    assert (a.returns, a.transfers, a.reopened) == (1, 0, 1)
    assert a.reply_rate == pytest.approx(1 / 3) and a.satisfaction_rate == pytest.approx(0.5)
    assert a.on_time_reply_rate == 1.0 and a.signed_on_time_rate == 1.0
    env = scores[world.a_env.code]
    assert (env.dispatched, env.replied, env.ratings) == (1, 0, 0) and env.satisfaction_rate is None


def test_it_shows_the_scorecards_for_this_year_by_default(world, scored):
    html = client_for(world, "analyst").get("/work/supervision/units/").content.decode()
    row = score_row(html, world.a_housing.code)
    assert world.a_housing.name in row and "33.3%" in row and "1/3" in row and "50.0%" in row and "1/2" in row
    year = timezone.localtime(now()).year
    assert f'value="{year}-01-01"' in html and "DOMAIN.md §5" in html
    assert "满意率" in html and "（满意 + 基本满意）÷ 评价数" in html


def test_it_counts_nothing_outside_the_period(world, scored):
    html = client_for(world, "analyst").get("/work/supervision/units/?start=2024-01-01&end=2024-12-31").content.decode()
    assert "统计期内没有交办的留言" in html


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("start=2026-03-01&end=2026-01-01", "结束日期不能早于开始日期"),
        ("start=2026-13-01&end=2026-12-31", "开始日期无效"),
        ("start=yesterday&end=2026-12-31", "开始日期无效"),
        ("start=2026-01-01&end=", "请填写结束日期"),
        ("start=2010-01-01&end=2026-01-01", "统计区间最长5年"),
    ],
)
def test_it_explains_a_bad_period(world, query, error):
    page = client_for(world, "supervisor").get(f"/work/supervision/units/?{query}")
    assert page.status_code == 400 and error in page.content.decode()


def units(html: str) -> list[str]:
    return re.findall(r'data-testid="score-([\w-]+)"', html)


def test_it_sorts_by_any_column_units_without_a_value_last(world, scored):
    client = client_for(world, "dispatcher")
    assert units(client.get("/work/supervision/units/").content.decode()) == [world.a_housing.code, world.a_env.code]
    by_env_first = client.get("/work/supervision/units/?sort=dispatched").content.decode()
    assert units(by_env_first) == [world.a_env.code, world.a_housing.code]
    satisfaction = client.get("/work/supervision/units/?sort=satisfaction_rate").content.decode()
    assert units(satisfaction) == [world.a_housing.code, world.a_env.code]  # A市环保局 has no ratings: last
    assert 'aria-sort="ascending"' in satisfaction
    assert units(client.get("/work/supervision/units/?sort=unit").content.decode())[0] == world.a_env.code  # A-HBJ
    assert units(client.get("/work/supervision/units/?sort=-unit").content.decode())[0] == world.a_housing.code
    assert client.get("/work/supervision/units/?sort=bogus").status_code == 200


def test_it_caches_the_figures_for_a_few_minutes(world, scored, django_assert_max_num_queries):
    client = client_for(world, "analyst")
    first = client.get("/work/supervision/units/").content.decode()
    message_in_state(world, State.DISPATCHED)
    with django_assert_max_num_queries(4):
        again = client.get("/work/supervision/units/").content.decode()
    assert score_row(again, world.a_housing.code) == score_row(first, world.a_housing.code)
    with django_assert_max_num_queries(6):
        client.get("/work/supervision/units/?start=2026-01-02&end=2026-12-31")  # another period: computed

"""A small de-identified province for tests: regions, taxonomy, units, boards, one user per role, and helpers
that drive a message to any lifecycle state through the real actions."""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from liuyan.accounts.models import Role, User
from liuyan.deadlines.calendar_data import seed_calendar_from_package
from liuyan.geo.models import Region, RegionLevel
from liuyan.messages import actions
from liuyan.messages.access import Actor
from liuyan.messages.models import HandlingRequest, Message, MessageType, RequestKind, Satisfaction
from liuyan.messages.states import State
from liuyan.orgs.models import Board, BoardLevel, Unit
from liuyan.taxonomy.models import Category

PASSWORD = "liuyan-test-pw-2026"
_BUILDINGS = itertools.count(1)


@dataclass
class World:
    province: Region
    city_a: Region
    city_b: Region
    county_a1: Region
    housing: Category
    property_mgmt: Category
    noise: Category
    traffic: Category
    prov_housing: Unit
    a_housing: Unit
    a1_housing: Unit
    a_env: Unit
    b_housing: Unit
    prov_board: Board
    a_board: Board
    b_board: Board
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        return Actor.system() if key == "system" else Actor.of(self.users[key])


def _region(code: str, name: str, level: int, parent: Region | None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent, is_custom=True)


def _category(name: str, parent: Category | None = None) -> Category:
    path = f"{parent.path} / {name}" if parent else name
    return Category.objects.create(name=name, parent=parent, level=(parent.level + 1) if parent else 1, path=path)


def _user(username: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)
    return user


def build_world(*, seed_calendar: bool = True) -> World:
    if seed_calendar:
        seed_calendar_from_package(range(2024, 2027))
    province = _region("X01", "西地省", RegionLevel.PROVINCE, None)
    city_a = _region("X0101", "A市", RegionLevel.CITY, province)
    city_b = _region("X0102", "B市", RegionLevel.CITY, province)
    county_a1 = _region("X010101", "A1区", RegionLevel.COUNTY, city_a)
    construction = _category("城乡建设")
    housing = _category("住房保障", construction)
    property_mgmt = _category("物业管理", construction)
    noise = _category("噪音污染", _category("环境保护"))
    traffic = _category("交通运输")
    prov_housing = Unit.objects.create(name="西地省住房和城乡建设厅", code="XD-ZJT", region=province)
    a_housing = Unit.objects.create(name="A市住房和城乡建设局", code="A-ZJJ", region=city_a, parent=prov_housing)
    a1_housing = Unit.objects.create(name="A1区住房和城乡建设局", code="A1-ZJJ", region=county_a1, parent=a_housing)
    a_env = Unit.objects.create(name="A市生态环境局", code="A-HBJ", region=city_a)
    b_housing = Unit.objects.create(name="B市住房和城乡建设局", code="B-ZJJ", region=city_b, parent=prov_housing)
    prov_board = Board.objects.create(name="西地省省委书记", code="XD-SW", level=BoardLevel.PROVINCE, region=province)
    a_board = Board.objects.create(name="A市市长", code="A-SZ", level=BoardLevel.CITY, region=city_a)
    b_board = Board.objects.create(
        name="B市市长", code="B-SZ", level=BoardLevel.CITY, region=city_b, platform_reviews_replies=True
    )
    world = World(
        province,
        city_a,
        city_b,
        county_a1,
        housing,
        property_mgmt,
        noise,
        traffic,
        prov_housing,
        a_housing,
        a1_housing,
        a_env,
        b_housing,
        prov_board,
        a_board,
        b_board,
    )
    u = world.users
    u["citizen"] = _user("citizen", Role.CITIZEN, phone="13800000001", email="citizen@example.cn", nickname="热心市民")
    u["other_citizen"] = _user("other_citizen", Role.CITIZEN, phone="13800000002")
    u["reviewer"] = _user("reviewer", Role.REVIEWER)
    u["dispatcher"] = _user("dispatcher", Role.DISPATCHER)
    u["handler"] = _user("handler", Role.HANDLER, unit=a_housing)
    u["unit_head"] = _user("unit_head", Role.UNIT_HEAD, unit=a_housing)
    u["parent_head"] = _user("parent_head", Role.UNIT_HEAD, unit=prov_housing)
    u["foreign_handler"] = _user("foreign_handler", Role.HANDLER, unit=b_housing)
    u["foreign_head"] = _user("foreign_head", Role.UNIT_HEAD, unit=b_housing)
    u["sub_handler"] = _user("sub_handler", Role.HANDLER, unit=a1_housing)
    u["env_handler"] = _user("env_handler", Role.HANDLER, unit=a_env)
    u["supervisor"] = _user("supervisor", Role.SUPERVISOR)
    u["region_b_reviewer"] = _user("region_b_reviewer", Role.REVIEWER, region=city_b)
    u["analyst"] = _user("analyst", Role.ANALYST)
    u["admin"] = _user("admin", Role.ADMIN, is_staff=True, is_superuser=True)
    return world


# Distinct complaints in turn: the same person writing the same text again and again is a repeated complaint
# (重复投诉, a key message), which tests that merely need "a message" should not trigger.
_BODIES = (
    "我住在A市A1区幸福小区{n}栋，电梯坏了两个月，物业一直不修，老人上下楼很困难，请帮忙解决。",
    "A1区和平路{n}号门前的路灯已经一个多月不亮了，晚上出行不方便，希望有关部门尽快修复。",
    "A1区锦绣华庭{n}期的下水道反复堵塞，污水漫到路面，气味难闻，多次找物业都没有解决。",
    "A1区阳光花园{n}号楼附近的垃圾桶每天满溢，清运车两三天才来一次，夏天蚊蝇很多。",
    "A1区翠湖湾{n}号楼旁边的小广场缺少健身器材，老人孩子没有活动的地方，建议增设一些设施。",
    "请问在A市A1区办理居住证需要准备哪些材料，{n}个工作日能办好吗？网上可以预约吗？",
)


def _default_body(n: int) -> str:
    return _BODIES[n % len(_BODIES)].format(n=n)


def submit(
    world: World,
    *,
    title: str = "小区电梯长期故障无人维修",
    body: str | None = None,
    author: str = "citizen",
    board: Board | None = None,
    **kw: Any,
) -> actions.Submission:
    # Each call writes a different text: the same text twice a day is refused as flooding.
    body = body or _default_body(next(_BUILDINGS))
    actor = world.actor(author)
    kw.setdefault("type", MessageType.COMPLAINT)
    kw.setdefault("category", world.housing)
    kw.setdefault("region", world.county_a1)
    if actor.user is None or actor.role != Role.CITIZEN:
        kw.setdefault("contact_phone", "13900000009")
    return actions.do_submit(actor, board=board or world.a_board, title=title, body=body, **kw)


# The path through the lifecycle that reaches each state; every step is a real action.
def message_in_state(world: World, state: str, **kw: Any) -> Message:
    w = world
    if state == State.SUBMITTED:
        sub = submit(w, **kw)
        # The only way to observe SUBMITTED is before intake; tests rewind the row to it.
        Message.objects.filter(pk=sub.message.pk).update(state=State.SUBMITTED)
        sub.message.refresh_from_db()
        return sub.message
    m = submit(w, **kw).message
    if state == State.UNDER_REVIEW:
        return m
    if state == State.REJECTED:
        return actions.do_reject(w.actor("reviewer"), m, reason_code="out_of_scope", reason="不属于受理范围")
    if state == State.ANSWERED_DIRECTLY:
        return actions.do_answer_directly(w.actor("reviewer"), m, body="根据相关规定，答复如下。")
    actions.do_accept(w.actor("reviewer"), m)
    if state == State.ACCEPTED:
        return m
    if state == State.MERGED:
        primary = submit(w, title="同一小区电梯故障", author="other_citizen").message
        actions.do_accept(w.actor("reviewer"), primary)
        return actions.do_merge_duplicate(w.actor("reviewer"), m, primary=primary)
    actions.do_dispatch(w.actor("dispatcher"), m, unit=w.a_housing)
    if state == State.DISPATCHED:
        return m
    actions.do_sign(w.actor("handler"), m)
    if state == State.IN_PROGRESS:
        return m
    if state == State.RETURN_REQUESTED:
        return actions.do_request_return(w.actor("handler"), m, reason="不属于本单位职能", basis="function")
    if state == State.WAITING_CITIZEN:
        return actions.do_wait_for_citizen(w.actor("handler"), m, question="请提供具体楼栋号")
    actions.do_submit_reply(w.actor("handler"), m, body="经核查，已督促物业于本周内完成电梯维修。")
    if state == State.REPLY_REVIEW:
        return m
    actions.do_approve_reply(w.actor("unit_head"), m)
    if state == State.REPLIED:
        return m
    if state == State.RATED:
        actions.do_rate(
            w.actor("citizen"), m, satisfaction=Satisfaction.UNSATISFIED, resolved=False, reason="电梯仍未修好"
        )
        return m
    actions.do_rate(w.actor("citizen"), m, satisfaction=Satisfaction.SATISFIED, resolved=True)
    if state == State.CLOSED:
        return m
    if state == State.ARCHIVED:
        return actions.do_archive(Actor.system(), m)
    raise ValueError(state)


def pending_request(world: World, message: Message, kind: str) -> HandlingRequest:
    """Test data: a pending unit request, created directly (requests can outlive the state they were made in)."""
    request = HandlingRequest.objects.create(
        message=message,
        kind=kind,
        unit=message.unit or world.a_housing,
        requested_by=world.users["handler"],
        requested_at=message.submitted_at + dt.timedelta(hours=1),
        reason="测试申请",
        requested_due_at=(message.due_at or message.submitted_at) + dt.timedelta(days=10),
    )
    if kind in (RequestKind.COHANDLING, RequestKind.TRANSFER):
        request.target_units.set([world.a_env])
    return request

"""The demo build: every reachable state, working logins, determinism, idempotence, consistent event trails."""

import itertools
from pathlib import Path

import pytest
from django.contrib.auth import authenticate

from liuyan.accounts.models import User
from liuyan.deadlines.models import CalendarDay, DeadlinePolicy
from liuyan.demo.build import BuildResult
from liuyan.demo.reference import DEPARTMENTS
from liuyan.demo.tests.conftest import MESSAGES, SEED, small_build
from liuyan.demo.users import LOGINS, PASSWORD, SHOWCASE_UNIT
from liuyan.geo.models import Region
from liuyan.messages.access import access_by_query_code, visible_messages_for
from liuyan.messages.models import Event, Message, RejectReason, Source, SupervisionLevel, WarningLight
from liuyan.messages.states import State
from liuyan.notify.models import Notification
from liuyan.orgs.catalogue import responsible_unit
from liuyan.orgs.models import Board, BoardLevel, CatalogueEntry, Unit
from liuyan.taxonomy.models import Category

pytestmark = pytest.mark.django_db


def _demo() -> "list[Message]":
    return list(Message.objects.filter(source=Source.DEMO).order_by("pk"))


def test_it_builds_the_requested_number_of_messages_without_failures(demo: BuildResult) -> None:
    assert demo.simulation is not None
    assert demo.simulation.failures == {}, demo.simulation.examples
    assert Message.objects.filter(source=Source.DEMO).count() == MESSAGES
    assert demo.build.built == MESSAGES and demo.build.finished_at is not None


def test_it_reaches_every_state_but_submitted(demo: BuildResult) -> None:
    states = {m.state for m in _demo()}
    assert states == set(State) - {State.SUBMITTED}


def test_it_rejects_with_every_reason_code(demo: BuildResult) -> None:
    reasons = {m.reject_reason for m in _demo() if m.reject_reason}
    assert reasons == set(RejectReason.values)


def test_it_shows_the_overlays_supervisors_look_for(demo: BuildResult) -> None:
    messages = _demo()
    assert any(m.warning == WarningLight.RED for m in messages)
    assert any(m.urge_count > 0 for m in messages)
    assert any(m.supervision_level == SupervisionLevel.ESCALATED and m.is_problem_case for m in messages)
    assert any(m.is_key for m in messages)
    assert any(m.reopen_count > 0 for m in messages)
    assert any(not m.is_public for m in messages)
    assert any(m.author_id is None and m.contact_phone for m in messages)
    assert any(m.state == State.MERGED and m.duplicate_of_id for m in messages)
    assert any(m.transfer_count or m.return_count for m in messages)
    assert any("138****" in m.public_body for m in messages)  # phone numbers in bodies are masked publicly


def test_it_builds_the_province(demo: BuildResult) -> None:
    assert Region.objects.filter(code="X01", name="西地省").exists()
    assert Region.objects.filter(code="110000").exists()  # the real divisions are loaded too
    assert Unit.objects.get(code=SHOWCASE_UNIT).name == "A市住房和城乡建设局"
    assert Unit.objects.filter(code__startswith="X01-").count() == sum(1 for d in DEPARTMENTS if d.province)
    assert Board.objects.filter(name="西地省委书记").exists() and Board.objects.filter(name="A市市长").exists()
    elevator = Category.objects.get(path="市场监管 / 特种设备 / 电梯安全")
    a3 = Region.objects.get(code="X010103")
    a1 = Region.objects.get(code="X010101")
    assert responsible_unit(elevator, a3) == Unit.objects.get(code="X0101-SJ")  # via the city
    assert responsible_unit(elevator, a1) == Unit.objects.get(code="X010101-SJ")  # a county with its own bureau
    heating = Category.objects.get(path="住房和城乡建设 / 市政公用事业 / 供暖")
    assert responsible_unit(heating, a3) == Unit.objects.get(code="X0101-CG")  # a deeper override
    assert DeadlinePolicy.objects.filter(category=heating, hours=24).exists()
    assert CalendarDay.objects.filter(date__year=2026).exists()
    ministries = Board.objects.filter(level=BoardLevel.NATIONAL)
    assert {b.name for b in ministries} >= {"住房和城乡建设部", "生态环境部"}
    assert all(b.unit is not None and b.region.code == "000000" for b in ministries)


def test_it_does_not_e_mail_the_simulated_past(demo: BuildResult) -> None:
    assert Notification.objects.exists()
    assert not Notification.objects.filter(delivered_at__isnull=True).exists()


def test_it_lets_each_role_log_in(demo: BuildResult) -> None:
    for login in LOGINS:
        user = authenticate(username=login.login, password=PASSWORD)
        assert isinstance(user, User), login.login
        assert user.role == login.role
    assert User.objects.get(username="handler").unit.code == SHOWCASE_UNIT  # type: ignore[union-attr]
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert authenticate(username="handler.x0102-rs", password=PASSWORD) is not None


def test_its_logins_see_demo_data(demo: BuildResult) -> None:
    handler = User.objects.get(username="handler")
    queue = visible_messages_for(handler)
    assert queue.filter(state=State.IN_PROGRESS).exists() and queue.filter(state=State.ARCHIVED).exists()
    assert visible_messages_for(User.objects.get(username="unit_head")).count() >= queue.count()
    citizen = User.objects.get(phone=LOGINS[0].login)
    assert Message.objects.filter(author=citizen).count() >= 5
    tracked = access_by_query_code(demo.build.showcase["number"], demo.build.showcase["code"])
    assert tracked.author_id is None and tracked.source == Source.DEMO


def test_it_writes_the_logins_table(demo: BuildResult) -> None:
    text = Path(demo.logins_path).read_text(encoding="utf-8")
    for login in LOGINS:
        assert login.login in text
    assert PASSWORD in text
    assert demo.build.showcase["number"] in text and demo.build.showcase["code"] in text


def test_it_keeps_every_event_trail_consistent(demo: BuildResult) -> None:
    trails: dict[int, list[Event]] = {}
    for event in Event.objects.filter(message__source=Source.DEMO).order_by("at", "id"):
        trails.setdefault(event.message_id, []).append(event)
    for message in _demo():
        events = trails[message.pk]
        assert events[0].action == "submit" and events[0].from_state == "", message.number
        for before, after in itertools.pairwise(events):
            assert after.from_state == before.to_state, (message.number, before.action, after.action)
            assert after.at >= before.at
        assert events[-1].to_state == message.state, message.number


def test_it_is_idempotent(demo: BuildResult, tmp_path: Path) -> None:
    models = (Region, Category, Unit, Board, CatalogueEntry, DeadlinePolicy, CalendarDay, User, Message, Event)
    before = {m.__name__: m._default_manager.count() for m in models}
    again = small_build(tmp_path)
    assert again.skipped and again.simulation is None
    assert {m.__name__: m._default_manager.count() for m in models} == before
    assert again.build.pk == demo.build.pk


def test_it_is_deterministic_for_a_seed(demo: BuildResult, tmp_path: Path) -> None:
    def fingerprint() -> list[tuple[str, str, str, str]]:
        rows = Message.objects.filter(source=Source.DEMO).values_list("title", "state", "type", "region__code")
        return sorted((t, s, k, r or "") for t, s, k, r in rows)

    first = fingerprint()
    rebuilt = small_build(tmp_path, reset=True)
    assert rebuilt.deleted == MESSAGES and not rebuilt.skipped
    assert fingerprint() == first
    assert rebuilt.states == demo.states


def test_a_different_seed_gives_different_messages(demo: BuildResult, tmp_path: Path) -> None:
    first = sorted(Message.objects.filter(source=Source.DEMO).values_list("title", flat=True))
    small_build(tmp_path, reset=True, seed=SEED + 1)
    assert sorted(Message.objects.filter(source=Source.DEMO).values_list("title", flat=True)) != first


def test_it_trains_the_intake_models_and_reads_the_waiting_messages_with_them(demo: BuildResult) -> None:
    from liuyan.intake.models import IntakeResult

    assert demo.models is not None
    assert set(demo.models.trained) | set(demo.models.kept) == {"category", "type", "department"}
    waiting = IntakeResult.objects.filter(message__source=Source.DEMO, message__state=State.ACCEPTED)
    assert waiting.exists()
    assert all(r.models_used.get("category") for r in waiting)
    assert any(r.suggestions and "unit" in r.suggestions[0] for r in waiting)

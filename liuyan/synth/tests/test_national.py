"""The national data set at a small scale: every calibrated figure, determinism, realism of rows, bad input."""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from liuyan.messages.models import Event, Message, Rating, Reply
from liuyan.messages.states import HANDLING_STATES, State
from liuyan.rollups.rebuild import check
from liuyan.synth import calibration as cal
from liuyan.synth import figures, national
from liuyan.synth.models import SynthRun

SCALE = 0.005  # ≈ 27,500 messages: every share within 0.1 pp, a few seconds to write
SEED = 7
PP = 0.1


class _Rollback(Exception):
    pass


def _generate(seed: int, scale: float, measure: Any, workers: int | None = None) -> Any:
    """Generate into the test database, measure, and roll everything back."""
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            out["result"] = national.generate(seed=seed, scale=scale, workers=workers)
            out["measured"] = measure()
            raise _Rollback
    except _Rollback:
        pass
    return out


def _generate_committed(seed: int, scale: float, measure: Any, workers: int) -> Any:
    """Generate with committed writes (what worker processes need to see the reference data), measure, flush."""
    try:
        national.generate(seed=seed, scale=scale, workers=workers)
        return measure()
    finally:
        call_command("flush", interactive=False, verbosity=0)


def _sample() -> dict[str, Any]:
    m = figures.measured()
    messages = Message.objects.all()
    first = messages.filter(state=State.ARCHIVED, rated_at__isnull=False).order_by("pk").first()
    sample: dict[str, Any] = {
        "figures": m,
        "differences": check(),
        "states": dict.fromkeys(sorted(set(messages.values_list("state", flat=True)))),
        "unhandled_without_unit": messages.filter(state__in=sorted(HANDLING_STATES), unit=None).count(),
        "replied_without_reply": messages.filter(replied_at__isnull=False).exclude(replies__status="published").count(),
        "rated_without_rating": messages.filter(rated_at__isnull=False, ratings=None).count(),
        "valid_without_leaf": messages.filter(category__children__isnull=False).count(),
        "events_of_first": list(Event.objects.filter(message=first).values_list("action", flat=True)),
        "first": first,
        "replies": Reply.objects.count(),
        "ratings": Rating.objects.count(),
        "region_levels": set(messages.values_list("region__level", flat=True).distinct()),
    }
    try:
        from liuyan.reports.period import build_report, parse_period
    except ImportError:  # the period report is being built alongside
        return sample
    sample["report"] = build_report(parse_period("十四五"), parse_period("十三五"))
    return sample


@pytest.fixture(scope="module")
def sample(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock():
        yield _generate(SEED, SCALE, _sample)


def near(value: float, target: float, tolerance: float = PP) -> bool:
    return abs(value - target) <= tolerance + 1e-9


def test_it_reproduces_the_volumes_and_reply_rates(sample: dict[str, Any]) -> None:
    f, e = sample["measured"]["figures"], figures.expected(SCALE)
    for name in ("valid_13", "valid_14", "replied_13", "replied_14", "suggestions_replied_14", "rated_14"):
        assert abs(f[name] - e[name]) <= 1, name
    assert near(f["growth_pct"], 178.8)
    assert near(f["reply_rate_13"], 83.1) and near(f["reply_rate_14"], 94.3)
    assert near(f["satisfaction_14"], 83.3)
    assert 88 < f["satisfaction_incl_basic_14"] < 96  # 满意 + 基本满意: plausible, not published
    assert abs(f["messages"] - round(5_500_000 * SCALE)) < 0.01 * 5_500_000 * SCALE


def test_it_reproduces_the_region_figures(sample: dict[str, Any]) -> None:
    f, e = sample["measured"]["figures"], figures.expected(SCALE)
    for year in (2021, 2025):
        for name in ("广东", "山东", "江苏"):
            key = f"region_share_{year}_{name}"
            assert near(f[key], e[key]), (key, f[key])
    assert f["top_reply_volume_14"] == ["河南", "广东", "山东"]
    assert f["above_99_14"] == sorted(cal.ABOVE_99)
    assert max(r for n, r in f["reply_rate_14_by_province"].items() if n not in cal.ABOVE_99) < 99
    assert f["yunnan_2025_valid"] >= cal.YUNNAN_MIN_2025 * SCALE
    assert f["yunnan_2025_closure"] > 98
    assert f["henan_2025_satisfaction"] > 85
    assert abs(f["gansu_2025_secretary"] - e["gansu_2025_secretary"]) <= 1
    assert abs(f["gansu_2025_auto"] - e["gansu_2025_auto"]) <= 1


def test_it_reproduces_the_domain_figures(sample: dict[str, Any]) -> None:
    f, e = sample["measured"]["figures"], figures.expected(SCALE)
    changes = {"住房和城乡建设": -12.7, "教育": -3.8, "人力资源和社会保障": 8.7, "市场监管": 6.1}
    for name, change in changes.items():
        a, b = f[f"domain_share_2021_{name}"], f[f"domain_share_2025_{name}"]
        assert near(b - a, change), (name, a, b)
    assert near(f["domain_share_2021_住房和城乡建设"], 37.6) and near(f["domain_share_2025_住房和城乡建设"], 24.9)
    for name in cal.SUGGESTION_RISERS:
        assert f[f"suggestion_share_2025_{name}"] - f[f"suggestion_share_2021_{name}"] > 10, name
    for name, rate in e["satisfaction_14_by_domain"].items():
        assert near(f["satisfaction_14_by_domain"][name], rate), (name, f["satisfaction_14_by_domain"][name])
    assert f["top_satisfaction_14"] == list(cal.TOP_SATISFACTION)
    few = [f[f"suggestion_share_{y}_{d.name}"] for y in (2021,) for d in cal.DOMAINS]
    assert min(few) > 2  # the 人民建议 column opened in 2021 …
    assert sample["measured"]["figures"]["valid_13"] > 0


def test_it_agrees_with_the_period_report(sample: dict[str, Any]) -> None:
    report = sample["measured"].get("report")
    if report is None:
        pytest.skip("liuyan.reports.period is not there yet")
    assert near(report["valid_growth_pct"], 178.8)
    assert near(report["reply_rate"]["period"], 94.3) and near(report["reply_rate"]["baseline"], 83.1)
    assert near(report["satisfaction_rate"], 83.3)
    assert list(report["reply_volume_by_region"])[:3] == ["河南省", "广东省", "山东省"]
    assert sorted(report["regions_reply_rate_above_99"]) == sorted(["辽宁省", "海南省", "北京市", "安徽省"])
    assert near(report["domain_share_change_pp"]["住房和城乡建设"], -12.7)
    assert list(report["satisfaction_by_domain"])[:3] == list(cal.TOP_SATISFACTION)


def test_it_writes_rows_the_platform_can_show(sample: dict[str, Any]) -> None:
    s = sample["measured"]
    assert s["differences"] == []  # the rollups were rebuilt from these very rows
    assert s["unhandled_without_unit"] == 0
    assert s["replied_without_reply"] == 0 and s["rated_without_rating"] == 0
    assert s["valid_without_leaf"] == 0
    assert {State.ARCHIVED, State.CLOSED, State.IN_PROGRESS, State.REJECTED} <= set(s["states"])
    assert s["events_of_first"][:4] == ["submit", "intake", "accept", "dispatch"]
    assert {"sign", "record_contact", "submit_reply", "approve_reply", "rate", "close", "archive"} <= set(
        s["events_of_first"]
    )
    assert s["region_levels"] <= {2, 3}
    result = sample["result"]
    assert result.rows["reply"] == s["replies"] and result.rows["rating"] == s["ratings"]


@pytest.mark.django_db(transaction=True)
def test_it_is_deterministic_for_a_seed_however_many_processes_compose_it() -> None:
    def fingerprint() -> Any:
        rows = Message.objects.order_by("pk").values_list(
            "pk", "number", "state", "region__code", "title", "replied_at", "duplicate_of_id"
        )
        # Per message, in the order written: on PostgreSQL the workers COPY their batches side by side, so the
        # event ids of two batches interleave in the order the writes happened to land (ids, not data).
        events = Event.objects.order_by("message_id", "pk").values_list("message_id", "action", "at", "data")
        replies = Reply.objects.order_by("pk").values_list("pk", "message_id", "body")
        ratings = Rating.objects.order_by("pk").values_list("pk", "message_id", "satisfaction", "reason")
        return figures.measured(), list(rows), list(events), list(replies), list(ratings)

    b = _generate_committed(3, 0.002, fingerprint, workers=2)
    a = _generate(3, 0.002, fingerprint, workers=0)["measured"]
    c = _generate(4, 0.002, fingerprint, workers=0)["measured"]
    assert a == b
    assert a[0]["valid_14"] == c[0]["valid_14"] and a[1][:200] != c[1][:200]  # the same quotas, other texts and times


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["provincial", "--seed", "1"], ("未知的数据集", "unknown data set")),
        (["national", "--seed", "1", "--scale", "0"], ("比例", "--scale must be")),
        (["national", "--seed", "1", "--scale", "0.001"], ("比例", "--scale must be")),
        (["national", "--seed", "1", "--scale", "1.5"], ("比例", "--scale must be")),
        (["national", "--seed", "1", "--scale", "-0.1"], ("比例", "--scale must be")),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(argv: list[str], words: tuple[str, str]) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("synth", *argv, stdout=io.StringIO(), stderr=io.StringIO())
    assert all(w in str(caught.value) for w in words)
    assert not Message.objects.exists() and not SynthRun.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_database_that_already_has_messages(world: Any) -> None:
    from tests.world import submit

    submit(world)
    before = (Message.objects.count(), Event.objects.count())
    with pytest.raises(CommandError) as caught:
        call_command("synth", "national", "--seed", "1", "--scale", "0.002", stdout=io.StringIO())
    assert "已有 1 条留言" in str(caught.value) and "already holds 1 message" in str(caught.value)
    assert (Message.objects.count(), Event.objects.count()) == before
    assert not SynthRun.objects.exists()


@pytest.mark.django_db
def test_it_refuses_to_continue_after_an_interrupted_run() -> None:
    from django.utils import timezone

    SynthRun.objects.create(dataset="national", seed=1, scale=0.1, started_at=timezone.now())
    with pytest.raises(CommandError) as caught:
        call_command("synth", "national", "--seed", "1", "--scale", "0.002", stdout=io.StringIO())
    assert "未完成" in str(caught.value) and "did not finish" in str(caught.value)
    assert not Message.objects.exists()

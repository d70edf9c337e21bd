"""智能判处 · 自动交办 with trained models: suggestions, the confidence gate per board, corrections kept."""

import random

import pytest

from liuyan.accounts.models import Role
from liuyan.classify import store
from liuyan.classify.data import Example
from liuyan.intake.models import Decision, ExampleSource, IntakeResult, LabeledExample
from liuyan.messages import actions
from liuyan.messages.models import Event, Message
from liuyan.messages.states import State
from liuyan.orgs.catalogue import set_responsible_unit
from liuyan.web.tests.helpers import client_for
from tests.world import World, submit

VOCABULARY = {
    "城乡建设 / 住房保障": ["公租房", "廉租房", "保障房", "住房补贴", "棚户区改造", "经适房"],
    "城乡建设 / 物业管理": ["物业公司", "物业费", "电梯", "楼道", "业委会", "保安"],
    "环境保护 / 噪音污染": ["噪音", "广场舞", "施工噪声", "夜间施工", "音响", "扰民"],
    "交通运输": ["公交车", "红绿灯", "停车场", "出租车", "道路拥堵", "斑马线"],
}
FILLER = ["请问", "希望", "相关部门", "尽快", "处理", "我们", "附近", "最近", "反映", "问题", "谢谢", "严重"]
NOISE_TEXT = "A市A1区幸福小区附近最近夜间施工噪音很大，施工噪声和音响扰民严重，希望相关部门尽快处理。"


def _sentence(rng: random.Random, label: str) -> str:
    words = rng.sample(FILLER, 4) + rng.sample(VOCABULARY[label], 3)
    rng.shuffle(words)
    return "，".join(["".join(words[:4]), "".join(words[4:])]) + "。"


def _examples(label_of: dict[str, str], per_label: int = 30) -> list[Example]:
    rng = random.Random(7)
    return [Example(_sentence(rng, path), label_of[path]) for _ in range(per_label) for path in VOCABULARY]


@pytest.fixture
def trained(world: World) -> World:
    """A category model over the world's taxonomy, a department router over its units, and a catalogue in which
    A市 noise goes to the environment bureau and housing and property to the housing bureau (traffic: none)."""
    w = world
    for category, unit in ((w.housing, w.a_housing), (w.property_mgmt, w.a_housing), (w.noise, w.a_env)):
        set_responsible_unit(category, w.city_a, unit)
    store.train("category", _examples({p: p for p in VOCABULARY}), source_description="test vocabulary")
    units = {
        "城乡建设 / 住房保障": "A-ZJJ",
        "城乡建设 / 物业管理": "A-ZJJ",
        "环境保护 / 噪音污染": "A-HBJ",
        "交通运输": "A-HBJ",  # the router learned this from (made-up) history
    }
    store.train("department", _examples(units), source_description="test history")
    return w


def _auto(world: World, threshold: float | None = 0.5) -> None:
    world.a_board.auto_dispatch = True
    world.a_board.auto_dispatch_threshold = threshold
    world.a_board.save()


def test_it_auto_dispatches_a_confident_message_when_it_is_accepted(trained: World) -> None:
    w = trained
    _auto(w)
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    m.refresh_from_db()
    assert m.category_id == w.noise.pk  # filled in: the model is sure
    result = IntakeResult.objects.get(message=m)
    assert result.decision == Decision.AUTO and result.suggestions[0]["code"] == "A-HBJ"
    assert "噪音" in result.suggestions[0]["reason_zh"] or "噪" in result.category_reason
    actions.do_accept(w.actor("reviewer"), m)
    m.refresh_from_db()
    assert m.state == State.DISPATCHED and m.unit_id == w.a_env.pk
    dispatch = Event.objects.get(message=m, action="dispatch")
    assert dispatch.actor_role == Role.SYSTEM and dispatch.data["confidence"] >= 0.5
    assert dispatch.reason.startswith("自动交办")


def test_without_a_board_threshold_the_models_own_threshold_decides(trained: World) -> None:
    w = trained
    _auto(w, threshold=None)
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    result = IntakeResult.objects.get(message=m)
    model = store.load_active("category")
    assert model is not None and result.threshold == model.threshold


def test_an_unsure_message_waits_for_a_dispatcher_with_suggestions(trained: World) -> None:
    w = trained
    _auto(w, threshold=0.9999)
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    result = IntakeResult.objects.get(message=m)
    assert result.decision == Decision.HUMAN and "低于阈值" in result.reason_zh
    assert next(s["code"] for s in result.suggestions if "code" in s) == "A-HBJ"
    actions.do_accept(w.actor("reviewer"), m)
    m.refresh_from_db()
    assert m.state == State.ACCEPTED


def test_a_board_without_auto_dispatch_leaves_it_to_people(trained: World) -> None:
    w = trained
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    result = IntakeResult.objects.get(message=m)
    assert result.decision == Decision.HUMAN and "未开启自动交办" in result.reason_zh
    actions.do_accept(w.actor("reviewer"), m)
    assert Message.objects.get(pk=m.pk).state == State.ACCEPTED


def test_a_chosen_category_that_leads_elsewhere_goes_to_people(trained: World) -> None:
    w = trained
    _auto(w)
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=w.housing).message
    result = IntakeResult.objects.get(message=m)
    assert result.decision == Decision.HUMAN
    assert "category_disagrees" in result.reason_en or "不一致" in result.reason_zh


def test_a_category_changed_by_the_reviewer_is_routed_again(trained: World) -> None:
    w = trained
    _auto(w)
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=w.housing).message
    assert IntakeResult.objects.get(message=m).decision == Decision.HUMAN
    actions.do_reclassify(w.actor("reviewer"), m, category=w.noise, reason="应属噪音污染")
    actions.do_accept(w.actor("reviewer"), m)
    m.refresh_from_db()
    assert m.state == State.DISPATCHED and m.unit_id == w.a_env.pk
    example = LabeledExample.objects.get(task="category", message=m)
    assert example.label == w.noise.path and example.source == ExampleSource.RECLASSIFY


def test_where_the_catalogue_is_silent_the_learned_router_suggests(trained: World) -> None:
    w = trained
    m = submit(
        w, title="路口红绿灯坏了", body="A市A1区附近最近红绿灯坏了，斑马线上出租车和公交车抢行，希望尽快处理。"
    ).message
    result = IntakeResult.objects.get(message=m)
    first = result.suggestions[0]
    assert first["source"] == "router" and first["code"] == "A-HBJ"
    assert "历史交办" in first["reason_zh"]
    assert result.decision == Decision.HUMAN  # the board does not auto-dispatch


def test_a_dispatchers_correction_is_kept_as_a_labelled_example(trained: World) -> None:
    w = trained
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    actions.do_accept(w.actor("reviewer"), m)
    actions.do_dispatch(w.actor("dispatcher"), m, unit=w.a_housing)
    example = LabeledExample.objects.get(task="department", message=m)
    assert (example.label, example.predicted, example.source) == ("A-ZJJ", "A-HBJ", ExampleSource.CORRECTION)
    assert example.created_by == w.users["dispatcher"] and example.is_correction


def test_an_automatic_dispatch_is_not_a_labelled_example(trained: World) -> None:
    w = trained
    _auto(w)
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    actions.do_accept(w.actor("reviewer"), m)
    assert not LabeledExample.objects.filter(message=m, task="department").exists()


def test_the_dispatch_queue_shows_the_suggestions_with_their_confidence(trained: World) -> None:
    w = trained
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT, category=None).message
    actions.do_accept(w.actor("reviewer"), m)
    html = client_for(w, "dispatcher").get("/work/dispatch/").content.decode()
    assert w.a_env.name in html and "置信度" in html


def test_the_workspace_shows_what_intake_read(trained: World) -> None:
    w = trained
    m = submit(w, title="夜间施工噪音扰民", body=NOISE_TEXT + "联系电话13812345678", category=None).message
    html = client_for(w, "reviewer").get(f"/work/m/{m.number}/").content.decode()
    assert 'data-testid="intake-reading"' in html and "13812345678" in html
    analyst = client_for(w, "analyst").get(f"/work/m/{m.number}/").content.decode()
    assert 'data-testid="intake-reading"' in analyst and "13812345678" not in analyst

"""Training data of the platform's own: the demo corpus and the history of people's decisions."""

import io
import random

from django.core.management import call_command
from django.utils import timezone

from liuyan.classify import store
from liuyan.intake.models import ExampleSource, LabeledExample
from liuyan.intake.training import corpus_examples, history_examples
from liuyan.messages import actions
from liuyan.messages.states import State
from liuyan.taxonomy.models import Category
from tests.world import World, message_in_state

WORDS = {"A-ZJJ": ["物业费", "电梯", "公租房", "楼道"], "A-HBJ": ["噪音", "油烟", "污水", "扬尘"]}


def _loose(world: World, n: int = 8) -> None:
    rng = random.Random(3)
    for label, words in WORDS.items():
        for _ in range(n):
            LabeledExample.objects.create(
                task="department",
                text="我们小区附近" + "".join(rng.sample(words, 3)) + "问题严重，请尽快处理。",
                label=label,
                source=ExampleSource.DISPATCH,
                created_at=timezone.now(),
                created_by=world.users["dispatcher"],
            )


def test_the_demo_corpus_labels_every_text_with_a_taxonomy_path(world: World) -> None:
    examples = corpus_examples("category", per_topic=2)
    assert len(examples) > 100 and all(" / " in e.label or e.label == "其他" for e in examples)
    kinds = {e.label for e in corpus_examples("type", per_topic=2)}
    assert kinds <= {"complaint", "help", "inquiry", "suggestion", "thanks"} and len(kinds) >= 4


def test_history_gives_answered_messages_with_their_unit_and_corrections_win(world: World) -> None:
    replied = message_in_state(world, State.REPLIED)
    waiting = message_in_state(world, State.ACCEPTED)
    by_text = {e.text: e.label for e in history_examples("department")}
    assert by_text[f"{replied.title}\n{replied.body}"] == "A-ZJJ"
    assert f"{waiting.title}\n{waiting.body}" not in by_text  # nobody has answered it yet
    LabeledExample.objects.create(
        task="department",
        message=replied,
        text=f"{replied.title}\n{replied.body}",
        label="A-HBJ",
        source=ExampleSource.RETURN,
        created_at=timezone.now(),
    )
    assert {e.text: e.label for e in history_examples("department")}[f"{replied.title}\n{replied.body}"] == "A-HBJ"


def test_history_gives_reviewed_categories_including_a_reviewers_fix(world: World) -> None:
    m = message_in_state(world, State.UNDER_REVIEW)
    assert history_examples("category") == []  # not reviewed yet
    actions.do_reclassify(world.actor("reviewer"), m, category=world.noise, reason="应为噪音")
    actions.do_accept(world.actor("reviewer"), m)
    labels = [e.label for e in history_examples("category")]
    assert labels == [Category.objects.get(pk=world.noise.pk).path]


def test_liuyan_model_train_from_history_trains_and_activates_a_router(world: World) -> None:
    _loose(world)
    out = io.StringIO()
    call_command("model", "train", "--task", "department", "--from-history", stdout=out)
    model = store.load_active("department")
    assert model is not None and set(model.labels) == {"A-ZJJ", "A-HBJ"}
    assert "平台办理历史" in model.meta["source_description"] and model.version in out.getvalue()
    assert model.predict(["小区里油烟和噪音很严重"])[0].label == "A-HBJ"

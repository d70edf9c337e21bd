"""The demo's own models: trained on the project's synthetic corpus and on the demo's simulated history."""

from dataclasses import dataclass, field

from liuyan.classify import store
from liuyan.intake.training import corpus_examples, history_examples

# Examples per corpus topic: enough for the demo's templates; the demo build stays quick.
DEMO_PER_TOPIC = 40
DEMO_TASKS = ("category", "type", "department")


@dataclass
class DemoModels:
    trained: dict[str, str] = field(default_factory=dict)  # task → version
    kept: dict[str, str] = field(default_factory=dict)  # task → version already active (not replaced)
    skipped: dict[str, str] = field(default_factory=dict)  # task → why not


def ensure_demo_models(*, per_topic: int = DEMO_PER_TOPIC, seed: int = 2026) -> DemoModels:
    """Train and activate a model per task where none is active: category and type on the demo corpus (our own
    templates, no real text), the department router on the simulated history's dispatches. An active model (one
    an administrator trained) is kept."""
    out = DemoModels()
    for task in DEMO_TASKS:
        active = store.active_version(task)
        if active is not None:
            out.kept[task] = active
            continue
        if task == "department":
            examples = history_examples(task)
            source = "演示数据的模拟办理历史 / the demo's simulated dispatch history"
        else:
            examples = corpus_examples(task, per_topic=per_topic, seed=seed)
            source = "演示语料（项目自有模板） / the demo corpus (the project's own templates)"
        if len({e.label for e in examples}) < 2:
            out.skipped[task] = "too few labels"
            continue
        out.trained[task] = store.train(task, examples, source_description=source, seed=seed)
    return out

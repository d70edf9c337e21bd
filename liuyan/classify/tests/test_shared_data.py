"""The real labelled files in ../shared/data load as expected and a model trained on a subsample is useful.

Fast sanity checks, not the benchmark (`python -m bench.classify` measures the targets on the full files).
"""

import random
from pathlib import Path

import pytest
from django.conf import settings

from liuyan.classify import store
from liuyan.classify.data import DEPARTMENT_ALIASES, Example, read_labeled_file
from liuyan.classify.training import evaluate, fit_and_validate

DATA = Path(settings.SHARED_DATA_DIR)

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not (DATA / "tipdm2020c").is_dir(), reason=f"shared data not available: {DATA}"),
]


def source(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def subsample(examples: list[Example], per_label: int, seed: int = 0) -> list[Example]:
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for e in examples:
        by_label.setdefault(e.label, []).append(e)
    chosen: list[Example] = []
    for label in sorted(by_label):
        group = by_label[label]
        chosen.extend(rng.sample(group, min(per_label, len(group))))
    return chosen


@pytest.mark.parametrize(
    ("name", "fmt", "rows", "examples", "labels"),
    [
        ("tipdm2020c/train_segmented.csv", "contest-segmented", 7751, 7751, 7),
        ("tipdm2020c/dev_raw.csv", "contest-raw", 494, 494, 7),
        ("msgabench/messages.csv", "msgabench-messages", 9209, 9209, 3),
        ("msgabench/qa_department.csv", "msgabench-qa", 1852, 1843, 19),
    ],
)
def test_it_reads_the_shared_files(name, fmt, rows, examples, labels):
    loaded = read_labeled_file(source(name))
    assert loaded.format == fmt
    assert (loaded.rows, len(loaded.examples), loaded.skipped) == (rows, examples, rows - examples)
    assert len({e.label for e in loaded.examples}) == labels
    assert all(e.text.strip() for e in loaded.examples)


def test_every_department_spelling_in_the_file_is_canonical():
    loaded = read_labeled_file(source("msgabench/qa_department.csv"))
    names = {e.label for e in loaded.examples}
    assert not names & (set(DEPARTMENT_ALIASES) - set(DEPARTMENT_ALIASES.values()))
    assert "北京市公安局公安交通管理局" in names and "交管局" not in names
    assert all(n.startswith(("北京", "首都之窗")) for n in names)


def test_a_category_model_from_segmented_text_reads_raw_messages(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    train = subsample(read_labeled_file(source("tipdm2020c/train_segmented.csv")).examples, per_label=200)
    version = store.train("category", train, source_description="subsample of train_segmented.csv")
    loaded = store.load("category", version)
    dev = read_labeled_file(source("tipdm2020c/dev_raw.csv")).examples
    metrics = evaluate(loaded.classifier, dev, loaded.threshold)
    # The full file reaches about 0.85 on dev_raw; 200 examples per label still do far better than chance (0.14).
    assert metrics["macro_f1"] > 0.7
    assert loaded.meta["validation"]["macro_f1"] > 0.75
    [prediction] = loaded.predict([dev[0].text])
    assert prediction.reason_terms


def test_a_type_model_learns_request_types():
    examples = subsample(read_labeled_file(source("msgabench/messages.csv")).examples, per_label=400)
    result = fit_and_validate(examples, seed=1)
    assert result.metrics["macro_f1"] > 0.65  # chance is 0.33; the full file reaches about 0.82

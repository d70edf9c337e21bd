"""`liuyan model train | evaluate | list | use` and its errors."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liuyan.classify import store
from liuyan.classify.tests import synthetic


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    store.forget_cache()
    yield settings.VAR_DIR
    store.forget_cache()


def labeled_csv(path: Path, per_label: int = 12, seed: int = 1) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "一级标签", "seg_text"])
        for i, e in enumerate(synthetic.examples(per_label=per_label, seed=seed)):
            writer.writerow([i, e.label, e.text])
        writer.writerow(["x", "", "没有标签的一行"])
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("model", *args, stdout=out)
    return out.getvalue()


def test_train_prints_metrics_and_activates(tmp_path):
    path = labeled_csv(tmp_path / "train.csv")
    output = run("train", "--task", "category", "--labeled", str(path), "--target-precision", "0.9", "--seed", "4")
    assert "train.csv: contest-segmented, 37 行 rows, 36 条样本 examples, 1 行跳过 skipped" in output
    assert "macro-F1" in output and "auto-dispatch threshold" in output
    [model] = store.list_models("category")
    assert model.active and model.version in output
    meta = store.load("category", model.version).meta
    assert meta["seed"] == 4 and meta["target_precision"] == 0.9
    [source] = meta["sources"]
    assert (source["file"], source["rows"], source["examples"], source["skipped"]) == ("train.csv", 37, 36, 1)
    assert len(source["sha256"]) == 64


def test_evaluate_prints_the_json_figures(tmp_path):
    train = labeled_csv(tmp_path / "train.csv", seed=1)
    test = labeled_csv(tmp_path / "test.csv", per_label=8, seed=2)
    run("train", "--task", "category", "--labeled", str(train))
    result = json.loads(run("evaluate", "--task", "category", "--labeled", str(test), "--json"))
    assert {"macro_f1", "accuracy", "per_class", "auto_dispatch"} <= set(result)
    assert result["examples"] == 24
    assert result["accuracy"] >= 0.9 and result["macro_f1"] >= 0.9
    assert set(result["per_class"]) == set(synthetic.VOCABULARY)
    assert set(result["per_class"]["交通运输"]) == {"precision", "recall", "f1", "support"}
    assert result["per_class"]["交通运输"]["support"] == 8
    auto = result["auto_dispatch"]
    assert set(auto) == {"threshold", "coverage", "precision"}
    active = store.load_active("category")
    assert active is not None and auto["threshold"] == active.threshold  # the model's own threshold


def test_evaluate_a_named_version_and_list_and_use(tmp_path):
    path = labeled_csv(tmp_path / "train.csv")
    run("train", "--task", "type", "--labeled", str(path), "--label-col", "一级标签")
    run("train", "--task", "type", "--labeled", str(path), "--seed", "1")
    first, second = (m.version for m in store.list_models("type"))
    listing = run("list", "--task", "type")
    assert f"  type       {first}" in listing and f"* type       {second}" in listing
    run("use", "--task", "type", first)
    assert store.active_version("type") == first
    result = json.loads(run("evaluate", "--task", "type", "--labeled", str(path), "--version", second, "--json"))
    assert result["version"] == second
    listed = json.loads(run("list", "--json"))
    assert [m["active"] for m in listed] == [True, False]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--task", "category", "--labeled", "/nonexistent/x.csv"], "no such file"),
        (["train", "--task", "category", "--labeled", "{train}", "--text-col", "正文"], "missing column(s): 正文"),
        (["train", "--task", "category", "--labeled", "{train}", "--target-precision", "2"], "target precision"),
        (["train", "--task", "category", "--labeled", "{tiny}"], "not enough training examples"),
        (["evaluate", "--task", "category", "--labeled", "{train}"], "no active model for task category"),
        (["evaluate", "--task", "category", "--labeled", "{train}", "--version", "nope"], "no model version"),
        (["use", "--task", "category", "20990101-0000-category-deadbeef"], "no model version"),
    ],
)
def test_bad_input_is_a_bilingual_command_error(tmp_path, args, message):
    train = labeled_csv(tmp_path / "train.csv")
    tiny = labeled_csv(tmp_path / "tiny.csv", per_label=1)
    args = [a.format(train=train, tiny=tiny) for a in args]
    with pytest.raises(CommandError) as caught:
        run(*args)
    text = str(caught.value)
    assert message in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text.split(" / ")[0])  # the Chinese half comes first
    # Nothing was written for a failed training.
    models = Path(store.models_root())
    assert not models.exists() or not any(p.name.startswith(".tmp") for p in models.rglob("*"))
    assert store.list_models() == []

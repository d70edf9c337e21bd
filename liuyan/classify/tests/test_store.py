"""Model artifacts: versions on disk, meta.json, the active pointer, listing, rollback, the per-process cache."""

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from liuyan.classify import store
from liuyan.classify.tests import synthetic
from liuyan.common.errors import InvalidInput, NotFound


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    store.forget_cache()
    yield settings.VAR_DIR
    store.forget_cache()


def train(task: str = "category", seed: int = 0, **kw) -> str:
    return store.train(
        task, synthetic.examples(per_label=12, seed=seed), source_description=f"synthetic seed {seed}", seed=seed, **kw
    )


def test_it_writes_a_versioned_model_with_its_meta_and_activates_it(var_dir):
    version = train()
    directory = var_dir / "models" / "category" / version
    assert sorted(p.name for p in directory.iterdir()) == ["meta.json", "model.joblib"]
    assert (var_dir / "models" / "category" / "ACTIVE").read_text().strip() == version
    assert re.fullmatch(r"\d{8}-\d{4}-category-[0-9a-f]{8}", version)
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert meta["task"] == "category" and meta["version"] == version
    assert meta["labels"] == sorted(synthetic.VOCABULARY)
    assert meta["examples"] == {"total": 36, "train": 30, "validation": 6}
    assert meta["target_precision"] == 0.98
    assert meta["source_description"] == "synthetic seed 0"
    assert set(meta["validation"]) >= {"macro_f1", "accuracy", "per_class", "auto_dispatch"}
    assert meta["threshold"] == meta["validation"]["auto_dispatch"]["threshold"]
    assert {"python", "scikit-learn", "numpy", "scipy", "joblib", "opencc"} <= set(meta["libraries"])
    assert meta["model_bytes"] == (directory / "model.joblib").stat().st_size
    assert directory.stat().st_mode & 0o777 == 0o755  # readable by the other processes of the platform
    assert (var_dir / "models" / "category" / "ACTIVE").stat().st_mode & 0o444 == 0o444
    # Nothing else is left behind: no staging directory, no temporary pointer.
    assert sorted(p.name for p in (var_dir / "models" / "category").iterdir()) == sorted(["ACTIVE", version])


def test_load_active_predicts_and_caches_until_the_pointer_moves():
    assert store.load_active("category") is None
    first = train(seed=0)
    loaded = store.load_active("category")
    assert loaded is not None and loaded.version == first
    assert store.load_active("category") is loaded  # cached
    [prediction] = loaded.predict(["地铁站附近的红绿灯坏了"])
    assert prediction.label == "交通运输"
    assert loaded.auto_dispatchable(prediction) == (
        loaded.threshold is not None and prediction.confidence >= loaded.threshold
    )
    second = train(seed=1)
    assert second != first
    reloaded = store.load_active("category")
    assert reloaded is not None and reloaded.version == second
    store.use("category", first)  # roll back
    rolled_back = store.load_active("category")
    assert rolled_back is not None and rolled_back.version == first


def test_list_models_marks_the_active_version():
    first = train(seed=0)
    second = train(seed=1, activate=False)
    other = train("type", seed=2)
    listed = store.list_models("category")
    assert [m.version for m in listed] == [first, second]
    assert [m.active for m in listed] == [True, False]
    assert listed[0].labels == 3 and listed[0].examples == 36
    assert listed[0].macro_f1 is not None
    assert {m.version for m in store.list_models()} == {first, second, other}
    assert store.list_models("department") == []


def test_use_refuses_unknown_versions_and_leaves_the_pointer_alone():
    version = train()
    with pytest.raises(NotFound, match="no model version"):
        store.use("category", "20990101-0000-category-deadbeef")
    with pytest.raises(NotFound):
        store.use("category", "../../etc")
    assert store.active_version("category") == version


def test_a_failed_save_leaves_no_half_written_version(var_dir, monkeypatch):
    import joblib

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(joblib, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        train()
    directory = var_dir / "models" / "category"
    assert list(directory.iterdir()) == []
    assert store.load_active("category") is None


def test_a_pointer_to_a_removed_version_means_no_model(var_dir):
    version = train()
    (var_dir / "models" / "category" / "ACTIVE").write_text("20990101-0000-category-deadbeef\n")
    assert store.load_active("category") is None
    store.use("category", version)
    assert store.load_active("category") is not None


def test_task_names_are_checked():
    with pytest.raises(InvalidInput, match="invalid task name"):
        store.load_active("../x")
    with pytest.raises(InvalidInput, match="invalid task name"):
        store.list_models("A B")


def test_the_platform_can_train_with_its_own_labels():
    examples = [
        synthetic.Example(e.text, {"交通运输": "U-TRAFFIC", "教育文体": "U-EDU", "环境保护": "U-ENV"}[e.label])
        for e in synthetic.examples(per_label=12)
    ]
    version = store.train("department", examples, source_description="history", target_precision=0.9)
    loaded = store.load("department", version)
    assert loaded.labels == ["U-EDU", "U-ENV", "U-TRAFFIC"]
    assert loaded.meta["target_precision"] == 0.9
    assert os.path.basename(str(loaded.meta.get("sources", []))) == "[]"

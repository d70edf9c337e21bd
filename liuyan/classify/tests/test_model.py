"""The classifier: features, predictions with calibrated confidences and reasons, the auto-dispatch threshold."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from liuyan.classify.features import BatchGrams, CharTfidf, decode_gram, feature_text
from liuyan.classify.model import TextClassifier, auto_dispatch_at, choose_threshold
from liuyan.classify.tests import synthetic
from liuyan.classify.training import evaluate, fit_and_validate, stratified_split
from liuyan.common.errors import InvalidInput


def test_feature_text_reads_raw_and_segmented_text_alike():
    raw = "A市A3區某小區，樓頂水箱長年不洗！請問（政府）能否處理？"
    segmented = "市 A3 区 某 小区 楼顶 水箱 长年 不洗 ! 请问 政府 能否 处理 ?"
    assert feature_text(raw) == feature_text(segmented) == "市a0区某小区楼顶水箱长年不洗!请问政府能否处理?"
    assert feature_text("QQ群 ETC卡 2019年") == "qq群etc卡0年"
    assert feature_text("") == ""


def test_char_tfidf_matches_scikit_learns_weights():
    docs = ["物业收费高", "小区物业不作为", "道路施工噪音", "噪音扰民", "学校收费", "物业", "😀表情a"]
    ours = CharTfidf(max_n=3, min_df=1).fit(docs)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False).fit(docs)
    terms = [ours.term(i) for i in range(len(ours))]
    assert sorted(terms) == sorted(theirs.vocabulary_)
    columns = [theirs.vocabulary_[t] for t in terms]
    query = ["物业费太高了物业", "没有一个已知字", "噪音"]
    np.testing.assert_allclose(
        ours.transform(query).toarray(), theirs.transform(query).toarray()[:, columns], rtol=1e-5, atol=1e-6
    )
    assert ours.transform(["", "zzz"]).nnz == 0
    assert decode_gram(int(ours.codes[0])) == ours.term(0)


def test_char_tfidf_keeps_the_most_frequent_terms_when_capped():
    features = CharTfidf(max_n=1, min_df=1, max_features=2).fit(["甲乙", "甲乙", "甲丙"])
    assert sorted(features.term(i) for i in range(len(features))) == ["乙", "甲"]


@pytest.fixture(scope="module")
def trained() -> TextClassifier:
    examples = synthetic.examples(per_label=30, seed=1)
    return TextClassifier().fit([e.text for e in examples], [e.label for e in examples])


def test_it_learns_the_synthetic_labels(trained):
    held_out = synthetic.examples(per_label=15, seed=99)
    metrics = evaluate(trained, held_out, threshold=0.5)
    assert metrics["accuracy"] >= 0.95
    assert set(metrics["per_class"]) == set(synthetic.VOCABULARY)
    assert all(row["support"] == 15 for row in metrics["per_class"].values())


def test_a_prediction_has_ranked_probabilities_and_reasons(trained):
    [prediction] = trained.predict(["最近地铁站附近的红绿灯坏了，希望尽快处理"])
    assert prediction.label == "交通运输"
    assert len(prediction.ranked) == 3
    assert prediction.ranked[0] == (prediction.label, prediction.confidence)
    probabilities = [p for _, p in prediction.ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1.0 + 1e-6
    assert prediction.confidence > 0.5
    assert 1 <= len(prediction.reason_terms) <= 5
    joined = "".join(prediction.reason_terms)
    assert "地铁" in joined or "红绿" in joined or "绿灯" in joined
    # No reason is contained in another one.
    for a in prediction.reason_terms:
        assert not any(a != b and a in b for b in prediction.reason_terms)


def test_an_unrelated_text_gets_a_low_confidence(trained):
    [vague] = trained.predict(["请问谢谢"])
    [clear] = trained.predict(["学校幼儿园老师学位中考"])
    assert clear.label == "教育文体"
    assert vague.confidence < clear.confidence


def test_a_binary_classifier_explains_both_labels():
    examples = synthetic.examples(per_label=20, labels=["交通运输", "环境保护"])
    model = TextClassifier().fit([e.text for e in examples], [e.label for e in examples])
    traffic, environment = model.predict(["公交车和出租车", "污水和臭味"])
    assert (traffic.label, environment.label) == ("交通运输", "环境保护")
    assert len(traffic.ranked) == 2
    assert any("车" in t for t in traffic.reason_terms)
    assert any("污" in t or "臭" in t for t in environment.reason_terms)


def test_it_refuses_one_label_and_singletons():
    with pytest.raises(InvalidInput, match="at least two different labels"):
        TextClassifier().fit(["甲", "乙"], ["A", "A"])
    with pytest.raises(InvalidInput, match="at least 2 training examples"):
        TextClassifier().fit(["甲", "乙", "丙"], ["A", "A", "B"])


def test_the_threshold_is_the_lowest_confidence_reaching_the_target():
    confidences = [0.99, 0.95, 0.90, 0.85, 0.80, 0.70, 0.60, 0.50]
    correct = [True, True, True, True, False, True, False, False]
    # At 0.85: 4/4 right; at 0.70: 5/6 = 0.833; at 0.80: 4/5 = 0.8.
    assert choose_threshold(confidences, correct, 1.0) == (0.85, 0.5, 1.0)
    threshold, coverage, precision = choose_threshold(confidences, correct, 0.8)
    assert (threshold, coverage) == (0.70, 0.75)
    assert precision == pytest.approx(5 / 6)
    assert choose_threshold([0.9, 0.8], [False, False], 0.98) == (None, 0.0, None)
    assert choose_threshold([], [], 0.98) == (None, 0.0, None)


def test_tied_confidences_are_taken_together():
    # The two 0.9s cannot be split: either both are dispatched (precision 0.5) or neither.
    threshold, coverage, precision = choose_threshold([0.95, 0.9, 0.9], [True, True, False], 1.0)
    assert (threshold, precision) == (0.95, 1.0)
    assert coverage == pytest.approx(1 / 3)


def test_auto_dispatch_at_a_threshold():
    assert auto_dispatch_at([0.9, 0.8, 0.4], [True, False, True], 0.8) == {
        "threshold": 0.8,
        "coverage": pytest.approx(2 / 3),
        "precision": 0.5,
    }
    assert auto_dispatch_at([0.9], [True], None) == {"threshold": None, "coverage": 0.0, "precision": None}
    assert auto_dispatch_at([0.3], [True], 0.5)["precision"] is None


def test_the_split_holds_out_each_label_and_is_deterministic():
    labels = ["A"] * 10 + ["B"] * 3 + ["C"] * 2
    train, validation = stratified_split(labels, 0.2, seed=5)
    assert sorted(train + validation) == list(range(15))
    held = [labels[i] for i in validation]
    assert held.count("A") == 2 and held.count("B") == 1 and held.count("C") == 0
    assert stratified_split(labels, 0.2, seed=5) == (train, validation)
    assert stratified_split(labels, 0.2, seed=6) != (train, validation)


def test_fit_and_validate_measures_on_held_out_examples():
    examples = [*synthetic.examples(per_label=25), synthetic.Example("孤零零的一条", "罕见")]
    result = fit_and_validate(examples, target_precision=0.9, validation_fraction=0.2, seed=3)
    assert result.dropped_labels == {"罕见": 1}
    assert (result.train_examples, result.validation_examples) == (60, 15)
    assert result.metrics["examples"] == 15
    assert result.threshold is not None and 0 < result.threshold <= 1
    auto = result.metrics["auto_dispatch"]
    assert auto["threshold"] == result.threshold
    assert auto["precision"] >= 0.9 and auto["coverage"] > 0
    assert set(result.classifier.labels) == set(synthetic.VOCABULARY)


def test_fit_and_validate_refuses_bad_settings_and_too_little_data():
    examples = synthetic.examples(per_label=10)
    with pytest.raises(InvalidInput, match="target precision"):
        fit_and_validate(examples, target_precision=1.5)
    with pytest.raises(InvalidInput, match="validation fraction"):
        fit_and_validate(examples, validation_fraction=0.9)
    with pytest.raises(InvalidInput, match="not enough training examples"):
        fit_and_validate(synthetic.examples(per_label=2))


def test_large_batches_are_processed_in_chunks_with_the_same_results(trained, monkeypatch):
    from liuyan.classify import features, model

    texts = [e.text for e in synthetic.examples(per_label=3, seed=5)]
    whole = trained.predict(texts)
    matrix = trained.features.transform([feature_text(t) for t in texts])
    monkeypatch.setattr(features, "CHUNK", 2)
    monkeypatch.setattr(model, "CHUNK", 2)
    assert trained.predict(texts) == whole
    chunked = trained.features.transform([feature_text(t) for t in texts])
    assert (chunked != matrix).nnz == 0
    refit = CharTfidf(max_n=3).fit([feature_text(t) for t in texts])
    monkeypatch.setattr(features, "CHUNK", 1000)
    assert np.array_equal(refit.codes, CharTfidf(max_n=3).fit([feature_text(t) for t in texts]).codes)
    assert np.array_equal(refit.idf, CharTfidf(max_n=3).fit([feature_text(t) for t in texts]).idf)


def test_refit_trains_again_on_everything_and_keeps_the_validation_figures():
    examples = synthetic.examples(per_label=15, seed=8)
    plain = fit_and_validate(examples, target_precision=0.9, seed=2)
    again = fit_and_validate(examples, target_precision=0.9, seed=2, refit=True)
    assert (plain.refit, again.refit) == (False, True)
    assert again.metrics == plain.metrics and again.threshold == plain.threshold
    assert len(again.classifier.features) > len(plain.classifier.features)  # it has seen the validation texts too


@pytest.mark.parametrize("labels", [None, ["交通运输", "环境保护"]], ids=["several labels", "two labels"])
def test_its_probabilities_are_scikit_learns(labels):
    examples = synthetic.examples(per_label=15, seed=4, labels=labels)
    classifier = TextClassifier().fit([e.text for e in examples], [e.label for e in examples])
    texts = [e.text for e in synthetic.examples(per_label=5, seed=9, labels=labels)] + ["完全无关的一句话", ""]
    matrix = classifier.features.transform([feature_text(t) for t in texts])
    ours = classifier.calibrated_probabilities(matrix)
    theirs = classifier._model().predict_proba(matrix)
    assert np.allclose(ours, theirs, atol=1e-6)
    assert np.allclose(ours.sum(axis=1), 1.0)


def test_a_pickled_model_predicts_the_same_after_loading(trained):
    import pickle

    texts = ["公交车红绿灯路口拥堵", "学校老师课外辅导"]
    before = trained.predict(texts)
    loaded = pickle.loads(pickle.dumps(trained))
    assert "_scoring" not in loaded.__dict__
    assert loaded.predict(texts) == before


def test_feature_text_prepared_by_the_caller_gives_the_same_predictions(trained):
    texts = ["公交车红绿灯路口拥堵", "学校老师课外辅导", "河道污染有臭味"]
    assert trained.predict(texts, prepared=[feature_text(t) for t in texts]) == trained.predict(texts)


def test_n_grams_shared_by_several_models_give_the_same_predictions(trained):
    texts = ["公交车红绿灯路口拥堵", "学校老师课外辅导", "河道污染有臭味", ""]
    prepared = [feature_text(t) for t in texts]
    grams = BatchGrams(prepared)
    examples = synthetic.examples(per_label=10, seed=3)
    other = TextClassifier().fit([e.text for e in examples], [e.label for e in examples])  # another vocabulary
    assert trained.predict(texts, prepared=prepared, grams=grams) == trained.predict(texts)
    assert other.predict(texts, prepared=prepared, grams=grams) == other.predict(texts)


def test_n_grams_of_another_batch_are_refused(trained):
    with pytest.raises(ValueError):
        trained.predict(["公交车红绿灯路口拥堵"], grams=BatchGrams(["a", "b"]))

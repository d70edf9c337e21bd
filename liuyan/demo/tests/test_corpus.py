"""The demo texts: every template fills, every category exists in the default taxonomy, the output is seeded."""

import csv
import random

from liuyan.demo import corpus
from liuyan.messages.privacy import mask_personal_data
from liuyan.taxonomy.importer import DEFAULT_TAXONOMY


def _taxonomy_paths() -> set[str]:
    paths: set[str] = set()
    with DEFAULT_TAXONOMY.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            parts = [row[c] for c in ("一级分类", "二级分类", "三级分类") if row.get(c)]
            paths.update(" / ".join(parts[:i]) for i in range(1, len(parts) + 1))
    return paths


def _slots(seed: int = 1) -> dict[str, str]:
    return corpus.make_slots(random.Random(seed), city="A市", county="A3区", other_city="B市")


def test_it_files_every_topic_under_a_default_category() -> None:
    paths = _taxonomy_paths()
    for topic in corpus.TOPICS:
        assert topic.category in paths, topic.category
    for texts in corpus.REJECTIONS.values():
        for text in texts:
            assert not text.category or text.category in paths, text.category
    assert set(corpus.TOPICS_BY_DOMAIN) == set(corpus.DOMAIN_WEIGHTS)


def test_it_fills_every_template() -> None:
    slots = {**_slots(), "nickname": "网友", "number": "2026010100000001", "other": "A市某局", "target": "A市某局"}
    for topic in corpus.TOPICS:
        for template in (*topic.titles, topic.problem, *topic.replies, topic.direct, topic.wait_question):
            text = corpus.fill(template, slots)
            assert "{" not in text and "}" not in text
        for title in topic.titles:
            assert len(corpus.fill(title, slots)) <= 100
    for rejections in corpus.REJECTIONS.values():
        for rejection in rejections:
            corpus.fill(rejection.title + rejection.body + rejection.reason, slots)


def test_it_is_deterministic_for_a_seed() -> None:
    def compose(seed: int) -> tuple[str, str, str]:
        rng = random.Random(seed)
        topic = rng.choice(corpus.TOPICS)
        texts = corpus.compose_message(rng, topic, _slots(seed), with_phone=True, with_name=True)
        reply = corpus.compose_reply(rng, texts, unit="A市住房和城乡建设局", date="2026年6月1日", nickname="")
        return texts.title, texts.body, reply

    assert compose(3) == compose(3)
    assert compose(3) != compose(4)


def test_it_writes_phone_numbers_that_public_pages_mask() -> None:
    rng = random.Random(5)
    texts = corpus.compose_message(rng, corpus.TOPICS[0], _slots(5), with_phone=True, with_name=False)
    phone = texts.slots["phone"]
    assert phone in texts.body
    assert phone not in mask_personal_data(texts.body)

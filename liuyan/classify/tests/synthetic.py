"""Small synthetic labelled messages for the classifier tests: each label has its own vocabulary, all share filler."""

import random

from liuyan.classify.data import Example

__all__ = ["Example", "examples", "sentence"]

VOCABULARY = {
    "交通运输": ["公交车", "地铁站", "红绿灯", "停车场", "高速路口", "出租车", "驾驶证", "道路拥堵"],
    "教育文体": ["学校", "幼儿园", "老师", "学位", "体育馆", "图书馆", "课外辅导", "中考"],
    "环境保护": ["噪音", "污水", "垃圾焚烧", "油烟", "扬尘", "排污", "臭味", "河道污染"],
}
FILLER = ["请问", "希望", "相关部门", "尽快", "处理", "我们", "小区", "附近", "最近", "反映", "问题", "谢谢"]


def sentence(rng: random.Random, label: str) -> str:
    words = rng.sample(FILLER, 4) + rng.sample(VOCABULARY[label], 2)
    rng.shuffle(words)
    return "，".join(["".join(words[:3]), "".join(words[3:])]) + "。"


def examples(per_label: int = 20, seed: int = 1, labels: list[str] | None = None) -> list[Example]:
    rng = random.Random(seed)
    chosen = labels or sorted(VOCABULARY)
    return [Example(sentence(rng, label), label) for _ in range(per_label) for label in chosen]

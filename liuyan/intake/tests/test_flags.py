"""key_flags: key-message flags from the lexicons, with negation, hypotheticals and readable reasons."""

import time

import pytest

from liuyan.intake.flags import (
    DISASTER,
    EXTREME_EMOTION,
    LABELS,
    LEXICON,
    SAFETY_HAZARD,
    THREAT_TO_LIFE_PROPERTY,
    WAGE_ARREARS,
    key_flags,
)


def codes(text: str) -> dict[str, float]:
    return {f.code: f.confidence for f in key_flags(text)}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("楼道里闻到很重的煤气味，怀疑燃气泄漏，太危险了", SAFETY_HAZARD),
        ("小区配电箱电线裸露，小孩经常在旁边玩", SAFETY_HAZARD),
        ("我们住的是危房，墙体开裂，随时可能倒塌", SAFETY_HAZARD),
        ("商户长期占用消防通道堆放杂物", SAFETY_HAZARD),
        ("消防通道被私家车堵死了", SAFETY_HAZARD),
        ("电梯多次困人，物业不管", SAFETY_HAZARD),
        ("邻居扬言要报复我，昨天我被他打伤了", THREAT_TO_LIFE_PROPERTY),
        ("他说要从楼上跳下去", THREAT_TO_LIFE_PROPERTY),
        ("我被骗了50万元，对方公司已经跑路", THREAT_TO_LIFE_PROPERTY),
        ("老板拖欠我们农民工工资三个月了", WAGE_ARREARS),
        ("公司拖欠了半年工资", WAGE_ARREARS),
        ("工资至今没发，过年回不了家", WAGE_ARREARS),
        ("连日暴雨，村里山体滑坡，道路被淹", DISASTER),
        ("昨晚小区旁边的仓库着火了，火势很大", DISASTER),
        ("我已经走投无路了，活不下去了", EXTREME_EMOTION),
        ("再不解决我就同归于尽", EXTREME_EMOTION),
        ("为什么没人管！！！到底有没有人管！！！", EXTREME_EMOTION),
    ],
)
def test_it_raises(text, code):
    assert codes(text).get(code, 0) >= 0.5, key_flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "小区门口路灯坏了，希望尽快修复。",
        "经检查，小区没有安全隐患，感谢物业",
        "不存在任何安全隐患",
        "A市地震局的工作人员态度很好",
        "今年防汛工作做得很好，点赞！",
        "请问社保卡怎么补办？",
        "",
        "😀",
        "hello world",
    ],
)
def test_it_stays_quiet(text):
    assert key_flags(text) == []


def test_a_hypothetical_counts_less_and_says_so():
    flags = {f.code: f for f in key_flags("楼下堆满纸箱，一旦发生火灾后果不堪设想")}
    assert flags[SAFETY_HAZARD].confidence < 0.5
    assert "假设说法“火灾”" in flags[SAFETY_HAZARD].reason
    assert codes("是否存在安全隐患？")[SAFETY_HAZARD] < codes("存在安全隐患")[SAFETY_HAZARD]


def test_reasons_name_the_words():
    (flag,) = key_flags("包工头拖欠农民工工资")
    assert flag.code == WAGE_ARREARS and flag.label == "拖欠工资"
    assert "“拖欠农民工工资”" in flag.reason and flag.reason.startswith("含")
    assert flag.to_json()["terms"][0] == "拖欠农民工工资"
    assert 0 < flag.confidence <= 1


def test_more_evidence_means_more_confidence():
    assert codes("隐患")[SAFETY_HAZARD] < codes("隐患很大，电线裸露")[SAFETY_HAZARD]


def test_several_flags_most_confident_first():
    flags = key_flags("工地拖欠工资，工人讨薪被打伤，扬言同归于尽！！！")
    assert {f.code for f in flags} >= {WAGE_ARREARS, THREAT_TO_LIFE_PROPERTY, EXTREME_EMOTION}
    assert [f.confidence for f in flags] == sorted((f.confidence for f in flags), reverse=True)


def test_the_lexicons_are_well_formed():
    assert set(LEXICON) == set(LABELS)
    for entries in LEXICON.values():
        words = [w for w, _ in entries]
        assert len(words) == len(set(words))
        assert all(0 < weight <= 1 for _, weight in entries)


def test_it_is_fast_and_linear():
    text = "我们小区的路灯坏了很久了，晚上出行很不方便，希望有关部门尽快修复。" * 10
    started = time.perf_counter()
    for _ in range(200):
        key_flags(text)
    assert (time.perf_counter() - started) / 200 < 0.002
    for big in ["啊" * 50_000, "！" * 50_000, "拖欠" * 25_000, "工资" * 25_000, "从楼" * 25_000]:
        started = time.perf_counter()
        key_flags(big)
        assert time.perf_counter() - started < 0.5


def test_people_trapped_in_a_lift():
    assert codes("上周还困了人，一位老人在电梯里被困了40多分钟")[SAFETY_HAZARD] >= 0.7

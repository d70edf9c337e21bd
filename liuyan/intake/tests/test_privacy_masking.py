"""Masking personal data for public rendering (liuyan.messages.privacy), sharing its patterns with extraction."""

import time

import pytest

from liuyan.messages.privacy import (
    BANK_CARD,
    HOUSE_NUMBER,
    ID_CARD,
    PHONE,
    PLATE,
    find_personal_data,
    id_checksum_ok,
    luhn_ok,
    mask_personal_data,
)

VALID_ID = "110101199003071233"  # checksum digit 3
VALID_ID_X = "11010519491231002X"
VALID_CARD = "6222021234567890128"  # Luhn-valid, 19 digits


def test_the_check_digits():
    assert id_checksum_ok(VALID_ID)
    assert id_checksum_ok(VALID_ID_X)
    assert not id_checksum_ok("110101199003071234")
    assert luhn_ok(VALID_CARD)
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")


def test_it_keeps_what_it_already_masked():
    text = "我的电话13812345678，身份证110101199003071234，邮箱zhang.san@example.com，座机010-88886666"
    assert mask_personal_data(text) == (
        "我的电话138****5678，身份证110*************34，邮箱z***@example.com，座机010-******66"
    )
    assert mask_personal_data("卡号6222021234567890123") == "卡号6222***********0123"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("手机 138 1234 5678 请联系", "手机 138****5678 请联系"),
        ("手机138-1234-5678", "手机138****5678"),
        ("电话+86 13812345678", "电话138****5678"),
        ("电话008613812345678", "电话138****5678"),
        ("座机(0731)88886666", "座机0731-******66"),
        ("座机0731-8888 6666", "座机0731-******66"),
        ("客服400-800-1234", "客服400-******34"),
        (f"身份证号 {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}。", "身份证号 110*************33。"),
        (f"身份证{VALID_ID_X.lower()}", "身份证110*************2X"),
        ("老身份证110101900307123号", "老身份证110**********23号"),
        ("卡号 6222 0212 3456 7890 128", "卡号 6222***********0128"),
        ("车牌京A12345被刮", "车牌京A****5被刮"),
        ("车牌号粤B·D12345", "车牌号粤B*****5"),
        ("沪A1234学的教练车", "沪A****学的教练车"),
        ("住幸福里小区3栋2单元502室", "住幸福里小区3栋*单元***室"),
        ("3号楼1单元1203", "3号楼*单元****"),
        ("地址：5-2-301", "地址：5-*-***"),
    ],
)
def test_it_masks(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "140平米的房子，3室2厅，2019年12月30日17:06",
        "拨打12345热线，110报警，2019-09-08 21:01:59",
        "0000-00000000市社保局咨询热线",  # de-identified placeholder, no real number
        "A市A3区K8县，第3栋，20层，共300户",
        "请问2020年的政策，预算12.5万元，订单号20200101",
        "新A3区规划",
    ],
)
def test_it_leaves_ordinary_text_alone(text):
    assert mask_personal_data(text) == text


def test_spans_say_what_they_are_and_whether_they_are_valid():
    spans = find_personal_data(
        f"电话13812345678 身份证{VALID_ID} 卡{VALID_CARD} 京A12345 2单元502室 身份证110101199003071234"
    )
    kinds = [(s.kind, s.valid) for s in spans]
    assert kinds == [
        (PHONE, True),
        (ID_CARD, True),
        (BANK_CARD, True),
        (PLATE, True),
        (HOUSE_NUMBER, True),
        (HOUSE_NUMBER, True),
        (ID_CARD, False),
    ]
    assert spans[0].value == "13812345678" and spans[0].detail == "mobile"
    assert find_personal_data("") == []


def test_it_never_raises_and_stays_linear():
    for text in ["", "1", "@", "😀" * 100, "a@" * 1000, "1-" * 1000, "京A" * 1000, "单元" * 1000]:
        mask_personal_data(text)
    for text in ["a" * 50_000, "1" * 50_000, "1 " * 25_000, "a." * 25_000 + "@", "京A1" * 12_500, "5室" * 25_000]:
        started = time.perf_counter()
        mask_personal_data(text)
        assert time.perf_counter() - started < 0.5, text[:10]

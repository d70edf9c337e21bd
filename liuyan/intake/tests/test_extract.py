"""extract: personal data, places, addresses, organisations and dates in message text."""

import csv
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
from liuyan.geo.loader import load_divisions
from liuyan.geo.region_lookup import clear_region_cache
from liuyan.intake.extract import (
    ADDRESS,
    BANK_CARD,
    DATETIME,
    EMAIL,
    ID_CARD,
    ORGANISATION,
    PHONE,
    PLACE,
    PLATE,
    Extraction,
    extract,
)
from liuyan.intake.locate import clear_locate_cache

VALID_ID = "110101199003071233"
VALID_CARD = "6222021234567890128"
TODAY = dt.date(2024, 6, 1)
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"


def values(text: str, kind: str, **kwargs) -> list[str]:
    return extract(text, places=False, **kwargs).values(kind)


# --- personal data ---------------------------------------------------------------------------------------------


def test_phones_are_digits_only():
    text = "电话13812345678，手机 +86 139-1234-5678，座机0731-88886666，(010)88886666，客服400-800-1234"
    assert values(text, PHONE) == ["13812345678", "13912345678", "073188886666", "01088886666", "4008001234"]
    found = extract(text, places=False).of_kind(PHONE)
    assert [e.detail for e in found] == ["mobile", "mobile", "landline", "landline", "service"]
    assert text[found[1].start : found[1].end] == "+86 139-1234-5678"


def test_ids_must_pass_their_checks():
    assert values(f"身份证号{VALID_ID}", ID_CARD) == [VALID_ID]
    assert values("身份证号11010519491231002x", ID_CARD) == ["11010519491231002X"]
    assert values(f"身份证 {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}", ID_CARD) == [VALID_ID]
    assert values("老身份证110101900307123", ID_CARD) == ["110101900307123"]
    assert values("身份证号110101199003071234", ID_CARD) == []  # wrong check digit
    assert values("编号110101199013071233", ID_CARD) == []  # month 13


def test_bank_cards_must_pass_luhn():
    assert values(f"卡号{VALID_CARD}", BANK_CARD) == [VALID_CARD]
    assert values("卡号 6222 0212 3456 7890 128", BANK_CARD) == [VALID_CARD]
    assert values("卡号6222021234567890123", BANK_CARD) == []
    assert values("订单号2020010112345678", BANK_CARD) == []


def test_emails_and_plates():
    assert values("邮箱Zhang.San@Example.com。", EMAIL) == ["zhang.san@example.com"]
    text = "京A12345、粤B·D12345、沪AF12345、苏E1234学、使123456，A市A3区，新A3区"
    assert values(text, PLATE) == ["京A12345", "粤BD12345", "沪AF12345", "苏E1234学", "使123456"]


def test_placeholder_numbers_are_no_personal_data():
    text = "拨打0000-00000000，12345热线，110报警，2019-09-08 21:01:59，140平米，3室2厅"
    found = extract(text, places=False)
    assert not [e for e in found.entities if e.kind in (PHONE, ID_CARD, BANK_CARD, PLATE)]


# --- addresses and organisations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        ("我住在人民路128号幸福里小区3栋2单元502室，楼上漏水", ["人民路128号幸福里小区3栋2单元502室"]),
        ("家住锦绣华庭5号楼1单元，电梯坏了", ["锦绣华庭5号楼1单元"]),
        ("李家庄村3组的村民反映", ["李家庄村3组"]),
        ("位于建设大道与滨河路交叉口", ["建设大道", "滨河路"]),
        ("馨悦府12栋楼下的垃圾没人清理", ["馨悦府12栋"]),
        ("我们小区路面坑洼，马路边的道路不好走", []),
        ("严重干扰小区业主休息，国家明文规定小区不得", []),
        ("这个村里的人都知道", []),
        ("在城中村和农村都一样", []),
        ("大街小巷都是这样", []),
    ],
)
def test_addresses(text, addresses):
    assert values(text, ADDRESS) == addresses


@pytest.mark.parametrize(
    ("text", "organisations"),
    [
        ("小区物业A市程明物业管理有限公司未经同意收费", ["小区物业", "A市程明物业管理有限公司"]),
        ("向A市住房和城乡建设局反映后，住建局一直没有答复", ["A市住房和城乡建设局", "住建局"]),
        ("东风街道办事处的工作人员", ["东风街道办事处"]),
        ("中国工商银行A市分行营业部", ["中国工商银行A市分行营业部"]),
        ("孩子在实验小学上学，城关派出所的民警", ["实验小学", "城关派出所"]),
        ("投诉恒达建筑工程有限公司拖欠工资", ["恒达建筑工程有限公司"]),
        ("A市发展和改革委员会", ["A市发展和改革委员会"]),
        ("跪求市政府帮忙", ["市政府"]),
        ("这是一个骗局，当局不管", []),
        ("该公司不给工资，物业费太贵，银行卡被冻结，初中学生", []),
        ("他考上了大学，我去医院看病", []),
    ],
)
def test_organisations(text, organisations):
    assert values(text, ORGANISATION) == organisations


# --- dates and times -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "detail"),
    [
        ("2024年3月5日", "2024-03-05", "absolute"),
        ("2024年3月", "2024-03", "absolute"),
        ("2019年", "2019", "absolute"),
        ("2024-03-05", "2024-03-05", "absolute"),
        ("2020/1/6 12:09:38", "2020-01-06T12:09", "absolute"),
        ("2024年3月5日上午9点", "2024-03-05T09:00", "absolute"),
        ("2024年3月5日下午3点半", "2024-03-05T15:30", "absolute"),
        ("3月5日", "--03-05", "partial"),
        ("三月五日", "--03-05", "partial"),
        ("2月2号", "--02-02", "partial"),
        ("昨天", "昨天", "relative"),
        ("上周", "上周", "relative"),
        ("春节前", "春节前", "vague"),
        ("最近", "最近", "vague"),
        ("晚上10点", "22:00", "absolute"),
        ("凌晨2点", "02:00", "absolute"),
    ],
)
def test_dates_without_a_reference_day(text, value, detail):
    (found,) = extract(f"事情发生在{text}，", places=False).of_kind(DATETIME)
    assert (found.value, found.detail) == (value, detail)
    assert found.text == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("昨天", "2024-05-31"),
        ("昨天晚上8点半", "2024-05-31T20:30"),
        ("前天", "2024-05-30"),
        ("去年", "2023"),
        ("上个月", "2024-05"),
        ("上周", "2024-W21"),
        ("3月5日", "2024-03-05"),
        ("12月20日", "2023-12-20"),  # written in June about last December? no: within a month ahead is this year
    ],
)
def test_relative_dates_become_absolute_with_a_reference_day(text, value):
    today = TODAY if text != "12月20日" else dt.date(2024, 1, 10)
    (found,) = extract(f"{text}，", places=False, today=today).of_kind(DATETIME)
    assert found.value == value


def test_no_dates_in_numbers_and_counts():
    text = "三个月没发工资，提三点建议，共3点意见，一月才640元，2月30日，13号楼"
    assert values(text, DATETIME) == []


# --- the whole ------------------------------------------------------------------------------------------------


def test_entities_are_in_text_order_with_their_spans_and_serialise():
    text = "我住在人民路128号，电话13812345678。2024年3月5日向A市住建局反映。"
    found = extract(text, places=False)
    assert [e.kind for e in found.entities] == [ADDRESS, PHONE, DATETIME, ORGANISATION]
    for e in found.entities:
        assert text[e.start : e.end] == e.text
    data = found.to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data[1] == {"kind": "phone", "value": "13812345678", "start": 13, "end": 24, "text": "13812345678"} | {
        "detail": "mobile"
    }


@pytest.mark.parametrize(
    "text",
    ["", "a", "市", "村", "路", "😀" * 200, "hello world 123", "\x00\x01\n\t", "号" * 100, "1" * 100, "A3区" * 50],
)
def test_it_never_raises(text):
    assert isinstance(extract(text, places=False), Extraction)


def test_it_stays_linear_on_long_texts():
    for text in [
        "啊" * 50_000,
        "1" * 50_000,
        "路" * 50_000,
        "人民路1号" * 10_000,
        "有限公司" * 12_500,
        "2024年3月5日" * 5_000,
        "a@" * 25_000,
        "京A12345" * 7_000,
    ]:
        started = time.perf_counter()
        extract(text, places=False)
        assert time.perf_counter() - started < 1.0, text[:8]


# --- with the region table ------------------------------------------------------------------------------------


@pytest.fixture
def regions(db):
    clear_region_cache()
    clear_locate_cache()
    load_divisions()
    import_gazetteer(SAMPLE_GAZETTEER)
    yield
    clear_region_cache()
    clear_locate_cache()


def test_places_and_addresses_that_start_with_them(regions):
    text = "A市A3区人民路128号幸福里小区门口，中山路上，朝阳新居小区，西地省人民医院"
    found = extract(text)
    assert found.values(PLACE) == ["A市", "A3区", "西地省"]
    assert found.of_kind(PLACE)[1].detail.isdigit()
    assert found.values(ADDRESS) == ["A市A3区人民路128号幸福里小区", "中山路", "朝阳新居小区"]
    assert found.values(ORGANISATION) == ["西地省人民医院"]


def test_weak_place_names_need_a_confirming_mention(regions):
    assert extract("比如说，他们拆迁安置").values(PLACE) == []
    assert extract("北京市海淀的学校").values(PLACE) == ["北京市", "海淀"]


def test_organisations_begin_at_a_division_name(regions):
    found = extract("强烈建议望西地省旅游局严惩，现为F市爱心培幼儿园园长")
    assert found.values(ORGANISATION) == ["西地省旅游局", "F市爱心培幼儿园"]


def test_a_demo_message(regions):
    import random

    from liuyan.demo import corpus

    rng = random.Random(3)
    for topic in corpus.TOPICS[:40]:
        slots = corpus.make_slots(rng, city="A市", county="A3区", other_city="B市")
        texts = corpus.compose_message(rng, topic, slots, with_phone=True, with_name=False)
        found = extract(f"{texts.title}\n{texts.body}")
        assert slots["phone"] in found.values(PHONE)
        assert all(len(e.text) <= 40 for e in found.entities if e.kind in (ADDRESS, ORGANISATION))


@pytest.mark.shared_data
def test_real_messages_never_break_it_and_organisations_stay_short(regions):
    path = SHARED / "tipdm2020c" / "dev_raw.csv"
    if not path.exists():
        pytest.skip("../shared/data is absent")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    started = time.perf_counter()
    for row in rows:
        found = extract(f"{row['留言主题']}\n{row['留言详情']}")
        for e in found.entities:
            if e.kind in (ADDRESS, ORGANISATION):
                assert len(e.text) <= 32, e
            if e.kind == PHONE:
                assert e.value.strip("0"), e  # the de-identified 0000-00000000 is no phone
    assert (time.perf_counter() - started) / len(rows) < 0.01


def test_an_estate_without_a_suffix_before_a_building_number():
    assert values("领导您好，碧水蓝天3号楼的电梯坏了", ADDRESS) == ["碧水蓝天3号楼"]
    assert values("我们住3号楼，旁边的5栋也是", ADDRESS) == []

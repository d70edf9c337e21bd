"""normalize_text: widths, traditional → simplified, markup and Excel noise, whitespace; idempotent; never raises."""

import random
import time

import pytest

from liuyan.intake.normalize import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ　ｘｙｚ　１２３＃％", "ABC xyz 123#%"),
        ("请问，这里？是的！（备注）：好；", "请问，这里？是的！（备注）：好；"),  # Chinese punctuation kept as written
        ("他说「好」。《条例》、“引号”…", "他说「好」。《条例》、“引号”…"),
        ("我們這個社區的樓房漏水嚴重", "我们这个社区的楼房漏水严重"),
        ("頭髮乾燥", "头发干燥"),
        ("已经是简体的文字", "已经是简体的文字"),
        ("第一行<br>第二行<br/>第三行", "第一行\n第二行\n第三行"),
        ("<p>段落</p><div>块</div>", "段落\n块"),
        ("<span style='color:red'>红</span><font face=宋体>字</font><o:p></o:p>", "红字"),
        ("a&nbsp;b&amp;c&lt;d&gt;", "a b&c<d>"),
        ("x&nbsp好", "x 好"),
        ("&nbspx 与 &amplifier", "&nbspx 与 &amplifier"),
        ("&amp;nbsp;双重转义", "双重转义"),
        ("&#12288;&#x41;&#65;", "AA"),
        ("温度<5度，a<b", "温度<5度，a<b"),
        ("http://x.cn/?a=1&para=2&sect=3", "http://x.cn/?a=1&para=2&sect=3"),
        ("行一_x000D_\n行二_x000D_行三", "行一\n行二\n行三"),
        ("字面的_x005F_保留", "字面的_x005F_保留"),
        ("\t\xa0前后\u3000\u3000空白\xa0\t", "前后 空白"),
        ("多   个    空格", "多 个 空格"),
        ("段一\r\n\r\n\r\n  段二  \n\n段三", "段一\n段二\n段三"),
        ("零\u200b宽\ufeff字\u00ad符", "零宽字符"),
        ("控制\x00字\x07符\x1b", "控制字符"),
        ("<!-- 注释 -->正文<script>alert(1)</script><style>p{}</style>完", "正文完"),
        ("表情😀保留👍", "表情😀保留👍"),
        ("＜ｂｒ＞全角标签", "全角标签"),
        ("", ""),
        ("   \n\t\u3000  ", ""),
    ],
)
def test_it_normalises(raw, expected):
    assert normalize_text(raw) == expected


def test_it_drops_lone_surrogates_instead_of_raising():
    assert normalize_text("好\ud800的\udfff") == "好的"


_PIECES = [
    *"&;#x0<>/ab pnbsdiv_xD135AＡ，。？\n\t\r\u3000\xa0頭髮乾燥后😀\x00\ud83d",
    "&nbsp;",
    "&nbsp",
    "<br>",
    "</p>",
    "<span>",
    "_x000D_",
    "_x005F_",
    "&amp;",
    "&#",
    "&#x",
    "<p",
    "</",
    "&lt;",
    "&gt;",
    "ＢＲ",
    "＜",
    "＞",
    "&#65310;",
    "&#60;",
    "<!--",
    "-->",
    "<script>",
]


def test_it_is_idempotent_and_total_on_random_garbage():
    rng = random.Random(20261202)
    for _ in range(20_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30)))
        once = normalize_text(text)
        assert isinstance(once, str)
        assert normalize_text(once) == once, repr(text)


def test_it_is_idempotent_on_arbitrary_code_points():
    rng = random.Random(7)
    for _ in range(3_000):
        text = "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randint(0, 40)))
        once = normalize_text(text)
        assert normalize_text(once) == once


def test_it_handles_long_text_quickly():
    long = "我們的社區樓房漏水嚴重，請盡快處理。&nbsp;<br>_x000D_\t" * 1400  # ~50,000 characters
    assert len(long) > 45_000
    started = time.perf_counter()
    result = normalize_text(long)
    assert time.perf_counter() - started < 1.0
    assert "漏水严重" in result and "&" not in result and "<" not in result and "\t" not in result


def test_it_keeps_up_with_the_intake_rate():
    message = "A市A3區某小區樓房漏水嚴重，請盡快處理。發現問題後，聯繫了物業，沒有回應。" * 8
    started = time.perf_counter()
    for _ in range(500):
        normalize_text(message)
    # Measured about 0.1 ms per 300-character message; 500 must take far less than the 1 s the intake has.
    assert time.perf_counter() - started < 0.5
